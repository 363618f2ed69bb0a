/// What `kgrec up` does when one of its services exits on its own (`--restart`), as compose's
/// `restart: on-failure` and systemd's `Restart=on-failure` do: restart a service that failed
/// (non-zero status or killed by a signal) after an exponential back-off, and give up once it
/// crashed `crashLoopLimit` times within `crashLoopWindow` (a crash loop). A clean exit (status 0)
/// is never restarted. Time is passed in, so the decisions are plain values (and tested so).
struct RestartPolicy: Sendable, Equatable {
    enum Mode: String, Sendable, CaseIterable { case never, onFailure = "on-failure" }

    var mode: Mode = .onFailure
    /// Back-off before the first restart; doubles per crash within the window, capped.
    var initialBackoff: Duration = .milliseconds(500)
    var maxBackoff: Duration = .seconds(10)
    var crashLoopLimit = 5
    var crashLoopWindow: Duration = .seconds(60)

    enum Decision: Equatable {
        /// Restart after this delay; `attempt` counts crashes within the window (1-based).
        case restart(after: Duration, attempt: Int)
        /// Stop everything; the reason is for the log.
        case giveUp(String)
    }

    /// Crash times of one service (monotonic, seconds), oldest first.
    struct History: Sendable {
        var crashes: [Duration] = []
    }

    /// Records an exit with `status` at `now` and decides.
    func decide(status: Int32, at now: Duration, history: inout History) -> Decision {
        guard mode == .onFailure else { return .giveUp("--restart never") }
        guard status != 0 else { return .giveUp("it exited cleanly (status 0), which on-failure does not restart") }
        history.crashes.append(now)
        history.crashes.removeAll { now - $0 > crashLoopWindow }
        let n = history.crashes.count
        if n > crashLoopLimit {
            return .giveUp("crash loop: \(n) failures within \(crashLoopWindow) (limit \(crashLoopLimit))")
        }
        var delay = initialBackoff
        for _ in 1..<n { delay = min(delay * 2, maxBackoff) }
        return .restart(after: delay, attempt: n)
    }
}
