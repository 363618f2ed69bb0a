import KGRecPOSIX
import Synchronization

/// The admin HTTP/1.1 server on its own port: `GET /metrics`, `GET /healthz`. One thread, one
/// `poll` loop, every connection non-blocking and bounded by `AdminServerLimits`, so a slow or
/// hostile client cannot block scrapes or probes.
public final class AdminServer: Sendable {
    public let host: String
    public let requestedPort: Int
    public let routes: AdminRoutes
    public let limits: AdminServerLimits

    private struct Running {
        let listener: ListeningSocket
        let wake: WakePipe
        let thread: PosixThread
    }

    private let state = Mutex<Running?>(nil)

    public init(host: String = "0.0.0.0", port: Int, routes: AdminRoutes, limits: AdminServerLimits = .defaults) {
        self.host = host
        self.requestedPort = port
        self.routes = routes
        self.limits = limits
    }

    /// Binds and starts serving; throws if the address cannot be bound (e.g. port in use).
    public func start() throws(SystemError) {
        let listener = try ListeningSocket(host: host, port: requestedPort)
        let wake = try WakePipe()
        let (routes, limits) = (self.routes, self.limits)
        let thread = PosixThread(name: "kgrec-admin") {
            var loop = AdminEventLoop(listener: listener, wake: wake, routes: routes, limits: limits)
            loop.run()
        }
        state.withLock { $0 = Running(listener: listener, wake: wake, thread: thread) }
    }

    /// The bound port once started (useful with port 0), else nil.
    public var port: Int? { state.withLock { $0?.listener.port } }

    /// Stops the loop, closes every connection and the listener, and waits for the thread.
    /// Safe to call more than once.
    public func stop() {
        guard let running = state.withLock({ s -> Running? in defer { s = nil }; return s }) else { return }
        running.wake.wake()
        running.thread.join()
    }
}
