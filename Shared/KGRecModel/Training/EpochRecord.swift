/// One epoch's figures, written as a JSON line to `metrics.jsonl`.
public struct EpochRecord: Codable, Equatable, Sendable {
    public var epoch: Int
    /// Mean BPR (+L2) loss over the epoch's CF batches.
    public var bprLoss: Double
    /// Mean TransR loss over the epoch's KG batches (0 when skipped).
    public var kgLoss: Double
    public var cfExamples: Int
    public var kgExamples: Int
    /// Wall time of the training phases (without evaluation).
    public var trainSeconds: Double
    /// CF + KG examples per second of training time.
    public var examplesPerSecond: Double
    public var evalSeconds: Double
    /// Validation metrics (`"ndcg@20"` → value) when evaluated this epoch.
    public var valid: [String: Double]?
    /// Test metrics, only on epochs that improved validation (RecBole reports the best epoch's).
    public var test: [String: Double]?
    /// Whether this epoch is the best so far on validation.
    public var best: Bool
}

/// Outcome of a training run.
public struct TrainResult: Sendable {
    public var records: [EpochRecord]
    public var bestEpoch: Int
    public var bestValid: RankingMetrics?
    public var bestTest: RankingMetrics?
    /// Parameters at the best validation epoch (what checkpoints store).
    public var bestParameters: [(name: String, value: Matrix)]
    public var stoppedEarly: Bool
    public var totalSeconds: Double
}

import KGRecTensor
