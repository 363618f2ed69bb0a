import Synchronization

/// Whether the service is ready to take traffic, and why not. Drives `/healthz`, the
/// `kgrec_ready` gauge and, through `observe`, the gRPC health service. Starts not ready:
/// "starting".
public final class Readiness: Sendable {
    private struct State {
        var ready = false
        var reason = "starting"
        var observers: [@Sendable (Bool, String) -> Void] = []
    }

    private let state = Mutex(State())
    private let gauge: Gauge?

    /// `gauge`, if given (e.g. `kgrec_ready`), mirrors the flag as 1 or 0.
    public init(gauge: Gauge? = nil) {
        self.gauge = gauge
        gauge?.set(0)
    }

    public func setReady() { update(true, "") }

    /// E.g. `"loading checkpoint"`, `"draining"`, `"graph service unreachable"`.
    public func setNotReady(_ reason: String) { update(false, reason) }

    public var isReady: Bool { state.withLock { $0.ready } }

    /// The flag and the reason (empty when ready).
    public var current: (ready: Bool, reason: String) { state.withLock { ($0.ready, $0.reason) } }

    /// Calls `observer` now with the current state and after every change (in order, on the
    /// thread that made the change), e.g. to set the gRPC health status.
    public func observe(_ observer: @escaping @Sendable (_ ready: Bool, _ reason: String) -> Void) {
        let now = state.withLock { s -> (Bool, String) in
            s.observers.append(observer)
            return (s.ready, s.reason)
        }
        observer(now.0, now.1)
    }

    private func update(_ ready: Bool, _ reason: String) {
        // Observers run under the lock so that concurrent changes reach them in order.
        state.withLock { s in
            let changed = s.ready != ready || s.reason != reason
            s.ready = ready
            s.reason = reason
            gauge?.set(ready ? 1 : 0)
            if changed { for o in s.observers { o(ready, reason) } }
        }
    }
}
