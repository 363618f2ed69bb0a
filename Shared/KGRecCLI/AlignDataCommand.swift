import Foundation
import KGRecModel

/// `kgrec align-data --from-ml100k DIR`: writes the ml-100k alignment task (`MovieLensTwoKG`) as
/// `TwoKGFiles` for `kgrec align`.
struct AlignDataCommand: CLICommand {
    let name = "align-data"
    let summary = "build the ml-100k two-KG alignment task (Freebase KG vs a KG from ml-100k.item)"

    static let specs: [CommandFlags.Spec] = [
        .init("from-ml100k", "RecBole ml-100k directory (scripts/fetch-ml100k.sh; required)"),
        .init("text-features", "text features of ml-100k.item's movies, .npy (kgrec embed-text --from-ml100k-item; required)"),
        .init("text-ids", "their ids (default: the .npy path with .ids)"),
        .init("co-watched", "also link each movie of KG B to its K most co-watched movies (default 0)"),
        .init("split-seed", "seed of the pairs' 3:1:6 train/valid/test split (default 2020)"),
        .init("out", "output directory (required)"),
    ]

    func run(_ args: [String]) -> Int32 {
        runCommand(name) {
            let f = try CommandFlags(args, specs: Self.specs)
            if f.helpRequested { print(CommandFlags.usage(name, summary, Self.specs)); return 0 }
            guard let dir = f.string("from-ml100k"), let npy = f.string("text-features"), let out = f.string("out") else {
                throw CommandFlags.UsageError("--from-ml100k DIR, --text-features X.npy and --out DIR are required")
            }
            let coWatched = try f.int("co-watched") ?? 0
            guard coWatched >= 0 else { throw CommandFlags.UsageError("--co-watched must be >= 0") }
            let task = try MovieLensTwoKG.make(directory: dir, textFeatures: npy, textIds: f.string("text-ids") ?? String(npy.dropLast(4)) + ".ids",
                                               coWatched: coWatched, splitSeed: try f.seed("split-seed") ?? 2020)
            let files = try TwoKGFiles.write(task, to: out)
            print("built \(task.summary)")
            print("wrote \(files.count) files to \(out)")
            return 0
        }
    }
}
