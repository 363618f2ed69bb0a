import Foundation
import GRPCCore
import GRPCHTTP2
import KGRecModel
import KGRecWire

/// The services half of `kgrec demo`: given a trained checkpoint, start encoder → graph → ranker
/// as local processes (the same code as `kgrec up`), stream scoring requests over ScoreStream,
/// print a few users' top-5 with the visual/text breakdown, add a cold item through the graph's
/// AddInteractions and show it scored and recommended without a restart, print a latency
/// summary, stop everything.
public enum ServicesDemo {
    public struct Options: Sendable {
        public var checkpoint: String
        /// Process logs and the graph's durable log go here.
        public var stateDir: String
        /// Where the service executables are (default: beside the running `kgrec`).
        public var binDir: String? = nil
        public var data: String? = nil
        public var users = 3
        public var streamRequests = 300
        public init(checkpoint: String, stateDir: String) {
            self.checkpoint = checkpoint
            self.stateDir = stateDir
        }
    }

    /// Runs the demo, printing with `say`. Throws with a message naming the failing step.
    public static func run(_ o: Options, say: @escaping @Sendable (String) -> Void = { print($0) }) async throws {
        var config = TopologyConfig(binDir: o.binDir ?? UpCommand.executableDirectory(), checkpoint: o.checkpoint, stateDir: o.stateDir)
        config.data = o.data
        config.freePorts = true
        config.adminPorts = false
        config.gracePeriod = .seconds(3)
        config.logLevel = "warn"
        let token = (0..<4).map { _ in String(UInt32.random(in: .min ... .max), radix: 16) }.joined()
        config.authToken = token
        try? FileManager.default.removeItem(atPath: o.stateDir + "/graph")  // a fresh durable log each demo
        let topology = try LocalTopology(config: config)
        let clock = ContinuousClock()
        let t0 = clock.now
        try await topology.start(progress: { say("  " + $0) })
        say(String(format: "services up in %.1fs (logs in %@/logs)", seconds(clock.now - t0), o.stateDir))
        let result: Result<Void, Error>
        do {
            try await body(o, topology: topology, token: token, say: say)
            result = .success(())
        } catch {
            result = .failure(error)
        }
        await topology.stop(progress: { say("  " + $0) })
        try result.get()
    }

    /// `run` for synchronous callers (`kgrec demo`): blocks until the demo has stopped everything.
    public static func runBlocking(_ o: Options, say: @escaping @Sendable (String) -> Void = { print($0) }) throws {
        final class Outcome: @unchecked Sendable { var error: Error? }
        let outcome = Outcome()
        _ = blockingAsync {
            do { try await run(o, say: say) } catch { outcome.error = error }
            return 0
        }
        if let e = outcome.error { throw e }
    }

    static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

    private static func body(_ o: Options, topology: LocalTopology, token: String, say: @escaping @Sendable (String) -> Void) async throws {
        var dataOptions = try Checkpoint.read(from: o.checkpoint).data
        if let d = o.data { dataOptions.path = d }
        let ds = try DatasetLoader.load(dataOptions)
        let ranker = GRPCChannel(host: topology.config.host, port: topology.endpoint("ranker")!.grpcPort)
        let graph = GRPCChannel(host: topology.config.host, port: topology.endpoint("graph")!.grpcPort)
        defer { ranker.close(); graph.close() }
        let opts = CallOptions(timeout: .seconds(5))
        let clock = ContinuousClock()
        var rng = SplitMix64(seed: 42)

        // 1. Stream scoring requests on one ScoreStream call.
        var streamLatency = LatencyHistogram()
        let call = ranker.bidiStreaming(Kgrec_V1_Ranker.Method.scoreStream, requestType: Kgrec_V1_ScoreRequest.self,
                                        responseType: Kgrec_V1_ScoreResponse.self, options: CallOptions(timeout: .seconds(60)))
        var streamErrors = 0
        let streamStart = clock.now
        for n in 0..<o.streamRequests {
            let req = Kgrec_V1_ScoreRequest(userId: ds.users[rng.below(ds.userCount)],
                                            itemIds: (0..<50).map { _ in ds.items[rng.below(ds.itemCount)] }, explain: true,
                                            requestId: UInt64(n))
            let t = clock.now
            try await call.send(req)
            guard let r = try await call.receive() else { throw DemoError(.streamEndedEarly, "ScoreStream ended early: \(await call.status())") }
            streamLatency.record(nanoseconds: nanos(clock.now - t))
            if r.error != nil { streamErrors += 1 }
        }
        call.closeSend()
        while try await call.receive() != nil {}
        let streamSeconds = seconds(clock.now - streamStart)
        say(String(format: "ScoreStream: %d requests × 50 candidates on one stream in %.2fs (%.0f req/s), %d per-request errors",
                   o.streamRequests, streamSeconds, Double(o.streamRequests) / streamSeconds, streamErrors))

        // 2. Top-5 of a few users with the modality breakdown.
        var recLatency = LatencyHistogram()
        let shown = (0..<min(o.users, ds.userCount)).map { ds.users[($0 * 7919) % ds.userCount] }
        for u in shown {
            let t = clock.now
            let r = try await ranker.unary(Kgrec_V1_Ranker.Method.recommend, request: Kgrec_V1_RecommendRequest(userId: u, k: 5, explain: true),
                                           responseType: Kgrec_V1_RecommendResponse.self, options: opts).message
            recLatency.record(nanoseconds: nanos(clock.now - t))
            say("top-5 for user \(u) (graph version \(r.graphVersion)):")
            for (rank, it) in r.items.enumerated() { say("  " + line(rank + 1, it, ds)) }
        }

        // 3. A cold item, added online, scored and recommended without a restart.
        let template = Int(ds.split.trainItems[rng.below(ds.split.trainItems.count)])
        // Users who liked the template item: all but the last interact with the new listing; the
        // last one has not seen it yet and should like it too (same content, same KG links).
        let liked = ColdItem.fans(of: template, in: ds, limit: 6)
        let fans = liked.count > 1 ? Array(liked.dropLast()) : liked
        let coldID = "cold-demo-\(UInt32.random(in: 1000...9999))"
        let newItem = ColdItem.newItem(coldID, like: template, in: ds)
        let add = Kgrec_V1_AddInteractionsRequest(newItems: [newItem], interactions: fans.map {
            Kgrec_V1_Interaction(userId: $0, itemId: coldID, timestamp: Int64(Date().timeIntervalSince1970))
        })
        var md = Metadata()
        md.add("authorization", "Bearer \(token)")
        let added = try await graph.unary(Kgrec_V1_Graph.Method.addInteractions, request: add, responseType: Kgrec_V1_AddInteractionsResponse.self,
                                          options: CallOptions(timeout: .seconds(30), metadata: md)).message
        say("cold item \(coldID) (features and \(newItem.links.count) KG links of item \(ds.items[template]), "
            + "\(added.acceptedInteractions) interactions): accepted, graph version now \(added.version)")
        let probe = liked.count > 1 ? liked.last! : (shown.first { !fans.contains($0) } ?? ds.users[0])
        var scored: Kgrec_V1_ScoreResponse?
        for _ in 0..<50 {  // the ranker learns the new version from its next graph call or version poll
            let s = try await ranker.unary(Kgrec_V1_Ranker.Method.score, request: Kgrec_V1_ScoreRequest(userId: probe, itemIds: [coldID], explain: true),
                                           responseType: Kgrec_V1_ScoreResponse.self, options: opts).message
            if s.unknownItemIds.isEmpty, !s.items.isEmpty { scored = s; break }
            try await Task.sleep(for: .milliseconds(100))
        }
        guard let scored, let item = scored.items.first else { throw DemoError(.coldItemNotServed, "the ranker never learned about \(coldID)") }
        let all = try await ranker.unary(Kgrec_V1_Ranker.Method.recommend,
                                         request: Kgrec_V1_RecommendRequest(userId: probe, k: UInt32(min(ds.itemCount + 1, 1000))),  // the ranker's default --max-k
                                         responseType: Kgrec_V1_RecommendResponse.self, options: opts).message
        let rank = all.items.firstIndex { $0.itemId == coldID }.map { "#\($0 + 1) of \(all.items.count)" } ?? "below the top \(all.items.count)"
        say("user \(probe) (liked \(ds.items[template]), has not seen \(coldID)) scores it " + String(format: "%.4f (visual %.4f, text %.4f)", item.score, item.visualScore, item.textScore)
            + ", ranked \(rank) by Recommend (graph version \(all.graphVersion)), no restart")

        // 4. Latency summary.
        say("latency (client side, ms): " + summary("ScoreStream round trip", streamLatency) + "; " + summary("Recommend k=5", recLatency))
    }

    static func nanos(_ d: Duration) -> UInt64 {
        UInt64(max(0, d.components.seconds)) * 1_000_000_000 + UInt64(max(0, d.components.attoseconds / 1_000_000_000))
    }

    static func summary(_ name: String, _ h: LatencyHistogram) -> String {
        String(format: "%@ p50 %.2f p90 %.2f p99 %.2f max %.2f", name, Double(h.quantile(0.5)) / 1e6, Double(h.quantile(0.9)) / 1e6,
               Double(h.quantile(0.99)) / 1e6, Double(h.max) / 1e6)
    }

    static func line(_ rank: Int, _ it: Kgrec_V1_ScoredItem, _ ds: Dataset) -> String {
        let total = abs(it.visualScore) + abs(it.textScore)
        let vShare = total > 0 ? 100 * abs(it.visualScore) / total : 0
        var title = ""
        if let i = ds.items.index(of: it.itemId), Int(i) < ds.itemTitles.count, !ds.itemTitles[Int(i)].isEmpty { title = " \"\(ds.itemTitles[Int(i)])\"" }
        return String(format: "%d. %@%@ score %.4f = visual %.4f + text %.4f (visual share %.0f%%)",
                      rank, it.itemId, title, it.score, it.visualScore, it.textScore, vShare)
    }
}
