import Foundation
import KGRecModel

/// `kgrec align`: alignment pre-training (InfoNCE over aligned pairs of two KGs) with full-ranking
/// Hits@1 / Hits@10 / MRR in both directions; or, with `--baseline`, the training-free
/// nearest-text-neighbour baseline on the same pairs.
struct AlignCommand: CLICommand {
    let name = "align"
    let summary = "pre-train entity encoders by aligning two KGs (InfoNCE), report Hits@1/10 and MRR"

    /// The recommender's configuration with lr 1e-2: its 1e-3 left structure-only synthetic
    /// alignment at Hits@1 0.03 after 100 epochs.
    static let modelDefaults: ModelConfig = {
        var c = ModelConfig()
        c.learningRate = 0.01
        return c
    }()

    static let specs: [CommandFlags.Spec] = { let d = AlignConfig(); return [
        .init("data", "alignment data directory (a.item, a.kg, b.item, b.kg, alignment.pairs, optional a/b.text.npy; kgrec synth --two-kgs, kgrec align-data)"),
        .init("encoder", "what the alignment encoder reads", default: d.encoder),
        .init("candidates", "what a query is ranked against and negatives are drawn from: alignable is the other KG's items and paired entities, all every entity", default: d.candidates),
        .init("temperature", "InfoNCE temperature τ", default: d.temperature),
        .init("epochs", "maximum epochs", default: d.epochs),
        .init("batch-size", "training pairs per batch", default: d.batchSize),
        .init("negatives", "uniformly sampled negatives per batch and side", default: d.sampledNegatives),
        .init("hard-negatives", "nearest non-aligned entities per anchor, refreshed per epoch (0 = none)", default: d.hardNegatives),
        .init("patience", "early stopping after N evaluations without a better validation MRR", default: d.patience),
        .init("eval-every", "evaluate every N epochs", default: d.evalEvery),
    ] + ModelConfig.architectureFlagSpecs(defaults: AlignCommand.modelDefaults) + [
        .init("seed", "seed of initialisation and sampling", default: d.seed),
        .init("split-seed", "seed of the pair split when alignment.pairs has no split column", default: d.splitSeed),
        .init("item-ids", "give items trainable ID embeddings (default: items are encoded from content and neighbourhood only)", value: false),
        .init("leaf-ids", "give attributes linked to a single item trainable ID embeddings (default: held at zero like items')", value: false),
        .init("baseline", "evaluate the nearest-text-neighbour baseline instead of training", value: false),
        .init("out", "output directory: checkpoint.safetensors, metrics.jsonl, result.json"),
        .init("json", "print the test metrics (and the best epoch's validation metrics as valid_…) as one JSON line", value: false),
        .init("quiet", "no progress lines", value: false),
    ] }()

    func run(_ args: [String]) -> Int32 {
        runCommand(name) {
            let f = try CommandFlags(args, specs: Self.specs)
            if f.helpRequested { print(CommandFlags.usage(name, summary, Self.specs)); return 0 }
            var align = AlignConfig()
            guard let data = f.string("data") else { throw CommandFlags.UsageError("--data DIR is required") }
            align.data = data
            if let v = f.choice("encoder", AlignConfig.Encoder.self) { align.encoder = v }
            if let v = f.choice("candidates", AlignmentCandidates.self) { align.candidates = v }
            if let v = f.double("temperature") { align.temperature = Float(v) }
            if let v = f.int("epochs") { align.epochs = v }
            if let v = f.int("batch-size") { align.batchSize = v }
            if let v = f.int("negatives") { align.sampledNegatives = v }
            if let v = f.int("hard-negatives") { align.hardNegatives = v }
            if let v = f.int("patience") { align.patience = v }
            if let v = f.int("eval-every") { align.evalEvery = v }
            if let v = f.seed("split-seed") { align.splitSeed = v }
            if f.has("item-ids") { align.itemIDs = true }
            if f.has("leaf-ids") { align.leafAttributeIDs = true }
            var base = Self.modelDefaults
            try base.apply(architectureFlags: f)
            if let v = f.seed("seed") { base.seed = v; align.seed = v }
            try align.validate()
            let progress = ProgressLine(enabled: !f.has("quiet"))
            let task = try TwoKGFiles.read(directory: data, splitSeed: align.splitSeed)
            progress.line("loaded \(task.summary)")

            if f.has("baseline") {
                guard let z = TextNeighbourBaseline.vectors(task) else { throw DataError(.inconsistent, file: data, "the baseline needs text features") }
                let m = AlignmentEvaluator.evaluate(z, task: task, phase: .test, candidates: align.candidates)
                print(f.has("json") ? try Self.json(m.flat) : "text-neighbour baseline, test \(m.line)")
                return 0
            }
            let configs = try align.modelConfigs(base, features: task.features)
            let models = try configs.map { try MultiKG4Rec(config: $0, graph: task.graph, features: task.features) }
            let trainer = try AlignmentTrainer(models: models, task: task, config: align, progress: progress)
            let metrics = try MetricsLog(directory: f.string("out"))
            trainer.onEpoch = { metrics.append($0) }
            let result = try trainer.run()
            if let out = f.string("out") {
                let ckpt = AlignmentCheckpoint(models: configs, align: align, counts: task.counts, bestEpoch: result.bestEpoch,
                                               test: result.bestTest?.flat ?? [:], tensors: result.bestParameters)
                try ckpt.write(to: (out as NSString).appendingPathComponent("checkpoint.safetensors"))
                let summary: [String: Any] = [
                    "data": task.summary, "encoder": align.encoder.rawValue, "candidates": align.candidates.rawValue,
                    "temperature": Double(align.temperature),
                    "best_epoch": result.bestEpoch, "epochs_run": result.records.count, "stopped_early": result.stoppedEarly,
                    "seconds": result.totalSeconds, "valid": result.bestValid?.flat ?? [:], "test": result.bestTest?.flat ?? [:],
                ]
                let bytes = try JSONSerialization.data(withJSONObject: summary, options: [.prettyPrinted, .sortedKeys])
                _ = FileManager.default.createFile(atPath: (out as NSString).appendingPathComponent("result.json"), contents: bytes)
            }
            let test = result.bestTest ?? AlignmentMetrics()
            if f.has("json") {
                var d = test.flat
                d["best_epoch"] = Double(result.bestEpoch)
                for (k, v) in result.bestValid?.flat ?? [:] { d["valid_" + k] = v }
                print(try Self.json(d))
            } else {
                print("\(align.encoder.rawValue) encoder, τ \(align.temperature): best epoch \(result.bestEpoch) of \(result.records.count)"
                      + "\(result.stoppedEarly ? " (early stop)" : ""), \(ProgressLine.fmt(result.totalSeconds, 1))s")
                print("test  \(test.line)")
                if let out = f.string("out") { print("wrote \(out)/checkpoint.safetensors, metrics.jsonl, result.json") }
            }
            return 0
        }
    }

    static func json(_ d: [String: Double]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: d, options: [.sortedKeys]), as: UTF8.self)
    }

    /// `kgrec eval` of an alignment checkpoint: rebuilds the encoder on its data and ranks `phase`'s pairs.
    static func evaluate(path: String, ckpt: AlignmentCheckpoint, dataOverride: String?, phase: AlignmentPairs.Phase, json: Bool) throws {
        let dir = dataOverride ?? ckpt.align.data
        let task = try TwoKGFiles.read(directory: dir, splitSeed: ckpt.align.splitSeed)
        let models = try ckpt.restore(task: task, path: path)
        let t0 = ProgressLine.now()
        let m = AlignmentEvaluator.evaluate(AlignmentTrainer.normalizedEmbeddings(models), task: task, phase: phase,
                                           candidates: ckpt.align.candidates)
        if json { print(try Self.json(m.flat)); return }
        print("align (\(ckpt.align.encoder.rawValue) encoder, best epoch \(ckpt.bestEpoch)) on \(task.summary)")
        print("\(phase.rawValue) in \(ProgressLine.fmt(ProgressLine.now() - t0, 2))s: \(m.line)")
    }
}

extension AlignConfig.Encoder: CommandFlags.FlagValue {}
extension AlignmentCandidates: CommandFlags.FlagValue {}
