import Foundation
import KGRecModel

/// `kgrec ablate`: trains every ablation variant on one dataset with the same settings and prints
/// the paper-style table (rows = variants, columns = Recall@20, NDCG@20, MRR@20, Hit@20).
struct AblateCommand: CLICommand {
    let name = "ablate"
    let summary = "train every ablation (full, w/o v, w/o t, w/o t&v, t2v, v2t) and print the table"

    static var specs: [CommandFlags.Spec] {
        RunSettings.specs.filter { $0.name != "ablation" } + [
            .init("variants", "comma-separated subset", default: Ablation.allCases.map(\.rawValue).joined(separator: ",")),
            .init("with-bpr", "also train the BPR matrix-factorisation baseline", value: false),
        ]
    }

    func run(_ args: [String]) -> Int32 {
        runCommand(name) {
            let flags = try CommandFlags(args, specs: Self.specs)
            if flags.helpRequested { print(CommandFlags.usage(name, summary, Self.specs)); return 0 }
            let base = try RunSettings(flags: flags)
            var variants = Ablation.allCases
            if let list = flags.string("variants") {
                variants = try list.split(separator: ",").map {
                    guard let v = Ablation(rawValue: String($0)) else {
                        throw CommandFlags.UsageError("--variants: unknown variant '\($0)' (expected \(Ablation.allCases.map(\.rawValue).joined(separator: ",")))")
                    }
                    return v
                }
            }
            let progress = ProgressLine(enabled: !base.quiet)
            let dataset = try DatasetLoader.load(base.data)
            progress.line("loaded \(dataset.summary)")
            var rows = [(String, RankingMetrics?, Double)]()
            var runs: [(label: String, settings: RunSettings)] = variants.map { v in
                var s = base
                s.ablation = v
                v.apply(to: &s.model)
                s.out = base.out.map { ($0 as NSString).appendingPathComponent(v.rawValue) }
                return (v.label, s)
            }
            if flags.has("with-bpr") {
                var s = base
                s.kind = .bpr
                s.train.kgBatchesPerEpoch = 0
                s.out = base.out.map { ($0 as NSString).appendingPathComponent("bpr") }
                runs.append(("BPR (MF)", s))
            }
            for (label, s) in runs {
                progress.line("== \(label)")
                let outcome = try TrainingRun.execute(s, dataset: dataset, progress: progress)
                let perEpoch = outcome.result.records.map(\.trainSeconds).reduce(0, +) / Double(max(1, outcome.result.records.count))
                rows.append((label, outcome.result.bestTest, perEpoch))
                print(Self.table(rows, k: base.train.stopK))
            }
            return 0
        }
    }

    /// A Markdown table of test metrics at k.
    static func table(_ rows: [(String, RankingMetrics?, Double)], k: Int) -> String {
        var s = "| variant | Recall@\(k) | NDCG@\(k) | MRR@\(k) | Hit@\(k) | train s/epoch |\n|---|---:|---:|---:|---:|---:|\n"
        for (label, m, sec) in rows {
            let cells = ["recall", "ndcg", "mrr", "hit"].map { m?.value($0, at: k).map { ProgressLine.fmt($0, 4) } ?? "-" }
            s += "| \(label) | " + cells.joined(separator: " | ") + " | \(ProgressLine.fmt(sec, 2)) |\n"
        }
        return s
    }
}
