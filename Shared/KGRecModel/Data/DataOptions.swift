/// Where and how to load a dataset. Codable (part of a training config file).
public struct DataOptions: Codable, Equatable, Sendable {
    public enum Format: String, Codable, Sendable, CaseIterable {
        case recbole, kgat
    }

    /// Dataset directory.
    public var path: String = ""
    /// File format. Default RecBole atomic files.
    public var format: Format = .recbole
    /// RecBole dataset name (`NAME.inter`); nil = the single `.inter` file in `path`.
    public var name: String? = nil
    /// Keep only interactions whose item is linked to the KG (RecBole's knowledge-aware models). Default true.
    public var linkedOnly: Bool = true
    /// Train/valid/test ratios of the random split (RecBole RS, grouped by user). Default 8:1:1.
    public var splitRatios: [Double] = [0.8, 0.1, 0.1]
    /// Seed of the random split (`--split-seed`; independent of the model's and the sampler's seeds).
    /// Default 2020 (RecBole's).
    public var seed: UInt64 = 2020
    /// Directory with `NAME.train.inter`, `NAME.valid.inter`, `NAME.test.inter` (`kgrec split`,
    /// RecBole's `benchmark_filename`): the split is read from them instead of drawn with `seed`.
    public var splitFiles: String? = nil
    /// BFS sequence length for fusion (normally `ModelConfig.sequenceLength`).
    public var sequenceLength: Int = 8
    /// Text features `.npy` and id file; nil = `NAME.text.npy`/`.ids` in `path` when present.
    public var textFeatures: String? = nil
    public var textIds: String? = nil
    /// Visual features `.npy` and id file; nil = `NAME.visual.npy`/`.ids` in `path` when present.
    public var visualFeatures: String? = nil
    public var visualIds: String? = nil

    public init(path: String = "", format: Format = .recbole) {
        self.path = path
        self.format = format
    }
}
