import GRPCCore
import KGRecPOSIX
#if canImport(Glibc)
import Glibc
#endif

/// One client HTTP/2 connection to `host:port`, (re)connected on demand, owned by one event
/// loop. Calls started while it connects wait; if the connect fails or the connection drops,
/// their calls fail with UNAVAILABLE and the next call connects again. With a `memory` sink it
/// opens no socket: what it sends goes to the sink, what it reads comes from `receive` (the
/// in-memory protocol tests drive it against a server connection that way).
final class ClientConnection: LoopHandler, LoopFlushable, @unchecked Sendable {
    enum Phase { case idle, connecting, ready, shutdown }

    let host: String
    let port: Int
    let config: ClientConfig
    unowned let loop: EventLoop
    private let authority: String

    private var phase = Phase.idle
    private var fd: Int32 = -1
    private var token: UInt64 = 0
    private let memory: MemoryByteSink?
    /// The byte pipe while connected (the socket `fd`, or `memory`).
    private var io: ConnectionIO?
    /// Live while connected (releasing it frees the nghttp2 session).
    private var session: NGHTTP2Session?
    private var calls: [ClientCall] = []
    private var waiting: [ClientCall] = []
    private var connectTimer: LoopTimer?
    private var goawayReceived = false
    private var out: [UInt8] = []
    private var outOffset = 0
    private var flushScheduled = false
    private var pollingWrite = false
    private var wantClose = false
    private var lastReadNanos: UInt64 = 0
    private var pingSentNanos: UInt64 = 0
    private var keepaliveTimer: LoopTimer?

    init(host: String, port: Int, config: ClientConfig, loop: EventLoop, memory: MemoryByteSink? = nil) {
        self.host = host
        self.port = port
        self.config = config
        self.loop = loop
        self.memory = memory
        authority = config.authority ?? "\(host):\(port)"
    }

    // ---- calls --------------------------------------------------------------------------------

    func startCall(_ call: ClientCall) {
        if phase == .shutdown {
            return call.loopFinish(Status(code: .unavailable, message: "channel closed"), trailers: Metadata(),
                                   cause: TransportError(.channelClosed, "channel closed"))
        }
        if call.deadline != 0 {
            if MonotonicClock.nanoseconds() >= call.deadline {
                return call.loopFinish(Status(code: .deadlineExceeded, message: "deadline exceeded before start"),
                                       trailers: Metadata())
            }
            call.timer = loop.schedule(at: call.deadline) { [weak call] in call?.loopDeadline() }
        }
        switch phase {
        case .ready where !goawayReceived: submit(call)
        case .idle:
            waiting.append(call)
            connect()
        default:
            waiting.append(call)
        }
    }

    private func submit(_ call: ClientCall) {
        if call.finished { return }
        var h = HeaderList()
        h.add(":method", "POST")
        h.add(":scheme", "http")
        h.add(":path", call.method.path)
        h.add(":authority", authority)
        h.add("content-type", "application/grpc")
        h.add("te", "trailers")
        h.add("user-agent", "kgrec-grpc-swift/1.0")
        h.add("grpc-accept-encoding", "identity")
        if call.deadline != 0 {
            let now = MonotonicClock.nanoseconds()
            h.add("grpc-timeout", GRPCTimeout.format(nanoseconds: call.deadline > now ? call.deadline - now : 1))
        }
        h.add(metadata: call.options.metadata)
        let id: Int32
        do {
            guard let session else { throw HTTP2SessionError(.submit, "nghttp2_submit_request", 0) }
            id = try session.submitRequest(headers: h, streamUserData: Unmanaged.passUnretained(call).toOpaque())
        } catch {
            let e = TransportError(.http2Failed, "cannot open a stream", cause: error)
            return call.loopFinish(Status(code: .unavailable, message: e.description), trailers: Metadata(), cause: e)
        }
        call.loopStreamOpened(id)
        call.index = calls.count
        calls.append(call)
        markDirty()
    }

    func call(_ id: Int32) -> ClientCall? {
        guard let p = session?.streamUserData(stream: id) else { return nil }
        return Unmanaged<ClientCall>.fromOpaque(p).takeUnretainedValue()
    }

    func callClosed(_ call: ClientCall, errorCode: UInt32) {
        call.loopStreamClosed(errorCode: errorCode)
        guard call.index >= 0 else { return }
        let i = call.index
        let last = calls.removeLast()
        if last !== call { calls[i] = last; last.index = i }
        call.index = -1
    }

    func resumeData(_ id: Int32) {
        guard let s = session else { return }
        do { try s.resumeData(stream: id) } catch { return sessionFailed(error) }
        markDirty()
    }

    func consume(_ id: Int32, _ n: Int) {
        guard let s = session, n > 0 else { return }
        do { try s.consume(stream: id, n) } catch { return sessionFailed(error) }
        markDirty()
    }

    func consumeConnection(_ n: Int) {
        do { try session?.consumeConnection(n) } catch { sessionFailed(error) }
    }

    func resetStream(_ id: Int32, code: HTTP2ErrorCode) {
        guard let s = session else { return }
        do { try s.submitReset(stream: id, code) } catch { return sessionFailed(error) }
        markDirty()
    }

    /// An nghttp2 call failed (callbacks may be on the stack): the connection closes at the
    /// next flush, failing its calls with UNAVAILABLE.
    private func sessionFailed(_ error: HTTP2SessionError) {
        wantClose = true
        markDirty()
    }

    func goawayFrameReceived() { goawayReceived = true }

    // ---- connection ---------------------------------------------------------------------------

    private func connect() {
        phase = .connecting
        goawayReceived = false
        if let memory {
            io = .memory(memory)
            return connected()
        }
        do {
            fd = try TCPSocket.connect(host: host, port: port)
        } catch {
            return teardown(TransportError(.connectFailed, "cannot connect to \(host):\(port)", cause: error))
        }
        io = .socket(fd)
        token = loop.register(fd: fd, events: .writable, handler: self)
        pollingWrite = true
        connectTimer = loop.schedule(at: MonotonicClock.nanoseconds() &+ MonotonicClock.nanoseconds(of: config.connectTimeout)) {
            [weak self] in
            guard let self, self.phase == .connecting else { return }
            self.teardown(TransportError(.connectTimedOut, "connect to \(self.host):\(self.port) timed out"))
        }
    }

    private func connected() {
        connectTimer?.isCancelled = true
        connectTimer = nil
        phase = .ready
        do {
            let s = try NGHTTP2Session(.client, callbacks: ClientCallbacks.callbacks,
                                       userData: Unmanaged.passUnretained(self).toOpaque(),
                                       options: ClientCallbacks.options)
            try s.start(settings: [.disablePush, .initialWindowSize(config.streamWindowSize)],
                        connectionWindow: config.connectionWindowSize)
            session = s
        } catch {
            return teardown(TransportError(.http2Failed, "cannot start HTTP/2 to \(host):\(port)", cause: error))
        }
        let w = waiting
        waiting = []
        for c in w { submit(c) }
        lastReadNanos = MonotonicClock.nanoseconds()
        pingSentNanos = 0
        scheduleKeepalive()
        markDirty()
    }

    private func scheduleKeepalive() {
        guard let interval = config.keepaliveInterval else { return }
        let step = max(1_000_000, min(MonotonicClock.nanoseconds(of: interval),
                                      MonotonicClock.nanoseconds(of: config.keepaliveTimeout)) / 2)
        keepaliveTimer = loop.schedule(at: MonotonicClock.nanoseconds() &+ step) { [weak self] in
            self?.keepaliveCheck()
        }
    }

    /// PING after `keepaliveInterval` of silence while calls are open; no ACK within
    /// `keepaliveTimeout` → the connection is dead: fail its calls with UNAVAILABLE.
    private func keepaliveCheck() {
        keepaliveTimer = nil
        guard phase == .ready, let s = session, let interval = config.keepaliveInterval else { return }
        let now = MonotonicClock.nanoseconds()
        if pingSentNanos != 0 {
            if now &- pingSentNanos >= MonotonicClock.nanoseconds(of: config.keepaliveTimeout) {
                return teardown(TransportError(.keepaliveTimedOut,
                                               "keepalive PING to \(host):\(port) not acknowledged"))
            }
        } else if !calls.isEmpty && now &- lastReadNanos >= MonotonicClock.nanoseconds(of: interval) {
            do { try s.submitPing() } catch {
                return teardown(TransportError(.http2Failed, "keepalive PING to \(host):\(port) failed", cause: error))
            }
            pingSentNanos = now
            markDirty()
        }
        scheduleKeepalive()
    }

    func pingAcked() { pingSentNanos = 0 }

    /// Drops the socket and session; fails every call with UNAVAILABLE caused by `error`; back
    /// to idle (or reconnects at once if calls are waiting for a fresh connection after GOAWAY).
    private func teardown(_ error: TransportError) {
        let status = Status(code: .unavailable, message: error.description)
        connectTimer?.isCancelled = true
        connectTimer = nil
        keepaliveTimer?.isCancelled = true
        keepaliveTimer = nil
        if fd >= 0 {
            loop.deregister(fd: fd, token: token)
            close(fd)
            fd = -1
        }
        io = nil
        let active = calls
        calls = []
        session = nil   // frees the nghttp2 session
        for c in active { c.index = -1; c.loopFinish(status, trailers: Metadata(), cause: error) }
        out.removeAll()
        outOffset = 0
        wantClose = false
        pollingWrite = false
        let wasConnecting = phase == .connecting
        if phase != .shutdown { phase = .idle }
        if wasConnecting || phase == .shutdown {
            let w = waiting
            waiting = []
            for c in w { c.loopFinish(status, trailers: Metadata(), cause: error) }
        } else if !waiting.isEmpty {
            connect()
        }
    }

    func shutdown() {
        phase = .shutdown
        teardown(TransportError(.channelClosed, "channel closed"))
    }

    func handleEvent(_ events: IOEvents) {
        if phase == .connecting {
            let pending = TCPSocket.pendingError(fd)
            if pending != 0 || events.contains(.error) {
                return teardown(TransportError(.connectFailed, "cannot connect to \(host):\(port)",
                                               cause: SystemError("connect \(host):\(port)", errno: pending)))
            }
            loop.modify(fd: fd, events: .readable, token: token)
            pollingWrite = false
            return connected()
        }
        guard phase == .ready, let s = session else { return }
        if events.contains(.writable) { markDirty() }
        if !events.isDisjoint(with: [.readable, .error]) {
            let buf = loop.readBuffer
            for _ in 0..<4 {
                let r = TCPSocket.read(fd, into: buf.baseAddress, count: buf.count)
                if r > 0 {
                    if !received(UnsafeRawBufferPointer(rebasing: buf[..<r]), s) { break }
                    if r < buf.count { break }
                } else if r == 0 || !Syscall.wouldBlock(r) {
                    return teardown(TransportError(.connectionLost, "connection to \(host):\(port) lost"))
                } else {
                    break
                }
            }
            markDirty()
        }
    }

    /// Bytes from the peer of a memory connection (what `handleEvent` reads from a socket).
    func receive(_ bytes: UnsafeRawBufferPointer) {
        guard phase == .ready, let s = session else { return }
        _ = received(bytes, s)
        markDirty()
    }

    /// Feeds `bytes` to nghttp2; false (and the connection closes at the next flush) when it failed.
    private func received(_ bytes: UnsafeRawBufferPointer, _ s: NGHTTP2Session) -> Bool {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return true }
        lastReadNanos = MonotonicClock.nanoseconds()
        do { try s.receive(base, count: bytes.count) } catch {
            wantClose = true
            return false
        }
        return true
    }

    func markDirty() {
        if !flushScheduled && session != nil {
            flushScheduled = true
            loop.scheduleFlush(self)
        }
    }

    func flush() {
        flushScheduled = false
        guard phase == .ready, let s = session, let io else { return }
        while out.count - outOffset < 1 << 20 {
            let chunk: UnsafeBufferPointer<UInt8>
            do { chunk = try s.nextOutput() } catch { wantClose = true; break }
            if chunk.isEmpty { break }
            out.append(contentsOf: chunk)
        }
        if out.count > outOffset {
            let w = out.withUnsafeBytes { io.send(UnsafeRawBufferPointer(rebasing: $0[outOffset...])) }
            if w > 0 {
                outOffset += w
            } else if w < 0 && !Syscall.wouldBlock(w) {
                return teardown(TransportError(.connectionLost, "connection to \(host):\(port) lost"))
            }
            if outOffset == out.count { out.removeAll(keepingCapacity: true); outOffset = 0 }
        }
        let shouldPoll = out.count > outOffset
        if shouldPoll != pollingWrite && fd >= 0 {
            pollingWrite = shouldPoll
            loop.modify(fd: fd, events: shouldPoll ? [.readable, .writable] : .readable, token: token)
        }
        if !shouldPoll && (wantClose || (!s.wantsRead && !s.wantsWrite)
                            || (goawayReceived && calls.isEmpty)) {
            teardown(TransportError(.connectionClosed, "connection to \(host):\(port) closed"))
        }
    }
}
