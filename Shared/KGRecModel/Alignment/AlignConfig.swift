/// Settings of an alignment pre-training run (`kgrec align`); the encoder's own hyperparameters are a
/// `ModelConfig`. Codable: stored in the alignment checkpoint.
public struct AlignConfig: Codable, Equatable, Sendable {
    /// What encodes an entity.
    public enum Encoder: String, Codable, Sendable, CaseIterable {
        /// Propagation over its own KG from ID embeddings (the KGAT channel, no content).
        case structure
        /// Its content only: projection and fusion of the entity alone (sequence length 1), no
        /// propagation layers; entities without content keep ID embeddings.
        case content
        /// Content projected and fused over the entity's BFS sequence, then propagated (the model).
        case both
    }

    /// The alignment data directory (`TwoKGFiles`).
    public var data = ""
    /// Seed of the random pair split when `alignment.pairs` has no split column.
    public var splitSeed: UInt64 = 2020
    public var encoder: Encoder = .both
    /// InfoNCE temperature τ. The seed leaves it open and sweeps {0.05, 0.1, 0.2}; default the middle.
    public var temperature: Float = 0.1
    public var epochs = 200
    /// Training pairs per InfoNCE batch; every other pair of the batch is an in-batch negative.
    public var batchSize = 512
    /// Uniformly sampled negatives per batch and side (from all entities of the other KG).
    public var sampledNegatives = 256
    /// Dynamic hard negatives per anchor: its nearest non-aligned entities of the other KG under the
    /// last epoch's embeddings (refreshed every epoch). 0 = none.
    public var hardNegatives = 4
    /// Early stopping on validation MRR after this many evaluations without improvement.
    public var patience = 20
    public var evalEvery = 1
    /// Seed of shuffling and sampling.
    public var seed: UInt64 = 2020

    public init() {}

    public func validate() throws {
        func check(_ ok: Bool, _ m: String) throws { if !ok { throw DataError(file: "align config", m) } }
        try check(temperature > 0 && temperature <= 10, "temperature must be in (0, 10]")
        try check(epochs >= 1 && batchSize >= 2, "epochs >= 1 and batch size >= 2")
        try check(sampledNegatives >= 0 && hardNegatives >= 0, "negatives must be >= 0")
        try check(patience >= 1 && evalEvery >= 1, "patience and eval-every must be >= 1")
    }

    /// The encoder's `ModelConfig` from `base` for `task`'s features: `structure` has no modality
    /// channel (ID embeddings and propagation), `content` no propagation layers and no neighbours in
    /// the fusion sequence, `both` the modalities the data has with the base's layers.
    public func modelConfig(_ base: ModelConfig, features: MultimodalFeatures) throws -> ModelConfig {
        var c = base
        let hasText = (features.text?.presentCount ?? 0) > 0, hasVisual = (features.visual?.presentCount ?? 0) > 0
        switch encoder {
        case .structure:
            c.modalities = .none
        case .content, .both:
            guard hasText || hasVisual else { throw DataError(file: data, "the \(encoder.rawValue) encoder needs text or visual features") }
            c.modalities = hasText && hasVisual ? .both : hasText ? .textOnly : .visualOnly
            if encoder == .content { c.layerSizes = []; c.sequenceLength = 1 }
        }
        try c.validate()
        return c
    }
}
