import KGRecPOSIX
#if canImport(Glibc)
import Glibc
#endif

/// The admin server's single-threaded `poll` loop. Lives entirely on its thread; returns when
/// the wake pipe becomes readable.
struct AdminEventLoop {
    let listener: ListeningSocket
    let wake: WakePipe
    let routes: AdminRoutes
    let limits: AdminServerLimits
    let parser: HTTPRequestParser
    var connections: [AdminConnection] = []
    /// Set when `accept` ran out of descriptors: the listener is left out of `poll` until then,
    /// instead of spinning on a listener that stays readable.
    private var acceptPausedUntil: ContinuousClock.Instant?
    private var readBuffer = [UInt8](repeating: 0, count: 4096)

    init(listener: ListeningSocket, wake: WakePipe, routes: AdminRoutes, limits: AdminServerLimits) {
        self.listener = listener
        self.wake = wake
        self.routes = routes
        self.limits = limits
        self.parser = HTTPRequestParser(maxRequestLineBytes: limits.maxRequestLineBytes,
                                        maxHeadBytes: limits.maxHeadBytes)
    }

    mutating func run() {
        var fds: [pollfd] = []
        while true {
            fds.removeAll(keepingCapacity: true)
            fds.append(pollfd(fd: wake.readFD, events: Int16(POLLIN), revents: 0))
            if let until = acceptPausedUntil, until <= .now { acceptPausedUntil = nil }
            // A negative fd keeps the index layout while `poll` ignores the listener.
            fds.append(pollfd(fd: acceptPausedUntil == nil ? listener.fd : -1, events: Int16(POLLIN), revents: 0))
            for c in connections {
                fds.append(pollfd(fd: c.fd, events: Int16(c.phase == .writing ? POLLOUT : POLLIN), revents: 0))
            }
            let rc = poll(&fds, nfds_t(fds.count), pollTimeoutMillis())
            if rc < 0 && errno != EINTR { break }
            if fds[0].revents != 0 { break }
            let now = ContinuousClock.now
            // Connections first (indices match `fds[2...]`), then expiries, then new clients.
            for i in stride(from: connections.count - 1, through: 0, by: -1) where fds[i + 2].revents != 0 {
                service(i, now: now)
            }
            expire(now: now)
            if fds[1].revents != 0 { acceptAll(now: now) }
        }
        for c in connections { close(c.fd) }
        connections.removeAll()
    }

    /// Milliseconds until the earliest deadline (rounded up), or -1 with nothing pending.
    private func pollTimeoutMillis() -> Int32 {
        let deadlines = connections.map(\.deadline) + (acceptPausedUntil.map { [$0] } ?? [])
        guard let earliest = deadlines.min() else { return -1 }
        let (s, atto) = (earliest - .now).components
        if s < 0 || (s == 0 && atto <= 0) { return 0 }
        return Int32(clamping: s * 1000 + (atto + 999_999_999_999_999) / 1_000_000_000_000_000)
    }

    private mutating func acceptAll(now: ContinuousClock.Instant) {
        while true {
            let fd = accept(listener.fd, nil, nil)
            if fd < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                if errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM {
                    acceptPausedUntil = now + .milliseconds(100)
                }
                return
            }
            FileDescriptorFlags.setNonBlockingCloseOnExec(fd)
            if connections.count >= limits.maxConnections {
                // Make room by dropping the oldest client still sending its head (a slow or idle
                // one: real scrapers send theirs at once); if every slot is busy answering, refuse.
                let readers = connections.indices.filter { connections[$0].phase == .reading }
                if let oldest = readers.min(by: { connections[$0].deadline < connections[$1].deadline }) {
                    sendBestEffort(connections[oldest].fd, HTTPResponse.error(408, "request timeout"))
                    drop(oldest)
                } else {
                    sendBestEffort(fd, HTTPResponse.error(503, "too many admin connections"))
                    close(fd)
                    continue
                }
            }
            connections.append(AdminConnection(fd: fd, deadline: now + limits.requestTimeout))
        }
    }

    private mutating func service(_ i: Int, now: ContinuousClock.Instant) {
        switch connections[i].phase {
        case .reading: readRequest(i)
        case .writing: writeResponse(i, now: now)
        case .lingering: drainLingering(i)
        }
    }

    private mutating func readRequest(_ i: Int) {
        let fd = connections[i].fd
        let room = limits.maxHeadBytes + 1 - connections[i].input.count
        let n = readBuffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, min($0.count, max(room, 1))) }
        if n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR) { return drop(i) }
        guard n > 0 else { return }
        connections[i].input += readBuffer[..<n]
        switch parser.parse(connections[i].input) {
        case .incomplete:
            return
        case .reject(let status, let reason):
            connections[i].respond(HTTPResponse.error(status, reason).serialized())
        case .complete(let head):
            connections[i].respond(routes.respond(to: head).serialized(includeBody: head.method != "HEAD"))
        }
        writeResponse(i, now: .now)  // usually completes at once
    }

    private mutating func writeResponse(_ i: Int, now: ContinuousClock.Instant) {
        let c = connections[i]
        let n = c.output.withUnsafeBytes { raw in
            send(c.fd, raw.baseAddress! + c.written, raw.count - c.written, Int32(MSG_NOSIGNAL))
        }
        if n < 0 {
            if errno != EAGAIN && errno != EINTR { drop(i) }
            return
        }
        connections[i].written += n
        if connections[i].written == c.output.count {
            shutdown(c.fd, Int32(SHUT_WR))
            connections[i].phase = .lingering
            connections[i].output = []
            connections[i].deadline = now + limits.lingerTimeout
        }
    }

    private mutating func drainLingering(_ i: Int) {
        let fd = connections[i].fd
        while true {
            let n = readBuffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 { continue }
            if n < 0 && (errno == EAGAIN || errno == EINTR) { return }
            return drop(i)
        }
    }

    /// Past its deadline: a client still sending its head gets 408; anything else is closed.
    private mutating func expire(now: ContinuousClock.Instant) {
        for i in stride(from: connections.count - 1, through: 0, by: -1) where connections[i].deadline <= now {
            if connections[i].phase == .reading {
                sendBestEffort(connections[i].fd, HTTPResponse.error(408, "request timeout"))
            }
            drop(i)
        }
    }

    /// One non-blocking write of a short reply to a connection about to be closed.
    private func sendBestEffort(_ fd: Int32, _ response: HTTPResponse) {
        let bytes = response.serialized()
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    private mutating func drop(_ i: Int) {
        close(connections[i].fd)
        connections.swapAt(i, connections.count - 1)
        connections.removeLast()
    }
}
