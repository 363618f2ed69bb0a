import GRPCCore

/// One method's started and handled counters and handling-time histogram, looked up once.
public final class MethodMetrics: Sendable {
    /// `[grpc_method, grpc_service, grpc_type]`.
    public let labels: [String]
    public let latency: Histogram
    private let startedCounter: Counter
    /// OK is pre-created (so a fresh service shows the series at 0) and needs no lock.
    private let ok: Counter
    private let handled: MetricFamily<Counter>

    init(labels: [String], started: Counter, handled: MetricFamily<Counter>, latency: Histogram) {
        self.labels = labels
        self.latency = latency
        self.startedCounter = started
        self.handled = handled
        self.ok = handled.labels([StatusCode.ok.prometheusLabel] + labels)
    }

    /// Counts one call that began.
    public func started() { startedCounter.increment() }

    /// The number of calls that began.
    public var startedCount: UInt64 { startedCounter.value }

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

    /// The handled counter for `code` (OK without a lock; other codes through the family's lock).
    public func counter(_ code: StatusCode) -> Counter {
        code == .ok ? ok : handled.labels([code.prometheusLabel] + labels)
    }
}
