import Foundation
import KGRecModel

/// `kgrec align-data --from-ml100k DIR`: writes the ml-100k alignment task (`MovieLensTwoKG`) as
/// `TwoKGFiles` for `kgrec align`; `--self-align a|b --from-task DIR`: one KG of an alignment task
/// aligned with a shuffled copy of itself (`SelfAlignment`, the encoder's sanity check).
struct AlignDataCommand: CLICommand {
    let name = "align-data"
    let summary = "build the ml-100k two-KG alignment task (Freebase KG vs a KG from ml-100k.item), or a KG vs its own copy"

    /// Without co-watched links, and with the same pair-split seed `kgrec align` uses.
    enum Defaults {
        static let coWatched = 0
        static let splitSeed = AlignConfig().splitSeed
    }

    static let specs: [CommandFlags.Spec] = [
        .init("from-ml100k", "RecBole ml-100k directory (scripts/fetch-ml100k.sh; required)"),
        .init("text-features", "text features of ml-100k.item's movies, .npy (kgrec embed-text --from-ml100k-item; required)"),
        .init("text-ids", "their ids (default: the .npy path with .ids)"),
        .init("a-text-features", "text features for KG A's movies, .npy keyed by item_id like --text-features (default: A has no content; Benchmarks/align.sh embeds the titles alone)"),
        .init("a-text-ids", "their ids (default: the .npy path with .ids)"),
        .init("co-watched", "also link each movie of KG B to its K most co-watched movies", default: Defaults.coWatched, rule: .nonNegative),
        .init("self-align", "instead, write this KG of --from-task aligned with a shuffled copy of itself", rule: .choices(AlignmentSide.self)),
        .init("from-task", "with --self-align: an alignment data directory (kgrec align-data, kgrec synth --two-kgs)"),
        .init("split-seed", "seed of the pairs' 3:1:6 train/valid/test split (and of the copy's shuffle)", default: Defaults.splitSeed),
        .init("out", "output directory (required)"),
    ]

    func run(_ args: [String]) -> Int32 {
        runCommand(name) {
            let f = try CommandFlags(args, specs: Self.specs)
            if f.helpRequested { print(CommandFlags.usage(name, summary, Self.specs)); return 0 }
            if let side = f.choice("self-align", AlignmentSide.self) {
                guard let from = f.string("from-task"), let out = f.string("out") else {
                    throw CommandFlags.UsageError("--self-align needs --from-task DIR and --out DIR")
                }
                let source = try TwoKGFiles.read(directory: from)
                let task = SelfAlignment.make(source.sides[side == .a ? 0 : 1], name: "\(source.name)-\(side.rawValue)-self",
                                              seed: f.seed("split-seed") ?? Defaults.splitSeed)
                let files = try TwoKGFiles.write(task, to: out)
                print("built \(task.summary)\nwrote \(files.count) files to \(out)")
                return 0
            }
            guard let dir = f.string("from-ml100k"), let npy = f.string("text-features"), let out = f.string("out") else {
                throw CommandFlags.UsageError("--from-ml100k DIR, --text-features X.npy and --out DIR are required")
            }
            let coWatched = f.int("co-watched") ?? Defaults.coWatched
            func ids(_ npy: String) -> String { String(npy.dropLast(npy.hasSuffix(".npy") ? 4 : 0)) + ".ids" }
            let aText = f.string("a-text-features").map { MovieLensTwoKG.TextFeatures(npy: $0, ids: f.string("a-text-ids") ?? ids($0)) }
            let task = try MovieLensTwoKG.make(directory: dir, bText: .init(npy: npy, ids: f.string("text-ids") ?? ids(npy)), aText: aText,
                                               coWatched: coWatched, splitSeed: f.seed("split-seed") ?? Defaults.splitSeed)
            let files = try TwoKGFiles.write(task, to: out)
            print("built \(task.summary)")
            print("wrote \(files.count) files to \(out)")
            return 0
        }
    }
}
