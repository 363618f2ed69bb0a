import Foundation
import KGRecModel

/// `kgrec eval`: evaluates a checkpoint on its dataset (full ranking, several k).
struct EvalCommand: CLICommand {
    let name = "eval"
    let summary = "evaluate a checkpoint (full ranking: Recall, NDCG, MRR, Hit @ k)"

    static let specs: [CommandFlags.Spec] = [
        .init("checkpoint", "checkpoint.safetensors written by kgrec train or kgrec align (required)"),
        .init("data", "dataset directory (default: the one the checkpoint was trained on)"),
        .init("phase", "phase whose positives are ranked (train: kgrec align checkpoints only)", default: EvalPhase.test,
              rule: .choices(AlignmentPairs.Phase.self)),
        .init("ks", "cut-offs", default: TrainConfig().ks, rule: .positive),
        .init("json", "print the metrics as JSON", value: false),
    ]

    func run(_ args: [String]) -> Int32 {
        runCommand(name) {
            let f = try CommandFlags(args, specs: Self.specs)
            if f.helpRequested { print(CommandFlags.usage(name, summary, Self.specs)); return 0 }
            guard let path = f.string("checkpoint") else { throw CommandFlags.UsageError("--checkpoint FILE is required") }
            if let align = try AlignmentCheckpoint.readIfAlignment(path) {  // written by kgrec align
                let phase = f.choice("phase", AlignmentPairs.Phase.self) ?? .test
                try AlignCommand.evaluate(path: path, ckpt: align, dataOverride: f.string("data"), phase: phase, json: f.has("json"))
                return 0
            }
            let (ckpt, dataset, model) = try Self.load(path, dataOverride: f.string("data"))
            let text = f.string("phase") ?? EvalPhase.test.rawValue
            guard let phase = EvalPhase(rawValue: text) else {
                throw UsageError.invalid(source: "flag --phase", value: text, reason: "expected one of valid, test for a recommender checkpoint")
            }
            let ks = f.ints("ks") ?? TrainConfig().ks
            let t0 = ProgressLine.now()
            let metrics = Evaluator(split: dataset.split, ks: ks).evaluate(model.inferenceEmbeddings(), phase: phase)
            if f.has("json") {
                let data = try JSONSerialization.data(withJSONObject: metrics.flat, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print("\(ckpt.kind.rawValue) (best epoch \(ckpt.bestEpoch)) on \(dataset.summary)")
                print("\(phase.rawValue) over \(metrics.users) users in \(ProgressLine.fmt(ProgressLine.now() - t0, 2))s:")
                print(TrainingRun.metricsLine(metrics, ks: metrics.ks))
            }
            return 0
        }
    }

    /// Reads a checkpoint, reloads its dataset (same options, optional new path), rebuilds and restores the model.
    static func load(_ path: String, dataOverride: String?) throws -> (Checkpoint, Dataset, any Recommender) {
        let ckpt = try Checkpoint.read(from: path)
        var options = ckpt.data
        if let d = dataOverride { options.path = d }
        let dataset = try DatasetLoader.load(options)
        let model = try ckpt.kind.make(config: ckpt.model, dataset: dataset)
        try ckpt.restore(into: model, dataset: dataset, path: path)
        return (ckpt, dataset, model)
    }
}
