import Foundation
import KGRecModel

/// `kgrec demo`, the main job: synthesises the embedded default dataset, trains Multi-KG4Rec within
/// a time budget, evaluates, shows a few users' top-5 with their visual/text breakdown, then serves
/// the checkpoint through encoder → graph → ranker (`ServicesDemo`: streamed scoring, a cold item
/// added online, a latency summary) and stops everything.
struct DemoCommand: CLICommand {
    let name = "demo"
    let summary = "the main job: synthesise, train briefly, evaluate, then serve through the three services"

    /// The demo's defaults: where it works, its training budget and epoch cap, users it explains.
    enum Defaults {
        static let out = "runs/demo"
        static let budgetSeconds = 75.0
        static let epochs = 40
        static let users = 3
    }

    static let specs: [CommandFlags.Spec] = [
        .init("out", "working directory", default: Defaults.out),
        .init("budget", "training time budget in seconds", default: Defaults.budgetSeconds),
        .init("epochs", "maximum epochs", default: Defaults.epochs),
        .init("users", "users to explain", default: Defaults.users),
        .init("seed", "synthetic data seed", default: SynthConfig().seed),
        .init("quiet", "no progress lines", value: false),
        .init("no-services", "stop after the model part (do not start the services)", value: false),
    ]

    /// The demo's training settings (also what `docs/model.md` reports for the synthetic default).
    static func settings(out: String) -> RunSettings {
        var s = RunSettings(dataPath: (out as NSString).appendingPathComponent("data"))
        s.out = (out as NSString).appendingPathComponent("model")
        s.model.learningRate = 0.01
        s.train.batchSize = 2048
        s.train.kgBatchSize = 2048
        s.train.kgBatchesPerEpoch = 1
        s.train.patience = 5
        return s
    }

    func run(_ args: [String]) -> Int32 {
        runCommand(name) {
            let f = try CommandFlags(args, specs: Self.specs)
            if f.helpRequested { print(CommandFlags.usage(name, summary, Self.specs)); return 0 }
            let out = f.string("out") ?? Defaults.out
            var s = Self.settings(out: out)
            s.train.maxSeconds = f.double("budget") ?? Defaults.budgetSeconds
            s.train.epochs = f.int("epochs") ?? Defaults.epochs
            s.quiet = f.has("quiet")
            var c = SynthConfig()
            if let seed = f.seed("seed") { c.seed = seed }
            let t0 = ProgressLine.now()
            let synth = try SyntheticKG(c)
            try synth.write(to: s.data.path)
            print("1/4 synthesised \(c.name): \(c.users) users, \(c.items) items, \(c.attributes) attributes, "
                  + "\(synth.raw.interactionUsers.count) interactions, visual \(c.visualWidth)-d / text \(c.textWidth)-d "
                  + "(\(Int(c.missingVisual * 100))% / \(Int(c.missingText * 100))% of items missing) -> \(s.data.path)")
            let dataset = try DatasetLoader.load(s.data)
            print("2/4 training Multi-KG4Rec (budget \(Int(s.train.maxSeconds!))s) on \(dataset.summary)")
            let outcome = try TrainingRun.execute(s, dataset: dataset, progress: ProgressLine(enabled: !s.quiet))
            print(TrainingRun.report(outcome.result, ks: s.train.ks))
            print("3/4 top-5 of a few users with the share of each score from the visual and the text channel:")
            let users = Array(0..<min(f.int("users") ?? Defaults.users, dataset.userCount))
            print(try BreakdownCommand.render(dataset: dataset, model: outcome.model, users: users, k: 5), terminator: "")
            let checkpoint = "\(s.out!)/checkpoint.safetensors"
            print("checkpoint: \(checkpoint)  (kgrec eval --checkpoint …, kgrec breakdown --checkpoint …)")
            if !f.has("no-services") {
                print("4/4 serving the checkpoint: kgrec-encoder → kgrec-graph → kgrec-ranker over gRPC")
                let state = (out as NSString).appendingPathComponent("services")
                try ServicesDemo.runBlocking(ServicesDemo.Options(checkpoint: checkpoint, stateDir: state))
            }
            print("demo finished in \(ProgressLine.fmt(ProgressLine.now() - t0, 1))s")
            return 0
        }
    }
}
