import GRPCCore
import GRPCHTTP2
import KGRecModel
import KGRecServiceKit

/// `kgrec table-graph record|serve|npy`: a graph's served table as a file (`EmbeddingTable`),
/// served back as the two Graph calls the ranker makes (`TableGraphService`), or written as the
/// .npy item matrix and queries `kgrec bench-scan` reads. Lets the ranker be measured over a
/// trained 400k-item table without running the 13 GB graph topology each time.
struct TableGraphCommand: CLICommand {
    let name = "table-graph"
    let summary = "record a graph's table to a file, serve it as a stand-in graph, or write it as .npy"

    /// The synthetic table's widths and seed, where `serve` binds, and `npy`'s query count.
    enum Defaults {
        static let widths = [176, 176]
        static let seed: UInt64 = 1
        static let host = "127.0.0.1"
        static let port = 0
        static let queries = 100
    }

    static let flags: [CommandFlags.Flag] = [
        .init("graph", "HOST:PORT", "record: the graph service to export from"),
        .init("table", "FILE", "serve, npy: the recorded table (.kgrtable); record: where to write it"),
        .init("synthetic", "USERS,ITEMS", "serve: a seeded random table instead of --table", kind: .intList, rule: .positive),
        .init("widths", "VISUAL,TEXT", "with --synthetic: vector widths", default: Defaults.widths, rule: .nonNegative),
        .init("seed", "N", "with --synthetic: seed", default: Defaults.seed),
        .init("host", "ADDR", "serve: address to bind", default: Defaults.host),
        .init("port", "PORT", "serve: port; 0 picks a free one", default: Defaults.port, rule: .range(0...65535)),
        .init("out", "DIR", "npy: directory for items.npy and queries.npy"),
        .init("queries", "N", "npy: user vectors written as queries", default: Defaults.queries, rule: .range(1...1_000_000)),
    ]

    func run(_ args: [String]) -> Int32 {
        runCommand(name) {
            let f = try CommandFlags(args, flags: Self.flags)
            let synopsis = "kgrec table-graph record|serve|npy [flags]"
            if f.helpRequested { print(CommandFlags.usage(synopsis: synopsis, summary, Self.flags)); return 0 }
            guard f.positional.count == 1 else { throw CommandFlags.UsageError("expected one of record, serve, npy") }
            switch f.positional[0] {
            case "record":
                guard let graph = f.string("graph"), let path = f.string("table") else {
                    throw CommandFlags.UsageError("record needs --graph HOST:PORT and --table FILE")
                }
                let table = try blockingThrowing { try await EmbeddingTable.record(from: graph) }
                try table.write(to: path)
                print("kgrec table-graph: \(table.batches.count) batches from \(graph) written to \(path)")
                return 0
            case "serve":
                let table: EmbeddingTable
                if let s = f.ints("synthetic") {
                    guard s.count == 2 else { throw CommandFlags.UsageError("--synthetic: expected USERS,ITEMS") }
                    let w = f.ints("widths") ?? Defaults.widths
                    guard w.count == 2 else { throw CommandFlags.UsageError("--widths: expected VISUAL,TEXT") }
                    table = .synthetic(users: s[0], items: s[1], visual: w[0], text: w[1], seed: f.seed("seed") ?? Defaults.seed)
                } else if let path = f.string("table") {
                    table = try EmbeddingTable(path: path)
                } else {
                    throw CommandFlags.UsageError("serve needs --table FILE or --synthetic USERS,ITEMS")
                }
                let service = try TableGraphService(table: table)
                var config = ServerConfig()
                config.host = f.string("host") ?? Defaults.host
                config.port = f.int("port") ?? Defaults.port
                config.eventLoops = 1
                let server = GRPCServer(services: [service], config: config)
                _ = InteropFlags.runBlocking { 0 }
                let port = try server.start()
                try server.shutdownOnSignals(grace: .zero) {}
                InteropFlags.printLine("kgrec table-graph (\(service.counts.users) users, \(service.counts.items) items) "
                    + "listening on \(config.host):\(port)")
                return InteropFlags.runBlocking {
                    await server.waitUntilStopped()
                    return 0
                }
            case "npy":
                guard let path = f.string("table"), let out = f.string("out") else {
                    throw CommandFlags.UsageError("npy needs --table FILE and --out DIR")
                }
                let m = try EmbeddingTable(path: path).matrices(queries: f.int("queries") ?? Defaults.queries)
                try NpyFile.write(path: out + "/items.npy", rows: m.itemCount, cols: m.visual + m.text, values: m.items)
                try NpyFile.write(path: out + "/queries.npy", rows: m.userCount, cols: m.visual + m.text, values: m.users)
                print("kgrec table-graph: \(m.itemCount) items and \(m.userCount) queries × \(m.visual)+\(m.text) written to \(out)")
                return 0
            case let other:
                throw CommandFlags.UsageError("unknown subcommand '\(other)'; expected record, serve or npy")
            }
        }
    }
}

/// Runs throwing async work from a synchronous command, rethrowing its error.
private func blockingThrowing<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let r: Result<T, any Error> = blockingAsync {
        do { return .success(try await body()) } catch { return .failure(error) }
    }
    return try r.get()
}
