import GRPCCore
import KGRecPOSIX
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A gRPC server over HTTP/2 cleartext (prior knowledge) on nghttp2.
///
/// ```swift
/// var router = RPCRouter()
/// router.register(MyService())
/// let server = GRPCServer(router: router, config: config)
/// try server.start()               // binds; `server.port` is the bound port
/// try server.shutdownOnSignals()   // SIGTERM/SIGINT → graceful shutdown
/// await server.waitUntilStopped()
/// ```
///
/// Threading: `config.eventLoops` epoll threads, each with its own SO_REUSEPORT listener; a
/// connection lives on the loop that accepted it. Inline unary handlers run on that loop;
/// task handlers run on Swift's global executor and hand results back to the loop.
public final class GRPCServer: Sendable {
    private enum State {
        case idle
        case running(EventLoopGroup, [ServerLoopState])
        case stopping
        case stopped
    }

    private let shared: ServerShared
    private let state = Mutex<State>(.idle)
    private let boundPort = Atomic<Int>(0)
    private let waiters = Mutex<[CheckedContinuation<Void, Never>]>([])
    private let finished = Atomic<Bool>(false)
    private let signalSubscriptions = Mutex<[SignalSubscription]>([])

    public init(router: RPCRouter, config: ServerConfig = .defaults) {
        shared = ServerShared(router: router, config: config)
    }

    public convenience init(services: [any RPCService], config: ServerConfig = .defaults) {
        self.init(router: RPCRouter(services: services), config: config)
    }

    /// The bound port (after `start`).
    public var port: Int { boundPort.load(ordering: .acquiring) }

    public var config: ServerConfig { shared.config }

    /// Binds the listeners and starts the event loops. Throws `RuntimeError` (e.g. the port is
    /// taken). Returns the bound port.
    @discardableResult
    public func start() throws -> Int {
        try state.withLock { st throws -> Int in
            guard case .idle = st else { throw RuntimeError(.alreadyStarted, "server already started") }
            let config = shared.config
            let n = max(1, config.eventLoops)
            var fds: [Int32] = []
            var port = config.port
            do {
                // SO_REUSEPORT would let us share a port another server already listens on.
                if port != 0 { try TCPSocket.probeBind(host: config.host, port: port) }
                for _ in 0..<n {
                    let (fd, bound) = try TCPSocket.listen(host: config.host, port: port, reusePort: true, backlog: 1024)
                    port = bound
                    fds.append(fd)
                }
            } catch {
                for f in fds { close(f) }
                throw RuntimeError(.listenFailed, "cannot listen on \(config.host):\(port)", cause: error)
            }
            let group: EventLoopGroup
            do { group = try EventLoopGroup(count: n, name: "grpc-server") } catch {
                for f in fds { close(f) }
                throw error
            }
            var states: [ServerLoopState] = []
            do {
                for (i, loop) in group.loops.enumerated() {
                    states.append(try ServerLoopState(loop: loop, shared: shared, listenFD: fds[i]))
                }
            } catch {
                group.stop()
                for f in fds { close(f) }
                throw RuntimeError(.systemCallFailed, "cannot set up HTTP/2 sessions", cause: error)
            }
            for s in states { s.loop.execute { s.startListening() } }
            boundPort.store(port, ordering: .releasing)
            st = .running(group, states)
            return port
        }
    }

    /// Graceful shutdown: stop accepting, GOAWAY on every connection, let in-flight calls finish
    /// for up to `grace`, then cancel what is left and close. Returns when everything is closed
    /// and the loop threads have exited. Safe to call more than once.
    public func shutdown(grace: Duration = .seconds(10)) async {
        let taken = state.withLock { st -> (EventLoopGroup, [ServerLoopState])? in
            switch st {
            case .running(let g, let s):
                st = .stopping
                return (g, s)
            case .idle:
                st = .stopped
                return nil
            default:
                return nil
            }
        }
        guard let (group, states) = taken else {
            if case .stopped = state.withLock({ $0 }) { markStopped() }
            await waitUntilStopped()
            return
        }
        shared.shuttingDown.store(true, ordering: .releasing)
        let remaining = Atomic<Int>(states.count)
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let once = Atomic<Bool>(false)
            let resume: @Sendable () -> Void = {
                if !once.exchange(true, ordering: .acquiringAndReleasing) { c.resume() }
            }
            let graceNanos = MonotonicClock.nanoseconds(of: grace)
            for s in states {
                let loop = s.loop
                loop.execute {
                    s.beginShutdown {
                        if remaining.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 { resume() }
                    }
                    loop.schedule(at: MonotonicClock.nanoseconds() &+ graceNanos) { s.forceClose() }
                }
            }
        }
        // Let the loops run their last flushes, then stop their threads.
        await Task.detached { group.stop() }.value
        state.withLock { $0 = .stopped }
        markStopped()
    }

    /// Response bytes currently buffered across all connections (pending socket output and
    /// per-stream queues). For tests and metrics; costs one hop to every loop.
    public func bufferedResponseBytes() async -> Int {
        await sumOverLoops { $0.bufferedBytes }
    }

    /// `value` of every loop's state, read on its loop, summed.
    private func sumOverLoops(_ value: @escaping (ServerLoopState) -> Int) async -> Int {
        guard case .running(_, let states) = state.withLock({ $0 }) else { return 0 }
        var total = 0
        for s in states {
            total += await withCheckedContinuation { (c: CheckedContinuation<Int, Never>) in
                s.loop.execute { c.resume(returning: value(s)) }
            }
        }
        return total
    }

    /// Request bytes buffered across all connections (partial messages included). For tests.
    public func bufferedRequestBytes() async -> Int {
        await sumOverLoops { $0.bufferedRequestBytes }
    }

    /// Timers held by the server's loops (deadlines, keepalive checks), cancelled ones not yet
    /// dropped included: bounded by max(64, 2 × live timers) per loop. For tests.
    public func pendingTimers() async -> Int {
        await sumOverLoops { $0.loop.timerCount }
    }

    /// Streams open across all connections (for tests).
    public func openStreams() async -> Int {
        await sumOverLoops { $0.streamCount }
    }

    /// Open connections across all loops (for tests and metrics).
    public func openConnections() -> Int { shared.connectionCount.load(ordering: .relaxed) }

    /// True once `shutdown` has completed.
    public var isStopped: Bool { finished.load(ordering: .acquiring) }

    /// Returns once the server has stopped.
    public func waitUntilStopped() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = waiters.withLock { w -> Bool in
                if finished.load(ordering: .acquiring) { return true }
                w.append(c)
                return false
            }
            if now { c.resume() }
        }
    }

    /// Starts (if needed) and runs until stopped.
    public func run() async throws {
        if case .idle = state.withLock({ $0 }) { try start() }
        await waitUntilStopped()
    }

    /// Any of `signals` (a `SignalSubscription`, armed when this returns) starts a graceful
    /// shutdown with `grace`; `before` runs first (e.g. marking health NOT_SERVING). The
    /// subscription ends when the server stops.
    public func shutdownOnSignals(_ signals: [Int32] = [SIGTERM, SIGINT], grace: Duration = .seconds(10),
                                  before: @escaping @Sendable () -> Void = {}) throws(SystemError) {
        let subscription = try SignalSubscription(signals)
        subscription.forward { [weak self] _ in
            before()
            await self?.shutdown(grace: grace)
        }
        signalSubscriptions.withLock { $0.append(subscription) }
    }

    private func markStopped() {
        finished.store(true, ordering: .releasing)
        let ws = waiters.withLock { w -> [CheckedContinuation<Void, Never>] in
            defer { w = [] }
            return w
        }
        for w in ws { w.resume() }
        for s in signalSubscriptions.withLock({ s in defer { s = [] }; return s }) { s.cancel() }
    }
}
