import GRPCCore
import GRPCHTTP2
import KGRecRankerService
import KGRecServiceKit
import KGRecWire

/// A ranker server in-process on a free port, in front of a `RankerFakeGraph`, with a client
/// channel to it. `stop()` shuts everything down.
struct RankerHarness {
    let graph: RankerFakeGraph
    let ranker: ServiceHost<HostedRanker>
    let channel: GRPCChannel
    let metrics: ServiceMetrics

    static func start(_ table: RankerFakeGraph.Table = RankerFakeGraph.table(users: 8, items: 10),
                      graphRunning: Bool = true,
                      configure: (inout RankerOptions) -> Void = { _ in }) async throws -> RankerHarness
    {
        let graph = RankerFakeGraph(table)
        try graph.start()
        if !graphRunning { await graph.stop() }
        var options = RankerOptions()
        options.graphTarget = graph.target
        options.versionPollInterval = .zero
        options.exportBatchSize = 4
        options.retryBackoff = .milliseconds(5)
        options.graphTimeout = .seconds(3)
        configure(&options)
        var config = ServerConfig()
        config.host = "127.0.0.1"
        config.port = 0
        config.eventLoops = 1
        let metrics = ServiceMetrics()
        let logger = Logger(service: "ranker", level: .error, sink: MemoryLogSink())
        let ranker = ServiceHost(try HostedRanker(options: options, metrics: metrics, logger: logger),
                                 serverConfig: config, metrics: metrics, logger: logger)
        let port = try ranker.start()
        let h = RankerHarness(graph: graph, ranker: ranker, channel: GRPCChannel(host: "127.0.0.1", port: port),
                              metrics: metrics)
        if graphRunning { try await h.waitUntil("catalogue warm") { h.ranker.service.engine.isWarm } }
        return h
    }

    func stop() async {
        channel.close()
        await ranker.stop(grace: .zero)
        await graph.stop()
    }

    /// Polls `condition` every 10 ms for up to 10 s (a bound against hangs, not a timing check).
    func waitUntil(_ what: String, _ condition: () -> Bool) async throws {
        for _ in 0..<1000 {
            if condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw RPCError(.deadlineExceeded, "timed out waiting for \(what)")
    }

    func score(_ user: String, _ items: [String], explain: Bool = false,
               timeout: Duration = .seconds(5)) async throws -> Kgrec_V1_ScoreResponse
    {
        try await channel.unary(Kgrec_V1_Ranker.Method.score,
                                request: Kgrec_V1_ScoreRequest(userId: user, itemIds: items, explain: explain),
                                responseType: Kgrec_V1_ScoreResponse.self,
                                options: CallOptions(timeout: timeout)).message
    }

    func recommend(_ user: String, k: UInt32, explain: Bool = false,
                   includeSeen: Bool = false) async throws -> Kgrec_V1_RecommendResponse
    {
        try await channel.unary(Kgrec_V1_Ranker.Method.recommend,
                                request: Kgrec_V1_RecommendRequest(userId: user, k: k, explain: explain,
                                                                   includeSeen: includeSeen),
                                responseType: Kgrec_V1_RecommendResponse.self,
                                options: CallOptions(timeout: .seconds(5))).message
    }

    /// The expected score from the fake's table: visual·visual + text·text, in Double.
    func expected(_ user: String, _ item: String) -> (score: Double, visual: Double, text: Double) {
        let t = graph.table.withLock { $0 }
        let u = t.users[user]!, i = t.items.first { $0.id == item }!.vectors
        func dot(_ a: Kgrec_V1_Vector?, _ b: Kgrec_V1_Vector?) -> Double {
            let x: [Float] = a?.values ?? [], y: [Float] = b?.values ?? []
            var s = 0.0
            for j in 0..<min(x.count, y.count) { s += Double(x[j]) * Double(y[j]) }
            return s
        }
        let v = dot(u.visual, i.visual), x = dot(u.text, i.text)
        return (v + x, v, x)
    }
}
