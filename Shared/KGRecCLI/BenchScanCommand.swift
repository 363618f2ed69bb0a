import KGRecModel
import KGRecServing

/// `kgrec bench-scan`: the ranker's top-k kernels (exact fp32/fp16/int8 scans, IVF at several
/// nprobe) over an item matrix and queries from .npy files, one table (see `ScanBenchmark`).
struct BenchScanCommand: CLICommand {
    let name = "bench-scan"
    let summary = "Top-k scan and IVF latency, GB/s and recall@k over .npy item vectors"

    static let specs: [CommandFlags.Spec] = [
        .init("items", "item matrix .npy [N, W] float32 (required)"),
        .init("queries", "query matrix .npy [Q, W] float32 (required)"),
        .init("split", "width of the first (visual) block (default W/2)"),
        .init("k", "top-k (default 10)"),
        .init("lists", "IVF lists (default: the ranker's auto choice for N)"),
        .init("nprobe", "comma-separated IVF nprobe values (default 4,8,16,32,64)"),
        .init("ivf-precision", "precision of the IVF-ordered rows: fp32 | fp16 | int8 (default int8)"),
        .init("repeats", "passes over the queries per measurement (default 2)"),
    ]

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
            b.split = try f.int("split") ?? items.cols / 2
            b.k = try f.int("k") ?? 10
            b.repeats = try f.int("repeats") ?? 2
            b.lists = try f.int("lists")
            b.nprobes = try f.ints("nprobe") ?? [4, 8, 16, 32, 64]
            if let p = f.string("ivf-precision") {
                guard let p = ScanPrecision(rawValue: p) else { throw CommandFlags.UsageError("--ivf-precision: fp32, fp16 or int8") }
                b.ivfPrecision = p
            }
            print(b.run())
            return 0
        }
    }
}
