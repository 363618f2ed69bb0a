/// Counts observations into fixed buckets (upper bounds, inclusive, like Prometheus `le`) plus
/// their sum. Lock-free: one atomic add for the bucket, one CAS loop for the sum. The count is
/// the sum of the buckets, so it always equals the `+Inf` bucket when rendered.
public final class Histogram: Sendable {
    /// Upper bounds, strictly increasing, finite; `+Inf` is implicit.
    public let bounds: [Double]
    /// `bounds.count + 1` non-cumulative counts; the last one is above every bound.
    private let buckets: [Counter]
    private let total: Gauge
    /// `le` label values: each bound as Prometheus writes it, then `+Inf`.
    let leLabels: [String]

    /// Latency buckets in seconds, 100 µs … 10 s.
    public static let latencySeconds: [Double] = [
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]

    public init(bounds: [Double]) {
        precondition(!bounds.isEmpty && bounds.allSatisfy(\.isFinite), "histogram needs finite bounds")
        precondition(zip(bounds, bounds.dropFirst()).allSatisfy { $0 < $1 }, "bounds must increase")
        self.bounds = bounds
        self.buckets = (0...bounds.count).map { _ in Counter() }
        self.total = Gauge()
        self.leLabels = bounds.map(PrometheusText.value) + ["+Inf"]
    }

    /// Records one observation; NaN is ignored.
    public func observe(_ v: Double) {
        guard !v.isNaN else { return }
        var i = 0
        while i < bounds.count && v > bounds[i] { i += 1 }
        buckets[i].increment()
        total.add(v)
    }

    /// Records a duration in seconds.
    public func observe(_ d: Duration) {
        let (s, atto) = d.components
        observe(Double(s) + Double(atto) * 1e-18)
    }

    /// Cumulative counts per bound, then the `+Inf` count (= total count).
    public var cumulativeCounts: [UInt64] {
        var running: UInt64 = 0
        return buckets.map { running &+= $0.value; return running }
    }

    public var count: UInt64 { buckets.reduce(0) { $0 &+ $1.value } }
    public var sum: Double { total.value }
}
