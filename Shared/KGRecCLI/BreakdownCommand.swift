import Foundation
import KGRecModel

/// `kgrec breakdown`: per-user share of the recommendation score from the visual vs the text
/// channel (the paper's case study), with the true preferences when the dataset is synthetic.
struct BreakdownCommand: CLICommand {
    let name = "breakdown"
    let summary = "per-user visual vs text share of the top-k scores of a checkpoint"

    /// Users listed and items per user when the flags do not say.
    enum Defaults {
        static let users = 5
        static let k = 5
    }

    static let specs: [CommandFlags.Spec] = [
        .init("checkpoint", "checkpoint.safetensors (a model with both a visual and a text channel)"),
        .init("data", "dataset directory (default: the checkpoint's)"),
        .init("users", "how many users to list", default: Defaults.users, rule: .nonNegative),
        .init("user", "list this user token instead"),
        .init("k", "top-k items per user", default: Defaults.k, rule: .positive),
    ]

    func run(_ args: [String]) -> Int32 {
        runCommand(name) {
            let f = try CommandFlags(args, specs: Self.specs)
            if f.helpRequested { print(CommandFlags.usage(name, summary, Self.specs)); return 0 }
            guard let path = f.string("checkpoint") else { throw CommandFlags.UsageError("--checkpoint FILE is required") }
            let (_, dataset, model) = try EvalCommand.load(path, dataOverride: f.string("data"))
            let k = f.int("k") ?? Defaults.k
            var users = Array(0..<min(f.int("users") ?? Defaults.users, dataset.userCount))
            if let token = f.string("user") {
                guard let u = dataset.users.index(of: token) else { throw CommandFlags.UsageError("--user: unknown user '\(token)'") }
                users = [Int(u)]
            }
            print(try Self.render(dataset: dataset, model: model, users: users, k: k))
            return 0
        }
    }

    /// The per-user listing, plus the correlation with the true preferences when `NAME.user` has them.
    static func render(dataset: Dataset, model: any Recommender, users: [Int], k: Int) throws -> String {
        let e = model.inferenceEmbeddings()
        guard let b = ModalityBreakdown(embeddings: e, evaluator: Evaluator(split: dataset.split)) else {
            throw ModelError(.unsupported, "the model has channels \(e.channels.map(\.name)); a breakdown needs visual and text")
        }
        let truth = Self.truePreferences(dataset)
        var s = ""
        for u in users {
            let r = b.user(u, k: k)
            s += "user \(dataset.users[u]): visual \(ProgressLine.fmt(100 * r.visualShare, 1))% / text \(ProgressLine.fmt(100 * (1 - r.visualShare), 1))%"
            if let t = truth?[u] { s += "   (true visual:text weight \(ProgressLine.fmt(100 * t, 1))%)" }
            s += "\n"
            for it in r.items {
                let title = Int(it.item) < dataset.itemTitles.count ? dataset.itemTitles[Int(it.item)] : ""
                s += "    \(dataset.items[Int(it.item)])  \(title.isEmpty ? "" : title + "  ")score \(ProgressLine.fmt(Double(it.score), 3))"
                    + " = visual \(ProgressLine.fmt(Double(it.visual), 3)) + text \(ProgressLine.fmt(Double(it.text), 3))\n"
            }
        }
        if let truth {
            let all = (0..<dataset.userCount).filter { dataset.split.trainSets.count(of: $0) > 0 }
            let predicted = all.map { b.user($0, k: 20).visualShare }
            let r = ModalityBreakdown.correlation(predicted, all.map { truth[$0] })
            s += "correlation of visual share (top-20) with the true visual:text weight over \(all.count) users: \(ProgressLine.fmt(r, 3))\n"
        }
        return s
    }

    /// `w_v / (w_v + w_t)` per user from the synthetic `NAME.user` file, or nil.
    static func truePreferences(_ d: Dataset) -> [Double]? {
        // The loader keeps dataset directory out of Dataset; kgrec synth writes NAME.user next to NAME.inter.
        guard let dir = d.sourceDirectory else { return nil }
        let path = (dir as NSString).appendingPathComponent("\(d.name).user")
        guard FileManager.default.fileExists(atPath: path),
              let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        var out = [Double](repeating: 0.5, count: d.userCount)
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(separator: "\t")
            guard f.count >= 3, let u = d.users.index(of: String(f[0])), let v = Double(f[1]), let t = Double(f[2]) else { continue }
            out[Int(u)] = v + t > 0 ? v / (v + t) : 0.5
        }
        return out
    }
}
