import Foundation
import KGRecModel

/// `kgrec split`: writes the train/valid/test split that `kgrec train` draws as RecBole
/// `benchmark_filename` files (`NAME.train.inter`, `NAME.valid.inter`, `NAME.test.inter`), so RecBole
/// and `kgrec train --split-files DIR` use the very same pairs.
struct SplitCommand: CLICommand {
    let name = "split"
    let summary = "write the train/valid/test split as RecBole benchmark files (NAME.{train,valid,test}.inter)"

    /// The data flags are `kgrec train`'s (same names, same meaning).
    static let specs: [CommandFlags.Spec] = RunSettings.specs.filter {
        ["data", "dataset-name", "all-interactions", "split-seed"].contains($0.name)
    } + [.init("out", "directory for the three files (required; may be --data itself)")]

    func run(_ args: [String]) -> Int32 {
        runCommand(name) {
            let f = try CommandFlags(args, specs: Self.specs)
            if f.helpRequested { print(CommandFlags.usage(name, summary, Self.specs)); return 0 }
            guard let path = f.string("data") else { throw CommandFlags.UsageError("--data DIR is required") }
            guard let out = f.string("out") else { throw CommandFlags.UsageError("--out DIR is required") }
            var options = DataOptions(path: path)
            options.name = f.string("dataset-name")
            if f.has("all-interactions") { options.linkedOnly = false }
            if let v = f.seed("split-seed") { options.seed = v }
            let files = try SplitFiles.write(options, to: out)
            print("wrote split seed \(options.seed) to \(files.joined(separator: ", "))")
            return 0
        }
    }
}
