import Testing
@testable import KGRecServiceKit

@Suite struct ReadinessTests {
    @Test func startsNotReadyWithReasonStarting() {
        let r = Readiness()
        #expect(r.current == (false, "starting"))
    }

    @Test func observersSeeTheCurrentStateThenEachChangeOnce() {
        let r = Readiness()
        let seen = Journal()
        r.observe { ready, reason in seen.append("\(ready) \(reason)") }
        r.setReady()
        r.setReady()
        r.setNotReady("draining")
        #expect(seen.all == ["false starting", "true ", "false draining"])
    }

    @Test func theGaugeMirrorsTheFlag() {
        let g = Gauge()
        let r = Readiness(gauge: g)
        #expect(g.value == 0)
        r.setReady()
        #expect(g.value == 1)
        r.setNotReady("x")
        #expect(g.value == 0)
    }
}
