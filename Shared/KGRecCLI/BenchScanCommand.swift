import KGRecModel
import KGRecServing

/// `kgrec bench-scan`: the ranker's top-k kernels (exact fp32/fp16/int8 scans, IVF at several
/// nprobe) over an item matrix and queries from .npy files, one table (see `ScanBenchmark`).
struct BenchScanCommand: CLICommand {
    let name = "bench-scan"
    let summary = "Top-k scan and IVF latency, GB/s and recall@k over .npy item vectors"

    static let specs: [CommandFlags.Spec] = { let d = ScanBenchmark(items: [], count: 0, width: 0, queries: [], queryCount: 0); return [
        .init("items", "item matrix .npy [N, W] float32 (required)"),
        .init("queries", "query matrix .npy [Q, W] float32 (required)"),
        .init("split", "width of the first (visual) block (default: W/2)", kind: .int),
        .init("k", "top-k", default: d.k),
        .init("lists", "IVF lists (default: the ranker's auto choice for N)", kind: .int),
        .init("nprobe", "comma-separated IVF nprobe values", default: d.nprobes),
        .init("ivf-precision", "precision of the IVF-ordered rows", default: d.ivfPrecision),
        .init("refine", "also IVF over int8 codes re-ranked from fp32 rows, k x N candidates (0 = not)", default: d.refine, rule: .nonNegative),
        .init("repeats", "passes over the queries per measurement", default: d.repeats),
    ] }()

    func run(_ args: [String]) -> Int32 {
        runCommand(name) {
            let f = try CommandFlags(args, specs: Self.specs)
            if f.helpRequested { print(CommandFlags.usage(name, summary, Self.specs)); return 0 }
            guard let itemsPath = f.string("items"), let queriesPath = f.string("queries") else {
                throw CommandFlags.UsageError("--items and --queries are required")
            }
            let items = try NpyFile.read(path: itemsPath), queries = try NpyFile.read(path: queriesPath)
            guard queries.cols == items.cols, items.rows > 0, queries.rows > 0 else {
                throw CommandFlags.UsageError("\(queriesPath) has \(queries.cols) columns, \(itemsPath) has \(items.cols)")
            }
            var b = ScanBenchmark(items: items.values, count: items.rows, width: items.cols,
                                  queries: queries.values, queryCount: queries.rows)
            b.split = f.int("split") ?? items.cols / 2
            b.k = f.int("k") ?? b.k
            b.repeats = f.int("repeats") ?? b.repeats
            b.lists = f.int("lists")
            b.nprobes = f.ints("nprobe") ?? b.nprobes
            b.refine = f.int("refine") ?? b.refine
            b.ivfPrecision = f.choice("ivf-precision", ScanPrecision.self) ?? b.ivfPrecision
            print(b.run())
            return 0
        }
    }
}
extension ScanPrecision: CommandFlags.FlagValue {}
