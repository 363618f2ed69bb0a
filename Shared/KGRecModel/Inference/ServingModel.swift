import KGRecTensor

/// A trained Multi-KG4Rec split into the two stages the services run in different processes:
///
/// 1. **Encoder stage** (`encode`, kgrec-encoder): per item, layer 0 of each channel for the item
///    and its BFS sequence, through the fusion blocks → the item's fused `[d]` vector per channel.
///    For trained items this equals the item rows of the model's `fusedLayer0` (training time).
/// 2. **Graph stage** (`propagate`, kgrec-graph): the layer-0 table with the item rows from stage 1,
///    knowledge-aware attention recomputed (`refreshAttention(dropEdges: false)`), the Bi-Interaction
///    layers and layer aggregation → the same tables as `MultiKG4Rec.inferenceEmbeddings()`, on
///    the trained graph or on a `ServingGraph` extended with new items, users and interactions.
///
/// Evaluation mode throughout (no dropout). Immutable after `init`, so one instance serves
/// concurrent requests (`@unchecked Sendable`: the model's parameters are only read).
public final class ServingModel: @unchecked Sendable {
    public let dataset: Dataset
    public let config: ModelConfig
    /// Identifies the parameters (kind and CRC-32 of the tensors), e.g. `multikg4rec-1a2b3c4d`.
    public let modelVersion: String
    /// The checkpoint's `kgrec.text_model`: which text model made the text features, if recorded.
    public let textModel: String?
    let model: MultiKG4Rec
    /// Per channel, the trained graph's layer-0 table before fusion `[N, d]`.
    let layer0: [Matrix]

    /// Wraps a model whose parameters are final (trained or restored) for `dataset`'s graph.
    public init(model: MultiKG4Rec, dataset: Dataset, modelVersion: String = "", textModel: String? = nil) throws {
        guard model.nodeCount == dataset.graph.nodeCount, model.itemCount == dataset.itemCount else {
            throw ModelError(.inconsistent, "model has \(model.nodeCount) nodes / \(model.itemCount) items, the dataset "
                                            + "\(dataset.graph.nodeCount) / \(dataset.itemCount)")
        }
        self.model = model
        self.dataset = dataset
        self.textModel = textModel
        config = model.config
        let tape = Tape()
        layer0 = model.channels.map { tape.value($0.layer0(tape)) }
        self.modelVersion = modelVersion.isEmpty ? Self.version(model) : modelVersion
    }

    /// Reads a checkpoint written by `kgrec train`, reloads its dataset (the recorded data options,
    /// optionally at `dataOverride`), rebuilds the model on the same graph and sequences and restores
    /// the parameters. Throws `DataError`/`ModelError` naming the file on any mismatch.
    public static func load(checkpoint path: String, dataOverride: String? = nil) throws -> ServingModel {
        let ckpt = try Checkpoint.read(from: path)
        guard ckpt.kind == .multiKG4Rec else {
            throw DataError(.unsupported, file: path, "the services serve multikg4rec checkpoints, this one is '\(ckpt.kind.rawValue)'")
        }
        var options = ckpt.data
        if let d = dataOverride { options.path = d }
        let dataset = try DatasetLoader.load(options)
        // Built exactly as training builds it (same graph, features and fusion sequences).
        // No fusion pass at build or restore: `encode`/`propagate` compute from the parameters.
        guard let model = try ckpt.kind.make(config: ckpt.model, dataset: dataset, refreshing: false) as? MultiKG4Rec else {
            throw DataError(.unsupported, file: path, "checkpoint kind '\(ckpt.kind.rawValue)' does not build a Multi-KG4Rec")
        }
        try ckpt.restoreForServing(into: model, dataset: dataset, path: path)
        return try ServingModel(model: model, dataset: dataset, textModel: ckpt.textModel)
    }

    // MARK: facts

    /// Channel names in output order (`["visual", "text"]`, one of them, or `["id"]` for KGAT).
    public var channelNames: [String] { config.channelNames }
    /// Width `d` of layer 0 and of fused vectors.
    public var embeddingSize: Int { config.embeddingSize }
    /// Width of one channel's layer-aggregated embedding (`d + Σ layerSizes`).
    public var channelWidth: Int { config.channelWidth }
    /// Maximum sequence length `n` (the item plus n − 1 neighbours).
    public var sequenceLength: Int { model.fusion?.length ?? config.sequenceLength }
    /// Whether the encoder stage does anything beyond looking up layer 0 (fusion or projections).
    public var hasContent: Bool { model.fusion != nil || model.channels.contains { $0.projection != nil } }

    /// The raw input width the checkpoint projects for `modality`, or nil when no channel has a
    /// projection for it (raw vectors of that modality are then refused).
    public func rawWidth(of modality: Modality) -> Int? {
        model.channels.first { $0.name == modality.rawValue }?.projection?.linear.weight.value.rows
    }

    /// The wire field (`ModalityVectors.visual` / `.text`) that carries channel `c`: "visual" →
    /// visual, "text" → text, and KGAT's single "id" channel → text.
    public func wireModality(ofChannel c: Int) -> Modality {
        channelNames[c] == "visual" ? .visual : .text
    }

    /// `kind-crc32(tensor bytes)`.
    static func version(_ model: MultiKG4Rec) -> String {
        var crc: UInt32 = 0
        for p in model.allParameters {
            p.value.data.withUnsafeBytes { crc = CRC32.checksum($0, initial: crc) }
        }
        let hex = String(crc, radix: 16)
        return "multikg4rec-" + String(repeating: "0", count: 8 - hex.count) + hex
    }
}
