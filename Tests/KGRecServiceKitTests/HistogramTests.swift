import GRPCCore
import Testing
@testable import KGRecServiceKit

@Suite struct HistogramTests {
    @Test func boundsAreInclusiveUpperLimits() {
        let h = Histogram(bounds: [1, 2])
        h.observe(1)
        h.observe(2)
        h.observe(2.0000001)
        #expect(h.cumulativeCounts == [1, 2, 3])
    }

    @Test func nanIsIgnoredAndDurationsAreSeconds() {
        let h = Histogram(bounds: [0.5])
        h.observe(Double.nan)
        h.observe(Duration.milliseconds(250))
        #expect(h.count == 1)
        #expect(h.sum == 0.25)
    }

    @Test func defaultLatencyBucketsSpanMicrosecondsToSeconds() {
        #expect(Histogram.latencySeconds.first == 0.0001)
        #expect(Histogram.latencySeconds.last == 10)
    }

    @Test func methodMetricsTimeACallFromItsStartInstant() {
        let m = RPCMetrics(registry: MetricsRegistry()).method(MethodDescriptor(service: "a.B", method: "C"), type: .unary)
        let start = ContinuousClock.now - .milliseconds(20)
        m.record(code: .ok, since: start)
        #expect(m.latency.count == 1)
        #expect(m.latency.sum >= 0.02)
        #expect(m.counter(.ok).value == 1)
    }
}
