/// Hyperparameters of Multi-KG4Rec with the paper's defaults (seed 001, §5) and the ablation
/// switches. Codable so it can be stored in a checkpoint's `__metadata__` and read from a config file.
public struct ModelConfig: Codable, Equatable, Sendable {
    /// Which modality channels the model has.
    public enum Modalities: String, Codable, Sendable, CaseIterable {
        /// Visual and text channels (the full model).
        case both
        /// `w/o t`: visual channel only.
        case visualOnly = "visual"
        /// `w/o v`: text channel only.
        case textOnly = "text"
        /// `w/o t&v`: one ID-embedding channel, no fusion, no projection — KGAT.
        case none
    }

    /// Direction of cross-modal attention in the fusion blocks (only meaningful with `.both`).
    public enum Fusion: String, Codable, Sendable, CaseIterable {
        /// Each modality's queries attend to both modalities' keys/values (the paper).
        case bidirectional
        /// Only visual queries see text keys/values; text attends to itself.
        case textToVisual = "text->visual"
        /// Only text queries see visual keys/values; visual attends to itself.
        case visualToText = "visual->text"
        /// No cross-modal attention (each modality a self-attention transformer).
        case none
    }

    /// Neighbourhood aggregator of the propagation layers.
    public enum Aggregator: String, Codable, Sendable, CaseIterable {
        /// KGAT's Bi-Interaction over the knowledge-aware attention π (per epoch, no gradient).
        case biInteraction = "bi-interaction"
        /// Graph attention with gradient and a jumping-knowledge connection (seed 000,
        /// `GATJumpingKnowledgeLayer`). Trains with `PropagationMode.full` only.
        case gatJK = "gat-jk"
    }

    /// Modality channels (ablations `w/o v`, `w/o t`, `w/o t&v`). Default `.both`.
    public var modalities: Modalities = .both
    /// Cross-attention direction. Default `.bidirectional`.
    public var fusion: Fusion = .bidirectional
    /// Width of layer-0 embeddings and of the fusion model `d`. Paper: 64.
    public var embeddingSize: Int = 64
    /// Output widths of the knowledge-aware propagation layers. Paper: [64, 32, 16].
    public var layerSizes: [Int] = [64, 32, 16]
    /// Number of fusion blocks. Paper: 3. 0 disables fusion.
    public var fusionBlocks: Int = 3
    /// Attention heads per fusion block (must divide `embeddingSize`). Paper: 8.
    public var heads: Int = 8
    /// Hidden width of the fusion FFN. Not given by the paper; 2·d.
    public var ffnSize: Int = 128
    /// BFS sequence length `n` (the item plus up to n−1 neighbours). Not given by the paper.
    public var sequenceLength: Int = 8
    /// Message dropout on each propagation layer's output, in [0, 1). KGAT: 0.1.
    public var messageDropout: Float = 0.1
    /// Fraction of graph edges dropped per epoch (graph augmentation of seed 000), in [0, 1).
    public var edgeDropout: Float = 0
    /// Fraction of raw content-feature columns (per modality) zeroed per training epoch (graph
    /// augmentation of seed 000: feature masking), in [0, 1). Seeded; never at inference.
    public var featureMask: Float = 0
    /// Propagation aggregator. Default `.biInteraction` (KGAT / seed 001).
    public var aggregator: Aggregator = .biInteraction
    /// L2 coefficient λ on the batch's final embeddings, in [1e-5, 1e-1]. KGAT default 1e-5.
    public var l2: Float = 1e-5
    /// Weight decay λ_θ on every trainable parameter (the paper's `λ‖θ‖²` term, applied by Adam as
    /// coupled L2), in [0, 1e-1]. Default 0: only the batch embeddings' L2 (`l2`), as KGAT.
    public var weightDecay: Float = 0
    /// Adam learning rate, in [1e-4, 1e-2]. Default 1e-3.
    public var learningRate: Float = 1e-3
    /// LeakyReLU negative slope (projection and Bi-Interaction).
    public var leakySlope: Float = 0.01
    /// Seed for initialisation and dropout.
    public var seed: UInt64 = 2020

    public init() {}

    /// Channel names in output order: visual before text.
    public var channelNames: [String] {
        switch modalities {
        case .both: return ["visual", "text"]
        case .visualOnly: return ["visual"]
        case .textOnly: return ["text"]
        case .none: return ["id"]
        }
    }

    /// Width of one channel's layer-aggregated embedding: `d + Σ layerSizes`.
    public var channelWidth: Int { embeddingSize + layerSizes.reduce(0, +) }

    /// Checks ranges; throws `ModelError` naming the field.
    public func validate() throws {
        if embeddingSize <= 0 { throw ModelError(.invalidValue, "embeddingSize must be positive") }
        if layerSizes.contains(where: { $0 <= 0 }) { throw ModelError(.invalidValue, "layerSizes must be positive") }
        if heads <= 0 || embeddingSize % heads != 0 {
            throw ModelError(.invalidValue, "heads (\(heads)) must divide embeddingSize (\(embeddingSize))")
        }
        if fusionBlocks < 0 { throw ModelError(.invalidValue, "fusionBlocks must be >= 0") }
        if ffnSize <= 0 { throw ModelError(.invalidValue, "ffnSize must be positive") }
        if sequenceLength < 1 { throw ModelError(.invalidValue, "sequenceLength must be >= 1") }
        if !(0..<1).contains(messageDropout) { throw ModelError(.invalidValue, "messageDropout must be in [0, 1)") }
        if !(0..<1).contains(edgeDropout) { throw ModelError(.invalidValue, "edgeDropout must be in [0, 1)") }
        if !(0..<1).contains(featureMask) { throw ModelError(.invalidValue, "featureMask must be in [0, 1)") }
        if l2 < 0 { throw ModelError(.invalidValue, "l2 must be >= 0") }
        if !(0...0.1).contains(weightDecay) { throw ModelError(.invalidValue, "weightDecay must be in [0, 0.1]") }
        if !(learningRate > 0) { throw ModelError(.invalidValue, "learningRate must be positive") }
    }
}

extension ModelConfig {
    /// Decodes a stored config; a key the writer did not know yet (a checkpoint from before a
    /// setting existed) takes the default, so older checkpoints stay readable.
    public init(from decoder: any Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func read<T: Decodable>(_ key: CodingKeys, _ value: inout T) throws {
            if let v = try c.decodeIfPresent(T.self, forKey: key) { value = v }
        }
        try read(.modalities, &modalities)
        try read(.fusion, &fusion)
        try read(.embeddingSize, &embeddingSize)
        try read(.layerSizes, &layerSizes)
        try read(.fusionBlocks, &fusionBlocks)
        try read(.heads, &heads)
        try read(.ffnSize, &ffnSize)
        try read(.sequenceLength, &sequenceLength)
        try read(.messageDropout, &messageDropout)
        try read(.edgeDropout, &edgeDropout)
        try read(.featureMask, &featureMask)
        try read(.aggregator, &aggregator)
        try read(.l2, &l2)
        try read(.weightDecay, &weightDecay)
        try read(.learningRate, &learningRate)
        try read(.leakySlope, &leakySlope)
        try read(.seed, &seed)
    }
}
