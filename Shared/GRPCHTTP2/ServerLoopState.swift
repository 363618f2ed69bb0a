import GRPCCore
import KGRecPOSIX
#if canImport(Glibc)
import Glibc
#endif

/// A server's presence on one event loop: its SO_REUSEPORT listener and the connections the
/// loop owns. Loop thread only (after `init`).
final class ServerLoopState: LoopHandler {
    let loop: EventLoop
    let shared: ServerShared
    private(set) var listenFD: Int32
    private var listenToken: UInt64 = 0
    private var connections: [ObjectIdentifier: ServerConnection] = [:]
    /// nghttp2 options shared by this loop's sessions (nghttp2 copies them per session).
    let options: NGHTTP2Options
    private var draining = false
    private var onDrained: (() -> Void)?

    init(loop: EventLoop, shared: ServerShared, listenFD: Int32) throws(HTTP2SessionError) {
        self.loop = loop
        self.shared = shared
        self.listenFD = listenFD
        // nghttp2's own reset limiter stays as a backstop above ours.
        options = try NGHTTP2Options(server: true,
                                     resetRateLimit: UInt64(shared.config.maxResetsPerWindow) * 4 + 1000)
    }

    func startListening() {
        listenToken = loop.register(fd: listenFD, events: .readable, handler: self)
    }

    func handleEvent(_ events: IOEvents) {
        guard listenFD >= 0 else { return }
        var peer = [CChar](repeating: 0, count: 64)
        for _ in 0..<64 {
            let fd = peer.withUnsafeMutableBufferPointer { TCPSocket.accept(listenFD, peer: $0) }
            if fd < 0 {
                if [EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(-fd) { pauseAccepting() }
                break
            }
            let open = shared.connectionCount.add(1, ordering: .relaxed).newValue
            if open > shared.config.maxConnections || shared.shuttingDown.load(ordering: .relaxed) {
                shared.connectionCount.subtract(1, ordering: .relaxed)
                close(fd)
                continue
            }
            let name = peer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            let c = ServerConnection(io: .socket(fd), loop: loop, shared: shared, owner: self, peer: name)
            connections[ObjectIdentifier(c)] = c
            c.start()
        }
    }

    /// Out of descriptors (or memory): the pending connection stays in the backlog and the
    /// listener would report readable forever, spinning the loop. Stop watching it for 100 ms
    /// (closing connections frees descriptors meanwhile), as the admin server does.
    private func pauseAccepting() {
        loop.modify(fd: listenFD, events: [], token: listenToken)
        loop.schedule(at: MonotonicClock.nanoseconds() &+ 100_000_000) { [weak self] in
            guard let self, self.listenFD >= 0 else { return }
            self.loop.modify(fd: self.listenFD, events: .readable, token: self.listenToken)
        }
    }

    /// Response bytes buffered by this loop's connections (for tests and metrics).
    var bufferedBytes: Int { connections.values.reduce(0) { $0 + $1.bufferedBytes } }

    /// Request bytes held by this loop's connections (for tests and metrics).
    var bufferedRequestBytes: Int { connections.values.reduce(0) { $0 + $1.bufferedRequestBytes } }

    var connectionCount: Int { connections.count }
    /// Streams open across this loop's connections.
    var streamCount: Int { connections.values.reduce(0) { $0 + $1.streams.count } }

    func connectionClosed(_ c: ServerConnection) {
        connections[ObjectIdentifier(c)] = nil
        if draining && connections.isEmpty { finishDrain() }
    }

    /// Graceful shutdown on this loop: stop accepting, GOAWAY everywhere; `done` runs when the
    /// last connection closes.
    func beginShutdown(done: @escaping () -> Void) {
        if listenFD >= 0 {
            loop.deregister(fd: listenFD, token: listenToken)
            close(listenFD)
            listenFD = -1
        }
        draining = true
        onDrained = done
        for c in connections.values { c.goAway() }
        if connections.isEmpty { finishDrain() }
    }

    /// The grace period is over: cancel every call and close every connection.
    func forceClose() {
        for c in Array(connections.values) { c.closeNow() }
    }

    private func finishDrain() {
        let d = onDrained
        onDrained = nil
        d?()
    }
}
