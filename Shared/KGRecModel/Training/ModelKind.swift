import KGRecTensor

/// Which recommender to build.
public enum ModelKind: String, Codable, Sendable, CaseIterable {
    /// Multi-KG4Rec (the product; its ablations via `ModelConfig`).
    case multiKG4Rec = "multikg4rec"
    /// Matrix factorisation with BPR: the collaborative-filtering baseline.
    case bpr
    /// LightGCN: the graph collaborative-filtering baseline.
    case lightgcn

    /// Builds a fresh model for `dataset`.
    /// `refreshing`: see `MultiKG4Rec.init` (false only for the serving stages).
    public func make(config: ModelConfig, dataset: Dataset, refreshing: Bool = true) throws -> any Recommender {
        try config.validate()
        switch self {
        case .bpr:
            return BPRMatrixFactorization(config: config, userCount: dataset.userCount, itemCount: dataset.itemCount)
        case .lightgcn:
            return LightGCN(config: config, userCount: dataset.userCount, itemCount: dataset.itemCount,
                            trainUsers: dataset.split.trainUsers, trainItems: dataset.split.trainItems)
        case .multiKG4Rec:
            let sequences = dataset.sequences.length == config.sequenceLength ? dataset.sequences : nil
            return try MultiKG4Rec(config: config, graph: dataset.graph, features: dataset.features, sequences: sequences,
                                   refreshing: refreshing)
        }
    }
}
