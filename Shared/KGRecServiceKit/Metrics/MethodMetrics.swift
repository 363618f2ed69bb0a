import GRPCCore

/// One method's request counters and latency histogram, looked up once.
public final class MethodMetrics: Sendable {
    public let path: String
    public let latency: Histogram
    /// OK is pre-created (so a fresh service shows the series at 0) and needs no lock.
    private let ok: Counter
    private let family: MetricFamily<Counter>

    init(path: String, family: MetricFamily<Counter>, latency: Histogram) {
        self.path = path
        self.latency = latency
        self.family = family
        self.ok = family.labels(path, StatusCode.ok.description)
    }

    /// Counts one finished call and its latency.
    public func record(code: StatusCode, seconds: Double) {
        counter(code).increment()
        latency.observe(seconds)
    }

    /// Counts one finished call that began at `start` (`ContinuousClock.now` when it arrived).
    public func record(code: StatusCode, since start: ContinuousClock.Instant) {
        let (s, atto) = (ContinuousClock.now - start).components
        record(code: code, seconds: Double(s) + Double(atto) * 1e-18)
    }

    /// The counter for `code` (OK without a lock; other codes through the family's lock).
    public func counter(_ code: StatusCode) -> Counter {
        code == .ok ? ok : family.labels(path, code.description)
    }
}
