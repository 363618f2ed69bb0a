import KGRecTensor

/// Graph augmentation of seed 000 besides edge dropout (`refreshAttention(dropEdges:)`): feature
/// masking. Training only: `inferenceEmbeddings`, `kgrec eval` and the serving stages never mask.
extension MultiKG4Rec {
    /// Per channel with content, each raw-feature column is masked (zeroed in every node's raw
    /// vector before the projection) with probability `featureMask` for this epoch, drawn from the
    /// model's seeded stream. Nothing is drawn when `featureMask` is 0, so other runs are unchanged.
    func drawFeatureMasks() {
        guard config.featureMask > 0 else { return }
        for channel in channels where channel.projection != nil {
            channel.maskedColumns = (0..<channel.rawFeatures.cols).map { _ in rng.unit() < config.featureMask }
        }
    }
}
