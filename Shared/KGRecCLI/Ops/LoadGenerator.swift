import GRPCCore
import GRPCHTTP2
import Synchronization

/// `kgrec load`'s engine: `concurrency` workers draw request numbers from one counter; with a
/// target rate, request n is due at start + n / rate and its latency is measured from that due
/// time (so a stalled server cannot hide its queueing: no coordinated omission); with `rate` nil
/// each worker sends as fast as replies come back. Stops at `maxRequests` or `duration`, whichever
/// comes first.
struct LoadGenerator: Sendable {
    var method: LoadMethod
    var target: String
    var rate: Double?          // requests per second; nil = max
    var concurrency = 4
    var duration: Duration? = .seconds(10)
    var maxRequests: UInt64? = nil
    var connections = 1
    var shape = LoadShape()
    var options = CallOptions(timeout: .seconds(5))

    /// `kgrec load`'s method when none is given.
    static let defaultMethod = LoadMethod.recommend
    /// Every default, for help texts.
    static let defaults = LoadGenerator(method: defaultMethod, target: "")

    func run(ids: LoadIDs) async throws -> LoadReport {
        var cc = ClientConfig()
        cc.connections = max(1, connections)
        let channel = try GRPCChannel(target: target, config: cc)
        defer { channel.close() }
        let counter = TicketCounter()
        let clock = ContinuousClock()
        let start = clock.now
        let end = duration.map { start + $0 }
        let rate = self.rate, maxRequests = self.maxRequests
        let workers = (0..<max(1, concurrency)).map {
            LoadWorker(method: method, channel: channel, ids: ids, shape: shape, options: options, seed: 0x10AD + UInt64($0))
        }
        var report = LoadReport(target: target, method: method.rawValue, rate: rate.map { String(format: "%.0f/s", $0) } ?? "max",
                                concurrency: workers.count, elapsedSeconds: 0)
        await withTaskGroup(of: (LatencyHistogram, UInt64, [String: UInt64]).self) { group in
            for w in workers {
                group.addTask {
                    var hist = LatencyHistogram(), ok: UInt64 = 0, errors: [String: UInt64] = [:]
                    while true {
                        let n = counter.value.add(1, ordering: .relaxed).oldValue
                        if let m = maxRequests, n >= m { break }
                        var due = clock.now
                        if let r = rate {
                            due = start + .nanoseconds(Int64(Double(n) * 1e9 / r))
                            if let e = end, due >= e { break }
                            if due > clock.now { try? await Task.sleep(until: due, clock: clock) }
                        }
                        if let e = end, clock.now >= e { break }
                        let failure = await w.issue(n)
                        let elapsed = clock.now - due
                        let ns = UInt64(max(0, elapsed.components.seconds)) * 1_000_000_000 + UInt64(max(0, elapsed.components.attoseconds / 1_000_000_000))
                        hist.record(nanoseconds: ns)
                        if let f = failure { errors[f, default: 0] += 1 } else { ok += 1 }
                    }
                    w.finish()
                    return (hist, ok, errors)
                }
            }
            for await (h, ok, errors) in group {
                report.latency.merge(h)
                report.ok += ok
                for (k, v) in errors { report.errors[k, default: 0] += v }
            }
        }
        let elapsed = clock.now - start
        report.elapsedSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return report
    }
}

/// The shared request counter of the workers.
final class TicketCounter: Sendable {
    let value = Atomic<UInt64>(0)
}
