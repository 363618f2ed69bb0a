internal import CNGHTTP2
import GRPCCore
#if canImport(Glibc)
import Glibc
#endif

/// One client HTTP/2 connection to `host:port`, (re)connected on demand, owned by one event
/// loop. Calls started while it connects wait; if the connect fails or the connection drops,
/// their calls fail with UNAVAILABLE and the next call connects again.
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
    private var session: OpaquePointer?
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

    init(host: String, port: Int, config: ClientConfig, loop: EventLoop) {
        self.host = host
        self.port = port
        self.config = config
        self.loop = loop
        authority = config.authority ?? "\(host):\(port)"
    }

    // ---- calls --------------------------------------------------------------------------------

    func startCall(_ call: ClientCall) {
        if phase == .shutdown {
            return call.loopFinish(Status(code: .unavailable, message: "channel closed"), trailers: Metadata())
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
        let ptr = Unmanaged.passUnretained(call).toOpaque()
        let id = h.withNV { nv, n in kg_submit_request(session, nv, n, ClientCallbacks.readData, ptr) }
        if id < 0 {
            return call.loopFinish(Status(code: .unavailable, message: "cannot open a stream (nghttp2 error \(id))"),
                                   trailers: Metadata())
        }
        call.streamID = id
        call.index = calls.count
        calls.append(call)
        markDirty()
    }

    func call(_ id: Int32) -> ClientCall? {
        guard let s = session, let p = nghttp2_session_get_stream_user_data(s, id) else { return nil }
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
        if let s = session { nghttp2_session_resume_data(s, id); markDirty() }
    }

    func consume(_ id: Int32, _ n: Int) {
        if let s = session, n > 0 { nghttp2_session_consume(s, id, n); markDirty() }
    }

    func consumeConnection(_ n: Int) {
        if let s = session, n > 0 { nghttp2_session_consume_connection(s, n) }
    }

    func resetStream(_ id: Int32, code: UInt32) {
        if let s = session {
            nghttp2_submit_rst_stream(s, UInt8(NGHTTP2_FLAG_NONE.rawValue), id, code)
            markDirty()
        }
    }

    func goawayFrameReceived() { goawayReceived = true }

    // ---- connection ---------------------------------------------------------------------------

    private func connect() {
        phase = .connecting
        goawayReceived = false
        let r = kg_tcp_connect(host, Int32(port))
        if r < 0 {
            return teardown(Status(code: .unavailable, message: "cannot connect to \(host):\(port) (errno \(-r))"))
        }
        fd = r
        token = loop.register(fd: fd, events: UInt32(KG_EV_OUT), handler: self)
        pollingWrite = true
        connectTimer = loop.schedule(at: MonotonicClock.nanoseconds() &+ MonotonicClock.nanoseconds(of: config.connectTimeout)) {
            [weak self] in
            guard let self, self.phase == .connecting else { return }
            self.teardown(Status(code: .unavailable, message: "connect to \(self.host):\(self.port) timed out"))
        }
    }

    private func connected() {
        connectTimer?.isCancelled = true
        connectTimer = nil
        phase = .ready
        var s: OpaquePointer?
        nghttp2_session_client_new2(&s, ClientCallbacks.callbacks, Unmanaged.passUnretained(self).toOpaque(),
                                    ClientCallbacks.option)
        session = s
        var iv = [
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_ENABLE_PUSH.rawValue), value: 0),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE.rawValue),
                                   value: UInt32(clamping: min(config.streamWindowSize, Int(Int32.max)))),
        ]
        nghttp2_submit_settings(s, UInt8(NGHTTP2_FLAG_NONE.rawValue), &iv, iv.count)
        nghttp2_session_set_local_window_size(s, UInt8(NGHTTP2_FLAG_NONE.rawValue), 0,
                                              Int32(clamping: max(65535, config.connectionWindowSize)))
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
                return teardown(Status(code: .unavailable,
                                       message: "keepalive PING to \(host):\(port) not acknowledged"))
            }
        } else if !calls.isEmpty && now &- lastReadNanos >= MonotonicClock.nanoseconds(of: interval) {
            nghttp2_submit_ping(s, UInt8(NGHTTP2_FLAG_NONE.rawValue), nil)
            pingSentNanos = now
            markDirty()
        }
        scheduleKeepalive()
    }

    func pingAcked() { pingSentNanos = 0 }

    /// Drops the socket and session; fails every call with `status`; back to idle (or
    /// reconnects at once if calls are waiting for a fresh connection after GOAWAY).
    private func teardown(_ status: Status) {
        connectTimer?.isCancelled = true
        connectTimer = nil
        keepaliveTimer?.isCancelled = true
        keepaliveTimer = nil
        if fd >= 0 {
            loop.deregister(fd: fd, token: token)
            close(fd)
            fd = -1
        }
        let active = calls
        calls = []
        if let s = session {
            session = nil
            nghttp2_session_del(s)
        }
        for c in active { c.index = -1; c.loopFinish(status, trailers: Metadata()) }
        out.removeAll()
        outOffset = 0
        wantClose = false
        pollingWrite = false
        let wasConnecting = phase == .connecting
        if phase != .shutdown { phase = .idle }
        if wasConnecting || phase == .shutdown {
            let w = waiting
            waiting = []
            for c in w { c.loopFinish(status, trailers: Metadata()) }
        } else if !waiting.isEmpty {
            connect()
        }
    }

    func shutdown() {
        phase = .shutdown
        teardown(Status(code: .unavailable, message: "channel closed"))
    }

    func handleEvent(_ flags: UInt32) {
        if phase == .connecting {
            if kg_socket_error(fd) != 0 || flags & UInt32(KG_EV_ERR) != 0 {
                return teardown(Status(code: .unavailable, message: "cannot connect to \(host):\(port)"))
            }
            loop.modify(fd: fd, events: UInt32(KG_EV_IN), token: token)
            pollingWrite = false
            return connected()
        }
        guard phase == .ready, let s = session else { return }
        if flags & UInt32(KG_EV_OUT) != 0 { markDirty() }
        if flags & UInt32(KG_EV_IN | KG_EV_ERR) != 0 {
            let buf = loop.readBuffer
            for _ in 0..<4 {
                let r = kg_read(fd, buf.baseAddress, buf.count)
                if r > 0 {
                    lastReadNanos = MonotonicClock.nanoseconds()
                    if kg_mem_recv(s, buf.baseAddress!.assumingMemoryBound(to: UInt8.self), Int(r)) < 0 {
                        wantClose = true
                        break
                    }
                    if r < buf.count { break }
                } else if r == 0 || (r != -Int(EAGAIN) && r != -Int(EWOULDBLOCK)) {
                    return teardown(Status(code: .unavailable, message: "connection to \(host):\(port) lost"))
                } else {
                    break
                }
            }
            markDirty()
        }
    }

    func markDirty() {
        if !flushScheduled && session != nil {
            flushScheduled = true
            loop.scheduleFlush(self)
        }
    }

    func flush() {
        flushScheduled = false
        guard phase == .ready, let s = session else { return }
        while out.count - outOffset < 1 << 20 {
            var p: UnsafePointer<UInt8>?
            let n = kg_mem_send(s, &p)
            if n < 0 { wantClose = true; break }
            if n == 0 { break }
            out.append(contentsOf: UnsafeBufferPointer(start: p, count: Int(n)))
        }
        if out.count > outOffset {
            let w = out.withUnsafeBytes { kg_write(fd, $0.baseAddress!.advanced(by: outOffset), $0.count - outOffset) }
            if w > 0 {
                outOffset += Int(w)
            } else if w < 0 && w != -Int(EAGAIN) && w != -Int(EWOULDBLOCK) {
                return teardown(Status(code: .unavailable, message: "connection to \(host):\(port) lost"))
            }
            if outOffset == out.count { out.removeAll(keepingCapacity: true); outOffset = 0 }
        }
        let shouldPoll = out.count > outOffset
        if shouldPoll != pollingWrite {
            pollingWrite = shouldPoll
            loop.modify(fd: fd, events: UInt32(KG_EV_IN) | (shouldPoll ? UInt32(KG_EV_OUT) : 0), token: token)
        }
        if !shouldPoll && (wantClose || (nghttp2_session_want_read(s) == 0 && nghttp2_session_want_write(s) == 0)
                            || (goawayReceived && calls.isEmpty)) {
            teardown(Status(code: .unavailable, message: "connection to \(host):\(port) closed"))
        }
    }
}
