@testable import KGRecCLI
import Testing

/// `kgrec up --restart`: which exits are restarted, after what back-off, and when it gives up.
@Suite struct UpRestartPolicyTests {
    @Test func failuresAreRestartedWithExponentialBackoffUntilACrashLoop() {
        let p = RestartPolicy()
        var h = RestartPolicy.History()
        var delays: [Duration] = []
        for k in 0..<5 {
            guard case .restart(let d, let attempt) = p.decide(status: 137, at: .seconds(k), history: &h) else {
                Issue.record("crash \(k + 1) not restarted"); return
            }
            #expect(attempt == k + 1)
            delays.append(d)
        }
        #expect(delays == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8)])
        guard case .giveUp(let why) = p.decide(status: 1, at: .seconds(6), history: &h) else {
            Issue.record("a sixth crash within 60 s is a crash loop"); return
        }
        #expect(why.contains("crash loop"))
    }

    @Test func crashesOutsideTheWindowAreForgotten() {
        let p = RestartPolicy()
        var h = RestartPolicy.History()
        for k in 0..<5 { _ = p.decide(status: 1, at: .seconds(k), history: &h) }
        // Two minutes later the old crashes no longer count: first back-off again.
        #expect(p.decide(status: 1, at: .seconds(125), history: &h) == .restart(after: .milliseconds(500), attempt: 1))
    }

    @Test func cleanExitsAndNeverAreNotRestarted() {
        var h = RestartPolicy.History()
        guard case .giveUp = RestartPolicy().decide(status: 0, at: .zero, history: &h) else {
            Issue.record("status 0 restarted"); return
        }
        var never = RestartPolicy()
        never.mode = .never
        guard case .giveUp(let why) = never.decide(status: 9, at: .zero, history: &h) else {
            Issue.record("--restart never restarted"); return
        }
        #expect(why.contains("never"))
        #expect(RestartPolicy.Mode(rawValue: "on-failure") == .onFailure && RestartPolicy.Mode(rawValue: "always") == nil)
    }
}
