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
    /// What a query is ranked against in evaluation, and what negatives are drawn from.
    public var candidates = AlignmentCandidates.alignable
    /// Uniformly sampled negatives per batch and side (from the other KG's candidates).
    public var sampledNegatives = 256
    /// Dynamic hard negatives per anchor: its nearest non-aligned candidates of the other KG under the
    /// last epoch's embeddings (refreshed every epoch). 0 = none.
    public var hardNegatives = 4
    /// Early stopping on validation MRR after this many evaluations without improvement.
    public var patience = 20
    public var evalEvery = 1
    /// Seed of shuffling and sampling.
    public var seed: UInt64 = 2020
    /// Give items their own trainable ID embedding rows. Off by default: an item's ID row is a free
    /// per-entity parameter, InfoNCE fits the training pairs with it alone and nothing transfers to
    /// unseen pairs, so items' ID rows are held at zero and an item is encoded from its content and
    /// its neighbourhood only (attributes keep their ID embeddings).
    public var itemIDs = false
    /// Give attributes linked to a single item of their KG trainable ID rows. Off by default for the
    /// same reason: such an attribute is a second free per-item parameter (ml-100k's Freebase KG
    /// has tens of thousands: actors, writers and producers of one film).
    public var leafAttributeIDs = false

    public init() {}

    enum CodingKeys: String, CodingKey {
        case data, splitSeed, encoder, candidates, temperature, epochs, batchSize, sampledNegatives, hardNegatives, patience, evalEvery, seed, itemIDs, leafAttributeIDs
    }

    public init(from decoder: any Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func read<T: Decodable>(_ key: CodingKeys, _ value: inout T) throws {
            if let v = try c.decodeIfPresent(T.self, forKey: key) { value = v }
        }
        try read(.data, &data); try read(.splitSeed, &splitSeed); try read(.encoder, &encoder)
        candidates = .all  // checkpoints written before the choice existed ranked against every entity
        try read(.candidates, &candidates)
        try read(.temperature, &temperature); try read(.epochs, &epochs); try read(.batchSize, &batchSize)
        try read(.sampledNegatives, &sampledNegatives); try read(.hardNegatives, &hardNegatives)
        try read(.patience, &patience); try read(.evalEvery, &evalEvery); try read(.seed, &seed); try read(.itemIDs, &itemIDs)
        leafAttributeIDs = true  // checkpoints written before the choice existed trained them
        try read(.leafAttributeIDs, &leafAttributeIDs)
    }

    public func validate() throws {
        func check(_ ok: Bool, _ m: String) throws { if !ok { throw DataError(.invalidValue, file: "align config", m) } }
        try check(temperature > 0 && temperature <= 10, "temperature must be in (0, 10]")
        try check(epochs >= 1 && batchSize >= 2, "epochs >= 1 and batch size >= 2")
        try check(sampledNegatives >= 0 && hardNegatives >= 0, "negatives must be >= 0")
        try check(patience >= 1 && evalEvery >= 1, "patience and eval-every must be >= 1")
    }

    /// The encoders' `ModelConfig`s from `base` for `task`'s features: `structure` is one model without
    /// a modality channel (ID embeddings and the base's propagation layers, i.e. the KGAT channel);
    /// `content` one model with the data's modalities, no propagation layers and no neighbours in
    /// the fusion sequence (projection and fusion of the entity itself); `both` is the two side by
    /// side — an entity's encoding is the two L2-normalised encodings concatenated (÷√2), so its
    /// cosine similarity is the mean of the structural and the content similarity.
    public func modelConfigs(_ base: ModelConfig, features: MultimodalFeatures) throws -> [ModelConfig] {
        var structure = base
        structure.modalities = .none
        var content = base
        let hasText = (features.text?.presentCount ?? 0) > 0, hasVisual = (features.visual?.presentCount ?? 0) > 0
        if encoder != .structure {
            guard hasText || hasVisual else { throw DataError(.inconsistent, file: data, "the \(encoder.rawValue) encoder needs text or visual features") }
        }
        content.modalities = hasText && hasVisual ? .both : hasText ? .textOnly : .visualOnly
        content.layerSizes = []
        content.sequenceLength = 1
        let configs = encoder == .structure ? [structure] : encoder == .content ? [content] : [structure, content]
        for c in configs { try c.validate() }
        return configs
    }
}
