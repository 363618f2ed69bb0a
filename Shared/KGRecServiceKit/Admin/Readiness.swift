import Synchronization

/// Whether the service is ready to take traffic, and why not. Drives `/healthz` (and the gRPC
/// health service, which the service wires to the same flag). Starts not ready: "starting".
public final class Readiness: Sendable {
    private let state = Mutex<(ready: Bool, reason: String)>((false, "starting"))
    private let gauge: Gauge?

    /// `gauge`, if given (e.g. `kgrec_ready`), mirrors the flag as 1 or 0.
    public init(gauge: Gauge? = nil) {
        self.gauge = gauge
        gauge?.set(0)
    }

    public func setReady() {
        state.withLock { $0 = (true, "") }
        gauge?.set(1)
    }

    /// E.g. `"loading checkpoint"`, `"draining"`, `"graph service unreachable"`.
    public func setNotReady(_ reason: String) {
        state.withLock { $0 = (false, reason) }
        gauge?.set(0)
    }

    public var isReady: Bool { state.withLock { $0.ready } }

    /// The flag and the reason (empty when ready).
    public var current: (ready: Bool, reason: String) { state.withLock { $0 } }
}
