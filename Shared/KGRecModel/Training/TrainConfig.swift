/// Training-loop settings (the model's own hyperparameters are in `ModelConfig`). Codable: read
/// from a config file and stored in checkpoints.
public struct TrainConfig: Codable, Equatable, Sendable {
    /// Maximum epochs. Default 100 (RecBole's reference runs).
    public var epochs: Int = 100
    /// CF (BPR) batch size. Paper grid {1024, 5120, 10240}; RecBole reference 4096.
    public var batchSize: Int = 4096
    /// KG (TransR) batch size.
    public var kgBatchSize: Int = 4096
    /// KG batches per epoch; nil = one pass over the KG triples (KGAT). 0 skips the KG phase.
    public var kgBatchesPerEpoch: Int? = nil
    /// Stop after this many evaluations without a better validation NDCG@20. Default 10.
    public var patience: Int = 10
    /// Evaluate on validation every this many epochs.
    public var evalEvery: Int = 1
    /// Metric cut-offs. The early-stopping metric is NDCG at `stopK`.
    public var ks: [Int] = [10, 20, 50]
    public var stopK: Int = 20
    /// Dynamic hard negatives (seed 000): each negative is the best-scored of this many uniform
    /// candidates under the last evaluated embeddings. 1 = plain uniform sampling.
    public var hardNegativeCandidates: Int = 1
    /// Whether to evaluate at all (benchmarks of huge graphs turn it off; then the last epoch is kept).
    public var evaluate: Bool = true
    /// Cap on CF batches per epoch (benchmarks); nil = a full pass.
    public var maxBatchesPerEpoch: Int? = nil
    /// Wall-clock budget: no new epoch starts after this many seconds (demo); nil = no limit.
    public var maxSeconds: Double? = nil
    /// BPR batches' propagation; nil = `.full` (optional so checkpoints from before it decode).
    public var propagation: PropagationMode? = nil
    /// The propagation BPR batches use: `propagation`, `.full` when unset.
    public var propagationMode: PropagationMode { propagation ?? .full }
    /// Refuse to train when the estimated peak memory (`TrainingMemory`) exceeds this many GiB;
    /// nil = the machine's available memory.
    public var memoryBudgetGiB: Double? = nil
    /// Bound on the fusion's intermediates kept on the tape for one BPR batch, in GiB; nil =
    /// `FusionEncoder.defaultTapeBudget`. Below what a batch needs, the rest is checkpointed and
    /// recomputed in the backward pass (less memory, more time).
    public var fusionTapeBudgetGiB: Double? = nil
    /// `fusionTapeBudgetGiB` in bytes, the default when unset.
    public var fusionTapeBudget: Int {
        fusionTapeBudgetGiB.map { Int($0 * 1_073_741_824) } ?? FusionEncoder.defaultTapeBudget
    }
    /// Items a BPR batch fuses with gradient: a batch with more distinct items fuses a uniform
    /// random subset of this many (gradient weighted by items / subset, unbiased) and reads the
    /// others' fused vectors from the per-epoch cache (their own layer-0 rows stay on the tape).
    /// 0 = every item of the batch; nil = `defaultFusionItemsPerBatch` (optional so checkpoints
    /// from before it decode).
    public var fusionItemsPerBatchLimit: Int? = nil
    /// The default: 2,048, so catalogues of up to 2,048 items (ml-100k: 1,682) train exactly.
    public static let defaultFusionItemsPerBatch = 2048
    /// `fusionItemsPerBatchLimit`, the default when unset.
    public var fusionItemsPerBatch: Int { fusionItemsPerBatchLimit ?? Self.defaultFusionItemsPerBatch }
    /// Seed of shuffling and negative sampling.
    public var seed: UInt64 = 2020

    public init() {}

    public func validate() throws {
        func check(_ ok: Bool, _ m: String) throws { if !ok { throw DataError(.invalidValue, file: "train config", m) } }
        try check(epochs >= 1, "epochs must be >= 1")
        try check(batchSize >= 1 && kgBatchSize >= 1, "batch sizes must be >= 1")
        try check(patience >= 1 && evalEvery >= 1, "patience and evalEvery must be >= 1")
        try check(!ks.isEmpty && ks.allSatisfy { $0 > 0 } && ks.contains(stopK), "ks must be positive and contain stopK")
        try check(hardNegativeCandidates >= 1, "hardNegativeCandidates must be >= 1")
        try check((memoryBudgetGiB ?? 1) > 0, "memory budget must be positive")
        try check((fusionTapeBudgetGiB ?? 0) >= 0, "fusion tape budget must be >= 0")
        try check(fusionItemsPerBatch >= 0, "fusion items per batch must be >= 0 (0 = all)")
        try check((kgBatchesPerEpoch ?? 0) >= 0 && (maxBatchesPerEpoch ?? 1) >= 1, "batch caps must be positive")
    }
}
