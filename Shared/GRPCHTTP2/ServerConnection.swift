internal import CNGHTTP2
import GRPCCore
#if canImport(Glibc)
import Glibc
#endif

/// One accepted HTTP/2 connection: the socket, its nghttp2 server session and its streams.
/// Owned by exactly one event loop and touched only on that loop's thread.
///
/// The pump: readable → `mem_recv` every byte read (callbacks drive the streams) → the loop
/// calls `flush` once per iteration → `mem_send` everything into one buffer → one `send`.
/// When output backs up beyond the configured limit we stop reading and stop producing until
/// the peer drains it, so a client that never reads cannot make us buffer without bound.
final class ServerConnection: LoopHandler, LoopFlushable {
    let fd: Int32
    unowned let loop: EventLoop
    let shared: ServerShared
    unowned let owner: ServerLoopState
    let peer: String
    var token: UInt64 = 0
    var session: OpaquePointer!

    var streams: [ServerStream] = []
    /// Finished inline streams kept for reuse.
    private var freeStreams: [ServerStream] = []
    /// The stream the last callback asked for (headers of one stream arrive back to back).
    private var cachedStream: ServerStream?
    private var out: [UInt8] = []
    private var outOffset = 0
    private var flushScheduled = false
    private var wantClose = false
    private(set) var isClosed = false
    private var readingPaused = false
    private var pollingWrite = false

    private(set) var lastReadNanos: UInt64
    private var lastStreamActivityNanos: UInt64
    private var pingSentNanos: UInt64 = 0
    private var checkTimer: LoopTimer?
    /// Armed when the connection wants to close but output is still pending: a peer that does
    /// not read it within the keepalive timeout is cut off.
    private var closeTimer: LoopTimer?
    private var goAwayNanos: UInt64 = 0
    private var resetWindowStart: UInt64 = 0
    private var resetCount = 0
    private(set) var goingAway = false

    init(fd: Int32, loop: EventLoop, shared: ServerShared, owner: ServerLoopState, peer: String) {
        self.fd = fd
        self.loop = loop
        self.shared = shared
        self.owner = owner
        self.peer = peer
        let now = MonotonicClock.nanoseconds()
        lastReadNanos = now
        lastStreamActivityNanos = now
    }

    /// Creates the session, queues our SETTINGS and starts reading.
    func start() {
        let config = shared.config
        var s: OpaquePointer?
        nghttp2_session_server_new2(&s, ServerCallbacks.callbacks, Unmanaged.passUnretained(self).toOpaque(),
                                    owner.option)
        session = s
        var iv = [
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS.rawValue),
                                   value: UInt32(clamping: config.maxConcurrentStreams)),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE.rawValue),
                                   value: UInt32(clamping: min(config.streamWindowSize, Int(Int32.max)))),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE.rawValue),
                                   value: UInt32(clamping: config.maxHeaderListSize)),
        ]
        nghttp2_submit_settings(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), &iv, iv.count)
        nghttp2_session_set_local_window_size(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), 0,
                                              Int32(clamping: max(65535, config.connectionWindowSize)))
        token = loop.register(fd: fd, events: UInt32(KG_EV_IN), handler: self)
        scheduleCheck()
        markDirty()
    }

    // ---- I/O -------------------------------------------------------------------------------------

    func handleEvent(_ flags: UInt32) {
        if isClosed { return }
        if flags & UInt32(KG_EV_OUT) != 0 { markDirty() }
        if flags & UInt32(KG_EV_IN | KG_EV_ERR) != 0 {
            if !readingPaused {
                readSome()
            } else if flags & UInt32(KG_EV_ERR) != 0 {
                closeNow()   // the peer is gone; nothing pending can be delivered
            }
        }
    }

    private func readSome() {
        if wantClose { return }
        let buf = loop.readBuffer
        for _ in 0..<4 {
            let r = kg_read(fd, buf.baseAddress, buf.count)
            if r > 0 {
                lastReadNanos = MonotonicClock.nanoseconds()
                let rv = kg_mem_recv(session, buf.baseAddress!.assumingMemoryBound(to: UInt8.self), Int(r))
                if rv < 0 {
                    // Bad preface, flood, protocol error: nghttp2 queued GOAWAY where it could.
                    if rv == Int(NGHTTP2_ERR_BAD_CLIENT_MAGIC.rawValue) {
                        nghttp2_session_terminate_session(session, UInt32(NGHTTP2_PROTOCOL_ERROR.rawValue))
                    }
                    wantClose = true
                    break
                }
                if r < buf.count || wantClose { break }
            } else if r == 0 {
                closeNow()
                return
            } else {
                if r != -Int(EAGAIN) && r != -Int(EWOULDBLOCK) { closeNow(); return }
                break
            }
        }
        markDirty()
    }

    func markDirty() {
        if !flushScheduled && !isClosed {
            flushScheduled = true
            loop.scheduleFlush(self)
        }
    }

    /// Moves nghttp2's output into the socket: one `send` per loop iteration.
    func flush() {
        flushScheduled = false
        if isClosed { return }
        let limit = shared.config.maxBufferedOutputBytesPerConnection
        var sessionDrained = false
        while out.count - outOffset < limit {
            var p: UnsafePointer<UInt8>?
            let n = kg_mem_send(session, &p)
            if n < 0 { wantClose = true; break }
            if n == 0 { sessionDrained = true; break }
            out.append(contentsOf: UnsafeBufferPointer(start: p, count: Int(n)))
        }
        if out.count > outOffset {
            let w = out.withUnsafeBytes { raw in
                kg_write(fd, raw.baseAddress!.advanced(by: outOffset), raw.count - outOffset)
            }
            if w > 0 {
                outOffset += Int(w)
            } else if w < 0 && w != -Int(EAGAIN) && w != -Int(EWOULDBLOCK) {
                closeNow()
                return
            }
            if outOffset == out.count {
                out.removeAll(keepingCapacity: out.capacity <= 1 << 20)
                outOffset = 0
            } else if outOffset > 1 << 16 {
                out.removeSubrange(0..<outOffset)
                outOffset = 0
            }
        }
        if !deferred.isEmpty && !outputOverBudget {
            runDeferredWork()
            markDirty()
        }
        // We stopped taking nghttp2's output at the limit and the socket took it all: nothing
        // pending means no writable event will come, so go on in the next iteration ourselves.
        if !sessionDrained && !wantClose && out.count - outOffset < limit { markDirty() }
        let pending = out.count - outOffset
        let shouldPoll = pending > 0
        // A session that wants to close reads nothing more (only its last output goes out).
        let shouldPause = pending >= limit || wantClose
        if shouldPoll != pollingWrite || shouldPause != readingPaused {
            pollingWrite = shouldPoll
            readingPaused = shouldPause
            var ev: UInt32 = 0
            if !shouldPause { ev |= UInt32(KG_EV_IN) }
            if shouldPoll { ev |= UInt32(KG_EV_OUT) }
            loop.modify(fd: fd, events: ev, token: token)
        }
        if pending > 0 && wantClose && closeTimer == nil {
            closeTimer = loop.schedule(at: MonotonicClock.nanoseconds() &+ shared.keepaliveTimeoutNanos) {
                [weak self] in self?.closeNow()
            }
        }
        if pending == 0 && (wantClose
            || (nghttp2_session_want_read(session) == 0 && nghttp2_session_want_write(session) == 0)
            || (goingAway && streams.isEmpty && nghttp2_session_want_write(session) == 0)) {
            closeNow(graceful: true)
        }
    }

    /// Tears everything down at once: streams cancelled, session freed, socket closed (after a
    /// short linger when `graceful`, so the peer reliably reads our final frames).
    func closeNow(graceful: Bool = false) {
        if isClosed { return }
        isClosed = true
        checkTimer?.isCancelled = true
        closeTimer?.isCancelled = true
        for s in streams {
            s.streamClosed(errorCode: UInt32(NGHTTP2_CANCEL.rawValue))
            s.bridge = nil
        }
        streams.removeAll()
        freeStreams.removeAll()
        deferred.removeAll()
        cachedStream = nil
        nghttp2_session_del(session)
        session = nil
        loop.deregister(fd: fd, token: token)
        if graceful {
            LingeringSocket.start(fd: fd, loop: loop)
        } else {
            close(fd)
        }
        shared.connectionCount.subtract(1, ordering: .relaxed)
        owner.connectionClosed(self)
    }

    /// Request bytes this connection's streams hold (deframers, partial messages included, and
    /// handler queues); bounded by `maxBufferedRequestBytesPerConnection`.
    var bufferedRequestBytes = 0

    /// Streams whose work waits for the connection's output to drain, with the id each had
    /// (a pooled stream reused for another id is not run twice). At most one per open stream.
    private var deferred: [(stream: ServerStream, id: Int32)] = []

    /// True when this connection holds `maxBufferedOutputBytesPerConnection` or more response
    /// bytes (socket output plus stream queues, e.g. pinned by a peer that grants no window):
    /// new handlers wait, so a peer that does not read cannot make us build more responses.
    var outputOverBudget: Bool { bufferedBytes >= shared.config.maxBufferedOutputBytesPerConnection }

    func deferWork(_ s: ServerStream) { deferred.append((s, s.id)) }

    /// Runs deferred work while the output is under budget.
    private func runDeferredWork() {
        var i = 0
        while i < deferred.count && !outputOverBudget && !isClosed {
            let (s, id) = deferred[i]
            i += 1
            if s.id == id && !s.closed { s.startDeferredWork() }
        }
        deferred.removeFirst(i)
    }

    /// Response bytes held by this connection: pending socket output plus every stream's queue.
    var bufferedBytes: Int {
        streams.reduce(out.count - outOffset) { $0 + $1.out.count - $1.outOffset }
    }

    // ---- graceful shutdown, idle and keepalive -----------------------------------------------

    /// GOAWAY with the last stream we processed; the connection closes when its streams finish.
    func goAway() {
        if isClosed || goingAway { return }
        goingAway = true
        goAwayNanos = MonotonicClock.nanoseconds()
        nghttp2_submit_goaway(session, UInt8(NGHTTP2_FLAG_NONE.rawValue),
                              nghttp2_session_get_last_proc_stream_id(session),
                              UInt32(NGHTTP2_NO_ERROR.rawValue), nil, 0)
        markDirty()
    }

    private func scheduleCheck() {
        var interval: UInt64 = 0
        for v in [shared.idleTimeoutNanos, shared.keepaliveIntervalNanos, shared.streamProgressTimeoutNanos] where v > 0 {
            interval = interval == 0 ? v : min(interval, v)
        }
        if pingSentNanos != 0 { interval = min(interval == 0 ? shared.keepaliveTimeoutNanos : interval,
                                               shared.keepaliveTimeoutNanos) }
        if goingAway { interval = min(interval == 0 ? shared.keepaliveTimeoutNanos : interval,
                                      shared.keepaliveTimeoutNanos) }
        guard interval > 0 else { return }
        checkTimer = loop.schedule(at: MonotonicClock.nanoseconds() &+ interval / 2 + 1) { [weak self] in
            self?.periodicCheck()
        }
    }

    private func periodicCheck() {
        if isClosed { return }
        let now = MonotonicClock.nanoseconds()
        if pingSentNanos != 0 && now &- pingSentNanos >= shared.keepaliveTimeoutNanos {
            // The peer neither answers nor (often) reads: nothing queued for it would arrive.
            closeNow()
            return
        }
        if goingAway && streams.isEmpty && now &- goAwayNanos >= shared.keepaliveTimeoutNanos {
            closeNow()   // GOAWAY sent a keepalive timeout ago and the peer still has not drained it
            return
        }
        if shared.idleTimeoutNanos > 0 && streams.isEmpty && !goingAway
            && now &- lastStreamActivityNanos >= shared.idleTimeoutNanos {
            goAway()
        }
        if shared.streamProgressTimeoutNanos > 0 { resetStalledStreams(now: now) }
        if shared.keepaliveIntervalNanos > 0 && pingSentNanos == 0
            && now &- lastReadNanos >= shared.keepaliveIntervalNanos {
            nghttp2_submit_ping(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), nil)
            pingSentNanos = now
            markDirty()
        }
        scheduleCheck()
    }

    func pingAcked() { pingSentNanos = 0 }

    /// RST_STREAM(CANCEL) for each stream that has waited on the peer for the stream progress
    /// timeout (see `ServerStream.isWaitingOnPeer`); closing it cancels its handler.
    private func resetStalledStreams(now: UInt64) {
        var reset = false
        for s in streams where !s.progressTimedOut && s.isWaitingOnPeer
            && now &- s.lastProgressNanos >= shared.streamProgressTimeoutNanos {
            s.progressTimedOut = true
            nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), s.id, UInt32(NGHTTP2_CANCEL.rawValue))
            reset = true
        }
        if reset { markDirty() }
    }

    /// Counts a RST_STREAM from the client; too many in the window → GOAWAY(ENHANCE_YOUR_CALM).
    func resetReceived() {
        let now = MonotonicClock.nanoseconds()
        if now &- resetWindowStart > shared.resetWindowNanos {
            resetWindowStart = now
            resetCount = 0
        }
        resetCount += 1
        if resetCount > shared.config.maxResetsPerWindow {
            nghttp2_session_terminate_session(session, UInt32(NGHTTP2_ENHANCE_YOUR_CALM.rawValue))
            wantClose = true
        }
    }

    // ---- streams -------------------------------------------------------------------------------

    func streamOpened(_ id: Int32) -> ServerStream {
        let s: ServerStream
        if let free = freeStreams.popLast() {
            free.reuse(as: id)
            s = free
        } else {
            s = ServerStream(id: id, conn: self, maxMessageSize: shared.config.maxReceiveMessageSize)
        }
        s.index = streams.count
        s.lastProgressNanos = lastReadNanos
        cachedStream = s
        streams.append(s)
        nghttp2_session_set_stream_user_data(session, id, Unmanaged.passUnretained(s).toOpaque())
        lastStreamActivityNanos = MonotonicClock.nanoseconds()
        return s
    }

    func stream(_ id: Int32) -> ServerStream? {
        if let c = cachedStream, c.id == id, !c.closed { return c }
        guard let p = nghttp2_session_get_stream_user_data(session, id) else { return nil }
        return Unmanaged<ServerStream>.fromOpaque(p).takeUnretainedValue()
    }

    func streamClosed(_ s: ServerStream, errorCode: UInt32) {
        s.streamClosed(errorCode: errorCode)
        // Only streams no handler task ever saw may be reused (a task may still hold the bridge).
        let reusable = s.isReusable
        s.bridge = nil
        let i = s.index
        let last = streams.removeLast()
        if last !== s {
            streams[i] = last
            last.index = i
        }
        if cachedStream === s { cachedStream = nil }
        if reusable && freeStreams.count < 32 { freeStreams.append(s) }
        lastStreamActivityNanos = MonotonicClock.nanoseconds()
    }

    func consume(stream id: Int32, _ n: Int) {
        if n > 0 { nghttp2_session_consume(session, id, n) }
    }

    func consumeConnection(_ n: Int) {
        if n > 0 && session != nil { nghttp2_session_consume_connection(session, n) }
    }

    func resumeData(stream id: Int32) {
        nghttp2_session_resume_data(session, id)
    }

    func submitStaticResponse(stream id: Int32) {
        _ = kg_submit_response(session, id, StaticHeaders.okResponse.nv, StaticHeaders.okResponse.count,
                               ServerCallbacks.readData)
    }

    func submitResponse(stream id: Int32, headers: HeaderList, withBody: Bool) {
        headers.withNV { nv, n in
            _ = kg_submit_response(session, id, nv, n, withBody ? ServerCallbacks.readData : nil)
        }
    }

    func submitTrailers(stream id: Int32, status: Status, trailers: Metadata) {
        if status.code == .ok && status.message.isEmpty && trailers.isEmpty {
            nghttp2_submit_trailer(session, id, StaticHeaders.okTrailers.nv, StaticHeaders.okTrailers.count)
            return
        }
        var h = HeaderList()
        h.add("grpc-status", String(status.code.rawValue))
        if !status.message.isEmpty { h.add("grpc-message", PercentEncoding.encode(status.wireMessage)) }
        h.add(metadata: trailers)
        h.withNV { nv, n in _ = nghttp2_submit_trailer(session, id, nv, n) }
    }
}
