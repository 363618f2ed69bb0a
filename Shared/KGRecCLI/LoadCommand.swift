import Foundation
import GRPCCore

/// `kgrec load`: a load generator against one service method (encoder, graph, ranker, or the
/// ranker end to end), with a target rate or max, a concurrency, and a duration and/or request
/// bound; prints requests, errors by status, throughput and latency p50/p90/p99/p99.9/max.
struct LoadCommand: CLICommand {
    let name = "load"
    let summary = "load-test one service method (rate or max, concurrency, duration): latency percentiles, errors by status"

    static let flags: [CommandFlags.Flag] = { let d = LoadGenerator.defaults; return [
        .init("target", "HOST:PORT", "the service to load (required)"),
        .init("method", "METHOD", "one of: " + LoadMethod.allCases.map(\.alias).joined(separator: ", ") + " (or the full name)", default: d.method.alias),
        .init("rate", "N|max", "requests per second across all workers, or max", default: "max"),
        .init("concurrency", "C", "concurrent workers (streams for the streaming methods)", default: d.concurrency, rule: .range(1...10_000)),
        .init("duration", "DURATION", "stop after this long (default \(d.duration!.flagValue) unless --requests is given)", kind: .duration),
        .init("requests", "N", "stop after N requests", kind: .int, rule: .positive),
        .init("connections", "N", "HTTP/2 connections to spread the workers over", default: d.connections, rule: .range(1...64)),
        .init("checkpoint", "FILE", "draw ids (and encoder neighbour sequences) from this checkpoint's dataset"),
        .init("data", "DIR", "dataset directory overriding the checkpoint's"),
        .init("ids-from", "HOST:PORT", "draw ids from a graph service's ExportEmbeddings (default: --target for graph methods)"),
        .init("batch", "N", "items per Encode / ids per GetEmbeddings", default: d.shape.batch, rule: .range(1...100_000)),
        .init("candidates", "N", "candidate items per Score", default: d.shape.candidates, rule: .range(1...1_000_000)),
        .init("k", "N", "k of Recommend", default: Int(d.shape.k), rule: .range(1...100_000)),
        .init("explain", nil, "ask for the per-modality breakdown"),
        .init("timeout", "DURATION", "deadline per unary call", default: d.options.timeout!),
        .init("token", "TOKEN", "bearer token"),
        .init("json", nil, "print the report as JSON"),
    ] }()

    func run(_ args: [String]) -> Int32 {
        runCommand(name) {
            let f = try CommandFlags(args, flags: Self.flags)
            if f.helpRequested { print(CommandFlags.usage(synopsis: "kgrec load --target HOST:PORT --method M [flags]", summary, Self.flags)); return 0 }
            guard f.positional.isEmpty else { throw CommandFlags.UsageError("unexpected argument '\(f.positional[0])'") }
            guard let target = f.string("target") else { throw CommandFlags.UsageError("--target HOST:PORT is required") }
            let spec = f.string("method") ?? LoadGenerator.defaultMethod.alias
            guard let method = LoadMethod(spec: spec) else {
                throw CommandFlags.UsageError("--method: unknown '\(spec)'; one of " + LoadMethod.allCases.map(\.alias).joined(separator: ", "))
            }
            var gen = LoadGenerator(method: method, target: target)
            switch f.string("rate") ?? "max" {
            case "max": gen.rate = nil
            case let r:
                guard let v = Double(r), v > 0 else { throw CommandFlags.UsageError("--rate: expected a positive number or max, got '\(r)'") }
                gen.rate = v
            }
            gen.concurrency = f.int("concurrency") ?? gen.concurrency
            gen.connections = f.int("connections") ?? gen.connections
            gen.maxRequests = f.int("requests").map(UInt64.init)
            gen.duration = f.duration("duration") ?? (gen.maxRequests == nil ? gen.duration : nil)
            gen.shape.batch = f.int("batch") ?? gen.shape.batch
            gen.shape.candidates = f.int("candidates") ?? gen.shape.candidates
            gen.shape.k = f.int("k").map(UInt32.init) ?? gen.shape.k
            gen.shape.explain = f.has("explain")
            var md = Metadata()
            if let t = f.string("token") { md.add("authorization", "Bearer \(t)") }
            gen.options = CallOptions(timeout: f.duration("timeout") ?? gen.options.timeout, metadata: md)
            let checkpoint = f.string("checkpoint"), data = f.string("data")
            var idsFrom = f.string("ids-from")
            if checkpoint == nil, idsFrom == nil, method == .getEmbeddings { idsFrom = target }
            if method.needsNeighbours, checkpoint == nil {
                throw CommandFlags.UsageError("--method \(method.alias) needs --checkpoint (for item neighbour sequences)")
            }
            if method.needsIDs, checkpoint == nil, idsFrom == nil {
                throw CommandFlags.UsageError("--checkpoint FILE or --ids-from GRAPH_HOST:PORT is required to make requests")
            }
            let json = f.has("json")
            let generator = gen, graphSource = idsFrom
            return blockingAsync {
                do {
                    var ids = LoadIDs(users: ["u"], items: ["i"], neighbours: [])
                    if method.needsIDs {
                        if let c = checkpoint { ids = try LoadIDs.fromCheckpoint(c, data: data) } else { ids = try await LoadIDs.fromGraph(graphSource!) }
                        guard !ids.users.isEmpty, !ids.items.isEmpty else { throw CommandFlags.UsageError("no users or items to draw requests from") }
                    }
                    let report = try await generator.run(ids: ids)
                    OpsOutput.line(json ? report.json.render() : report.table)
                    return report.ok > 0 ? 0 : 1
                } catch let e as RPCError {
                    OpsOutput.error("kgrec load: \(e.code): \(e.message)")
                    return 1
                } catch {
                    OpsOutput.error("kgrec load: \(error)")
                    return 1
                }
            }
        }
    }
}
