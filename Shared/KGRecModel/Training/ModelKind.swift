import KGRecTensor

/// Which recommender to build.
public enum ModelKind: String, Codable, Sendable, CaseIterable {
    /// Multi-KG4Rec (the product; its ablations via `ModelConfig`).
    case multiKG4Rec = "multikg4rec"
    /// Matrix factorisation with BPR: the collaborative-filtering baseline.
    case bpr

    /// Builds a fresh model for `dataset`.
    public func make(config: ModelConfig, dataset: Dataset) throws -> any Recommender {
        try config.validate()
        switch self {
        case .bpr:
            return BPRMatrixFactorization(config: config, userCount: dataset.userCount, itemCount: dataset.itemCount)
        case .multiKG4Rec:
            throw ModelError("the Multi-KG4Rec model is not built yet (use --model bpr)")
        }
    }
}
