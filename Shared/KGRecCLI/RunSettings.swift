import Foundation
import KGRecModel

/// Everything a training run needs, from an optional JSON config file overlaid by flags.
///
/// Config file (every key optional; defaults as in `ModelConfig`, `TrainConfig`, `DataOptions`):
/// `{"kind": "multikg4rec", "ablation": "full", "model": {...}, "train": {...}, "data": {...}}`.
struct RunSettings {
    var kind: ModelKind = .multiKG4Rec
    /// Set by `--ablation` or the file; applied on top of `model`.
    var ablation: Ablation? = nil
    var model = ModelConfig()
    var train = TrainConfig()
    var data = DataOptions()
    var out: String? = nil
    /// Warm start: parameters from this checkpoint (same dataset and model shape); optimiser state starts fresh.
    var initFrom: String? = nil
    /// Sentence-encoder folder the text features came from (recorded in the checkpoint).
    var textModel: String? = nil
    var quiet = false

    static let specs: [CommandFlags.Spec] = [
        .init("config", "JSON config file (keys kind, ablation, model, train, data); flags override it"),
        .init("data", "dataset directory"),
        .init("dataset-format", "dataset file layout", default: DataOptions().format),
        .init("dataset-name", "RecBole NAME of NAME.inter (default: the only .inter file)"),
        .init("all-interactions", "keep interactions of items not linked to the KG", value: false),
        .init("text-features", "text feature matrix .npy (default: NAME.text.npy in --data)"),
        .init("text-ids", "ids of the text rows, one per line (default: the .npy path with .ids)"),
        .init("text-model", "sentence-encoder folder that made the text features: its hash goes into the checkpoint (default: X.textmodel beside --text-features, written by kgrec embed-text)"),
        .init("visual-features", "visual feature matrix .npy (default: NAME.visual.npy in --data)"),
        .init("visual-ids", "ids of the visual rows"),
        .init("model", "model kind: bpr is the matrix-factorisation baseline, lightgcn the graph CF baseline",
              rule: .choices(ModelKind.self)),
        .init("ablation", "Multi-KG4Rec variant", rule: .choices(Ablation.self)),
        .init("epochs", "maximum epochs", default: TrainConfig().epochs),
        .init("batch-size", "BPR batch size", default: TrainConfig().batchSize),
        .init("kg-batch-size", "TransR batch size", default: TrainConfig().kgBatchSize),
        .init("kg-batches", "TransR batches per epoch (default: one pass over the KG; 0 = none)", kind: .int),
        .init("max-batches", "cap on BPR batches per epoch (benchmarks)", kind: .int),
        .init("propagation", "BPR batches' propagation: full is the whole graph (exact), history the batch + 1-hop over per-epoch history tables", default: TrainConfig().propagationMode),
        .init("memory-budget", "refuse to train when the estimated peak memory exceeds this many GiB (default: the available memory)", kind: .double),
        .init("fusion-tape-budget", "GiB of fusion intermediates a BPR batch keeps for its backward pass; the rest is recomputed (less memory, more time)",
              default: Double(FusionEncoder.defaultTapeBudget) / 1_073_741_824, rule: .nonNegative),
        .init("fusion-items", "items a BPR batch fuses with gradient; a batch with more fuses a random subset of this many (gradient reweighted) and reads the rest from the per-epoch fused cache; 0 = all",
              default: TrainConfig.defaultFusionItemsPerBatch, rule: .nonNegative),
    ] + ModelConfig.architectureFlagSpecs() + [
        .init("l2", "L2 weight λ", default: ModelConfig().l2),
        .init("feature-mask", "fraction of raw content-feature columns masked per training epoch", default: ModelConfig().featureMask),
        .init("aggregator", "propagation aggregator: bi-interaction is KGAT's (per-epoch attention), gat-jk GAT with gradient + jumping knowledge (--propagation full only)", default: ModelConfig().aggregator),
        .init("weight-decay", "L2 on every parameter, applied by Adam", default: ModelConfig().weightDecay),
        .init("hard-negatives", "dynamic hard negatives: candidates per negative (1 = uniform)", default: TrainConfig().hardNegativeCandidates),
        .init("patience", "early-stopping patience in evaluations", default: TrainConfig().patience),
        .init("eval-every", "evaluate every N epochs", default: TrainConfig().evalEvery),
        .init("init-from", "start from this checkpoint's parameters (continue training; Adam state restarts); a kgrec align checkpoint initialises the shared encoder weights and the matching KG's entity rows (two-phase training)"),
        .init("budget", "training time budget in seconds: no epoch starts after it", kind: .double),
        .init("no-eval", "skip evaluation (benchmarks); the checkpoint is the last epoch", value: false),
        .init("seed", "seed of the model initialisation and of sampling (the split has --split-seed)", default: TrainConfig().seed),
        .init("split-seed", "seed of the random train/valid/test split (RecBole's)", default: DataOptions().seed),
        .init("split-files", "read the split from DIR/NAME.{train,valid,test}.inter (kgrec split) instead of drawing it"),
        .init("out", "output directory: checkpoint.safetensors, metrics.jsonl, result.json"),
        .init("quiet", "no progress lines", value: false),
    ]

    /// Keys of optional fields (absent from the encoded defaults when nil).
    static let optionalKeys: Set<String> = ["kgBatchesPerEpoch", "maxBatchesPerEpoch", "maxSeconds", "propagation", "memoryBudgetGiB", "fusionTapeBudgetGiB", "fusionItemsPerBatchLimit", "name", "splitFiles", "textFeatures", "textIds",
                                            "visualFeatures", "visualIds"]

    /// Defaults for `dataPath` (programmatic runs such as the demo).
    init(dataPath: String) {
        data.path = dataPath
        data.sequenceLength = model.sequenceLength
    }

    init(flags f: CommandFlags) throws {
        if let path = f.string("config") { try loadFile(path) }
        if let d = f.string("data") { data.path = d }
        if let v = f.choice("dataset-format", DataOptions.Format.self) { data.format = v }
        if let v = f.string("dataset-name") { data.name = v }
        if f.has("all-interactions") { data.linkedOnly = false }
        if let v = f.string("text-features") { data.textFeatures = v }
        if let v = f.string("text-ids") { data.textIds = v }
        if let v = f.string("visual-features") { data.visualFeatures = v }
        if let v = f.string("visual-ids") { data.visualIds = v }
        if let v = f.choice("model", ModelKind.self) { kind = v }
        if let v = f.choice("ablation", Ablation.self) { ablation = v }
        if let v = f.int("epochs") { train.epochs = v }
        if let v = f.int("batch-size") { train.batchSize = v }
        if let v = f.int("kg-batch-size") { train.kgBatchSize = v }
        if let v = f.int("kg-batches") { train.kgBatchesPerEpoch = v }
        if let v = f.int("max-batches") { train.maxBatchesPerEpoch = v }
        if let v = f.choice("propagation", PropagationMode.self) { train.propagation = v }
        if let v = f.double("memory-budget") { train.memoryBudgetGiB = v }
        if let v = f.double("fusion-tape-budget") { train.fusionTapeBudgetGiB = v }
        if let v = f.int("fusion-items") { train.fusionItemsPerBatchLimit = v }
        try model.apply(architectureFlags: f)
        if let v = f.double("l2") { model.l2 = Float(v) }
        if let v = f.double("feature-mask") { model.featureMask = Float(v) }
        if let v = f.choice("aggregator", ModelConfig.Aggregator.self) { model.aggregator = v }
        if let v = f.double("weight-decay") { model.weightDecay = Float(v) }
        if let v = f.int("hard-negatives") { train.hardNegativeCandidates = v }
        if let v = f.int("patience") { train.patience = v }
        if let v = f.int("eval-every") { train.evalEvery = v }
        if let v = f.seed("seed") { model.seed = v; train.seed = v }
        if let v = f.seed("split-seed") { data.seed = v }
        if let v = f.string("split-files") { data.splitFiles = v }
        if f.has("no-eval") { train.evaluate = false }
        if let v = f.double("budget") { train.maxSeconds = v }
        initFrom = f.string("init-from")
        textModel = f.string("text-model")
        out = f.string("out")
        quiet = f.has("quiet")
        ablation?.apply(to: &model)
        data.sequenceLength = model.sequenceLength
        if kind != .multiKG4Rec { train.kgBatchesPerEpoch = 0 }
        guard !data.path.isEmpty else { throw CommandFlags.UsageError("--data DIR is required (or \"data\": {\"path\": …} in --config)") }
        try model.validate()
        try train.validate()
        if model.aggregator == .gatJK && train.propagationMode != .full {
            throw CommandFlags.UsageError("--aggregator gat-jk trains with --propagation full only (history tables hold Bi-Interaction layers)")
        }
    }

    /// Overlays the file's keys on the defaults (so a file may set only what it changes).
    private mutating func loadFile(_ path: String) throws {
        guard let bytes = FileManager.default.contents(atPath: path) else { throw DataError(.unreadable, file: path, "cannot read config file") }
        guard let obj = try? JSONSerialization.jsonObject(with: bytes) as? [String: Any] else {
            throw DataError(.malformed, file: path, "config file is not a JSON object")
        }
        let known: Set<String> = ["kind", "ablation", "model", "train", "data"]
        if let bad = obj.keys.first(where: { !known.contains($0) }) {
            throw DataError(.malformed, file: path, "unknown key '\(bad)' (expected kind, ablation, model, train, data)")
        }
        func overlay<T: Codable>(_ value: T, _ key: String) throws -> T {
            guard let patch = obj[key] else { return value }
            guard let p = patch as? [String: Any] else { throw DataError(.malformed, file: path, "'\(key)' must be an object") }
            var base = try JSONSerialization.jsonObject(with: JSONEncoder().encode(value)) as! [String: Any]
            for (k, v) in p {
                guard base[k] != nil || Self.optionalKeys.contains(k) else { throw DataError(.malformed, file: path, "unknown key '\(key).\(k)'") }
                base[k] = v
            }
            do { return try JSONDecoder().decode(T.self, from: JSONSerialization.data(withJSONObject: base)) } catch {
                throw DataError(.malformed, file: path, "bad '\(key)': \(error)", cause: error)
            }
        }
        model = try overlay(model, "model")
        train = try overlay(train, "train")
        data = try overlay(data, "data")
        if let k = obj["kind"] {
            guard let s = k as? String, let v = ModelKind(rawValue: s) else { throw DataError(.invalidValue, file: path, "bad 'kind' \(k)") }
            kind = v
        }
        if let a = obj["ablation"] {
            guard let s = a as? String, let v = Ablation(rawValue: s) else { throw DataError(.invalidValue, file: path, "bad 'ablation' \(a)") }
            ablation = v
        }
    }
}
