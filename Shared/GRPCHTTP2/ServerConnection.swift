import GRPCCore
import KGRecPOSIX
#if canImport(Glibc)
import Glibc
#endif

/// One accepted HTTP/2 connection: its byte pipe (`ConnectionIO`), its nghttp2 server
/// session and its streams. Owned by exactly one event loop and touched only on that loop's thread.
///
/// The pump: readable → `receive` every byte read (callbacks drive the streams) → the loop
/// calls `flush` once per iteration → `mem_send` everything into one buffer → one `send`.
/// When output backs up beyond the configured limit we stop reading and stop producing until
/// the peer drains it, so a client that never reads cannot make us buffer without bound.
final class ServerConnection: LoopHandler, LoopFlushable {
    let io: ConnectionIO
    unowned let loop: EventLoop
    let shared: ServerShared
    unowned let owner: ServerLoopState
    let peer: String
    var token: UInt64 = 0
    /// Nil before `start` and after `closeNow` (releasing it frees the nghttp2 session).
    private var session: NGHTTP2Session?

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

    init(io: ConnectionIO, loop: EventLoop, shared: ServerShared, owner: ServerLoopState, peer: String) {
        self.io = io
        self.loop = loop
        self.shared = shared
        self.owner = owner
        self.peer = peer
        let now = MonotonicClock.nanoseconds()
        lastReadNanos = now
        lastStreamActivityNanos = now
    }

    /// The timers hold the connection `unowned`, never `weak`: a weak reference gives an object
    /// a side table, and then every retain and release of it (several per call) takes the
    /// runtime's slow path. `closeNow` cancels them, and so does this, whichever comes first.
    deinit {
        checkTimer?.isCancelled = true
        closeTimer?.isCancelled = true
    }

    /// Creates the session, queues our SETTINGS and starts reading. False (the socket closed,
    /// the connection forgotten) when nghttp2 cannot set up the session.
    @discardableResult
    func start() -> Bool {
        let config = shared.config
        do {
            let s = try NGHTTP2Session(.server, callbacks: ServerCallbacks.callbacks,
                                       userData: Unmanaged.passUnretained(self).toOpaque(), options: owner.options)
            try s.start(settings: [.maxConcurrentStreams(config.maxConcurrentStreams),
                                   .initialWindowSize(config.streamWindowSize),
                                   .maxHeaderListSize(config.maxHeaderListSize)],
                        connectionWindow: config.connectionWindowSize)
            session = s
        } catch {
            isClosed = true
            if case .socket(let fd) = io { close(fd) }
            shared.connectionCount.subtract(1, ordering: .relaxed)
            owner.connectionClosed(self)
            return false
        }
        if case .socket(let fd) = io { token = loop.register(fd: fd, events: .readable, handler: self) }
        scheduleCheck()
        markDirty()
        return true
    }

    /// An nghttp2 call failed: the connection cannot be trusted to make progress, so it closes
    /// after what is already queued goes out.
    private func sessionFailed(_ error: HTTP2SessionError) {
        wantClose = true
        markDirty()
    }

    // ---- I/O -------------------------------------------------------------------------------------

    func handleEvent(_ events: IOEvents) {
        if isClosed { return }
        if events.contains(.writable) { markDirty() }
        if !events.isDisjoint(with: [.readable, .error]) {
            if !readingPaused {
                readSome()
            } else if events.contains(.error) {
                closeNow()   // the peer is gone; nothing pending can be delivered
            }
        }
    }

    private func readSome() {
        guard !wantClose, case .socket(let fd) = io else { return }
        let buf = loop.readBuffer
        for _ in 0..<4 {
            let r = TCPSocket.read(fd, into: buf.baseAddress, count: buf.count)
            if r > 0 {
                receive(UnsafeRawBufferPointer(start: buf.baseAddress, count: r))
                if r < buf.count || wantClose { break }
            } else if r == 0 {
                closeNow()
                return
            } else {
                if !Syscall.wouldBlock(r) { closeNow(); return }
                break
            }
        }
        markDirty()
    }

    /// Feeds bytes from the peer to the session (the callbacks drive the streams) and schedules
    /// a flush. After a protocol error nothing more is read and the connection closes once its
    /// output is out.
    func receive(_ bytes: UnsafeRawBufferPointer) {
        guard !wantClose, let session, let base = bytes.baseAddress else { return }
        lastReadNanos = MonotonicClock.nanoseconds()
        do {
            try session.receive(base, count: bytes.count)
        } catch {
            // Bad preface, flood, protocol error: nghttp2 queued GOAWAY where it could.
            if error.isBadClientMagic { try? session.terminate(.protocolError) }
            wantClose = true
        }
        markDirty()
    }

    func markDirty() {
        if !flushScheduled && !isClosed {
            flushScheduled = true
            loop.scheduleFlush(self)
        }
    }

    /// Moves nghttp2's output into the byte pipe: one `send` per loop iteration.
    func flush() {
        flushScheduled = false
        guard !isClosed, let session else { return }
        let limit = shared.config.maxBufferedOutputBytesPerConnection
        var sessionDrained = false
        while out.count - outOffset < limit {
            let chunk: UnsafeBufferPointer<UInt8>
            do { chunk = try session.nextOutput() } catch { wantClose = true; break }
            if chunk.isEmpty { sessionDrained = true; break }
            out.append(contentsOf: chunk)
        }
        // nghttp2 ended the session itself (its GOAWAY after a connection error has gone into
        // `out`) or has nothing more to read (GOAWAY sent or received, no stream left): as when
        // we decide to close, only the last output goes out and nothing more is read.
        if !session.wantsRead { wantClose = true }
        if out.count > outOffset {
            let w = out.withUnsafeBytes { raw in
                io.send(UnsafeRawBufferPointer(rebasing: raw[outOffset...]))
            }
            if w > 0 {
                outOffset += w
            } else if w < 0 && !Syscall.wouldBlock(w) {
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
            var ev: IOEvents = []
            if !shouldPause { ev.insert(.readable) }
            if shouldPoll { ev.insert(.writable) }
            if case .socket(let fd) = io { loop.modify(fd: fd, events: ev, token: token) }
        }
        if pending > 0 && wantClose && closeTimer == nil {
            closeTimer = loop.schedule(at: MonotonicClock.nanoseconds() &+ shared.keepaliveTimeoutNanos) {
                [unowned self] in closeNow()
            }
        }
        if pending == 0 && (wantClose
            || (!session.wantsRead && !session.wantsWrite)
            || (goingAway && streams.isEmpty && !session.wantsWrite)) {
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
            s.streamClosed(errorCode: HTTP2ErrorCode.cancel.rawValue)
            s.bridge = nil
        }
        streams.removeAll()
        freeStreams.removeAll()
        deferred.removeAll()
        cachedStream = nil
        session = nil   // frees the nghttp2 session
        if case .socket(let fd) = io {
            loop.deregister(fd: fd, token: token)
            if graceful {
                LingeringSocket.start(fd: fd, loop: loop)
            } else {
                close(fd)
            }
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
            if s.id == id && !s.state.isClosed { s.startDeferredWork() }
        }
        deferred.removeFirst(i)
    }

    /// Response bytes held by this connection: pending socket output plus every stream's queue.
    var bufferedBytes: Int {
        streams.reduce(out.count - outOffset) { $0 + $1.out.count }
    }

    // ---- graceful shutdown, idle and keepalive -----------------------------------------------

    /// GOAWAY with the last stream we processed; the connection closes when its streams finish.
    func goAway() {
        guard !isClosed, !goingAway, let session else { return }
        goingAway = true
        goAwayNanos = MonotonicClock.nanoseconds()
        do { try session.submitGoAway(.noError) } catch { return closeNow() }
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
        checkTimer = loop.schedule(at: MonotonicClock.nanoseconds() &+ interval / 2 + 1) { [unowned self] in
            periodicCheck()
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
            do { try session?.submitPing() } catch { return closeNow() }
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
            resetStream(s.id, .cancel)
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
            try? session?.terminate(.enhanceYourCalm)   // closing either way
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
        do { try session?.setStreamUserData(stream: id, Unmanaged.passUnretained(s).toOpaque()) } catch {
            sessionFailed(error)
        }
        lastStreamActivityNanos = lastReadNanos   // streams open inside `receive`, which just read the clock
        return s
    }

    func stream(_ id: Int32) -> ServerStream? {
        if let c = cachedStream, c.id == id, !c.state.isClosed { return c }
        guard let p = session?.streamUserData(stream: id) else { return nil }
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
        do { try session?.consume(stream: id, n) } catch { sessionFailed(error) }
    }

    func consumeConnection(_ n: Int) {
        do { try session?.consumeConnection(n) } catch { sessionFailed(error) }
    }

    func resumeData(stream id: Int32) {
        do { try session?.resumeData(stream: id) } catch { return sessionFailed(error) }
        markDirty()
    }

    /// RST_STREAM; if even that cannot be queued the connection closes.
    func resetStream(_ id: Int32, _ code: HTTP2ErrorCode) {
        do { try session?.submitReset(stream: id, code) } catch { sessionFailed(error) }
    }

    /// A response (or trailers) nghttp2 refused would leave the stream waiting forever with its
    /// slot taken: reset it instead (the client sees RST_STREAM INTERNAL_ERROR).
    private func submitFailed(stream id: Int32) {
        resetStream(id, .internalError)
        markDirty()
    }

    func submitStaticResponse(stream id: Int32) {
        do { try session?.submitOKResponse(stream: id) } catch { submitFailed(stream: id) }
    }

    func submitResponse(stream id: Int32, headers: HeaderList, withBody: Bool) {
        do { try session?.submitResponse(stream: id, headers: headers, withBody: withBody) } catch {
            submitFailed(stream: id)
        }
    }

    func submitTrailers(stream id: Int32, status: Status, trailers: Metadata) {
        do {
            if status.code == .ok && status.message.isEmpty && trailers.isEmpty {
                try session?.submitOKTrailers(stream: id)
                return
            }
            var h = HeaderList()
            h.add("grpc-status", String(status.code.rawValue))
            if !status.message.isEmpty { h.add("grpc-message", PercentEncoding.encode(status.wireMessage)) }
            h.add(metadata: trailers)
            try session?.submitTrailers(stream: id, headers: h)
        } catch {
            submitFailed(stream: id)
        }
    }

    /// The peer's value of a setting (for tests).
    func remoteSetting(_ setting: NGHTTP2Session.Setting) -> UInt32? { session?.remoteSetting(setting) }
}
