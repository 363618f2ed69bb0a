import GRPCCore

/// One request stream on a server connection. Loop thread only. Collects and validates the
/// request headers, runs the call (inline or as a task), and produces the response: headers,
/// framed messages through the data source, then trailers (or one trailers-only block).
final class ServerStream {
    var id: Int32
    unowned let conn: ServerConnection
    /// The connection's, held here too: reaching it through `conn` (unowned) would cost a
    /// checked retain and a release per access, several per header field.
    let shared: ServerShared
    /// Position in the connection's stream list (for O(1) removal).
    var index = 0

    // ---- request headers ---------------------------------------------------------------------
    var head = RequestHead()

    // ---- call ---------------------------------------------------------------------------------------
    var deframer: MessageDeframer
    var context: ServerContext?
    var bridge: ServerCallBridge?
    var task: Task<Void, Never>?
    var deadlineTimer: LoopTimer?
    /// Where the stream is in its lifecycle (request half, response phase, deferral).
    var state = ServerStreamState.initial
    /// Request bytes handed to the handler's queue and not yet taken by it.
    var queuedInbound = 0
    /// Received bytes whose flow-control credit we are holding back.
    var pendingConsume = 0
    /// This stream's request bytes counted in the connection's `bufferedRequestBytes`: its
    /// deframer (partial messages included) plus its handler's queue.
    private var accountedInbound = 0

    // ---- response -----------------------------------------------------------------------------------
    var out = OutboundBuffer()
    var finalStatus = Status.ok
    var finalTrailers = Metadata()
    /// When the peer last moved this stream on: a frame received on it, or DATA it let us send.
    var lastProgressNanos: UInt64 = 0
    /// RST_STREAM(CANCEL) was submitted for lack of progress.
    var progressTimedOut = false

    init(id: Int32, conn: ServerConnection, maxMessageSize: Int) {
        self.id = id
        self.conn = conn
        self.shared = conn.shared
        self.deframer = MessageDeframer(maxMessageSize: maxMessageSize)
    }

    deinit { deadlineTimer?.isCancelled = true }

    /// Makes a finished inline stream reusable for `newID` (the connection pools them so the
    /// hot path allocates no stream object and reuses the message buffers).
    func reuse(as newID: Int32) {
        id = newID
        head = RequestHead()
        deframer.reset()
        context = nil
        bridge = nil
        task = nil
        deadlineTimer = nil
        state = .initial
        queuedInbound = 0
        pendingConsume = 0
        out.reset(maxRetainedCapacity: MessageDeframer.maxRetainedCapacity)
        finalStatus = .ok
        finalTrailers = Metadata()
        progressTimedOut = false
    }

    /// True while only the peer can move this stream on: response bytes are queued that its
    /// flow-control window holds back, or its request is still open and nothing of it is waiting
    /// on us (no queued messages, no credit we hold back). A handler that computes, or that has
    /// not taken its messages yet, is not waiting on the peer.
    var isWaitingOnPeer: Bool {
        if state.isClosed { return false }
        if !out.isEmpty { return true }
        return !state.requestEnded && queuedInbound == 0 && pendingConsume == 0
    }

    /// True when nothing outside the connection can still reach this stream.
    var isReusable: Bool { bridge == nil && task == nil && deframer.bufferedBytes <= 64 << 10 }

    // ---- request side -----------------------------------------------------------------------------

    /// One request header field.
    func headerReceived(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        head.add(name: name, value: value, router: shared.router, maxHeaderListSize: shared.config.maxHeaderListSize)
    }

    /// The request headers are complete: validate them and start the call.
    func headersComplete() {
        let route: RPCRouter.Route
        switch head.verdict(maxHeaderListSize: shared.config.maxHeaderListSize) {
        case .reject(let httpStatus, let status):
            return httpStatus == 200 ? finish(status) : finishHTTP(status: String(httpStatus), status)
        case .accept(let r):
            route = r
        }
        let deadline = head.timeoutNanos == 0 ? 0 : MonotonicClock.deadline(after: head.timeoutNanos)
        let ctx = ServerContext(method: route.method, requestMetadata: head.metadata, peer: conn.peer,
                                deadlineNanoseconds: deadline)
        context = ctx
        guard case .task(let shape, _) = route.handler else { return }
        if deadline != 0 {
            // Already expired (e.g. `grpc-timeout: 1n`): answer now, as the inline unary path does,
            // instead of racing the handler's task against the timer's first loop turn.
            if MonotonicClock.nanoseconds() >= deadline {
                return finish(Status(code: .deadlineExceeded, message: "deadline exceeded before the handler ran"))
            }
            scheduleDeadline(deadline)
        }
        // A unary or server-streaming handler can do nothing before its one request message, so
        // it starts when the request is complete (`requestComplete`), like an inline one.
        if shape == .unary || shape == .serverStreaming { return }
        startOrDefer()
    }

    /// Starts the call's work now, or later if the connection holds more unsent output than its
    /// budget: a peer that does not read what it already asked for gets no new work started.
    private func startOrDefer() {
        if conn.outputOverBudget { return conn.deferWork(self) }
        startDeferredWork()
    }

    /// Starts the call's work held back by `ServerConnection.deferWork` (or not held back): the
    /// task handler, or an inline unary handler whose request is complete. Loop thread only.
    func startDeferredWork() {
        guard !state.isFinished, let route = head.route, let ctx = context else { return }
        switch route.handler {
        case .task(_, let body):
            guard task == nil && bridge == nil else { return }
            startTask(body, context: ctx)
            if !state.isFinished && (deframer.bufferedBytes > 0 || state.requestEnded) { deliverBuffered() }
        case .inlineUnary(let handler):
            if state.requestEnded { runInline(handler, ctx) }
        case .inlineUnaryOrTask(let handler, let body):
            if state.requestEnded && task == nil && bridge == nil { runInline(handler, ctx, orTask: body) }
        }
    }

    /// `unowned`, not `weak` (see `ServerConnection.deinit`): `finish`, `streamClosed` and
    /// `deinit` cancel the timer.
    private func scheduleDeadline(_ deadline: UInt64) {
        deadlineTimer = conn.loop.schedule(at: deadline) { [unowned self] in deadlineExpired() }
    }

    private func startTask(_ body: @escaping @Sendable (any ServerCallIO, ServerContext) async throws -> Void,
                           context ctx: ServerContext) {
        let config = shared.config
        let loop = conn.loop
        let bridge = ServerCallBridge(loop: loop, stream: self,
                                      maxOutstanding: config.maxBufferedResponseBytesPerStream,
                                      maxSendMessageSize: config.maxSendMessageSize)
        self.bridge = bridge
        task = Task {
            var status = Status.ok
            var trailers = Metadata()
            do {
                try await body(bridge, ctx)
                trailers = ctx.trailingMetadata
            } catch let e as RPCError {
                status = e.status
                trailers = ctx.trailingMetadata
                for (k, v) in e.metadata { trailers.add(k, value: v) }
            } catch is CancellationError {
                status = Status(code: .cancelled, message: "handler cancelled")
            } catch {
                status = Status(code: .unknown, message: "\(error)")
            }
            let initial = ctx.initialMetadata
            let stream = bridge.stream
            loop.execute { stream.handlerFinished(status, trailers: trailers, initialMetadata: initial) }
        }
    }

    /// Request DATA bytes arrived.
    func receiveData(_ bytes: UnsafeRawBufferPointer) {
        let n = bytes.count
        lastProgressNanos = conn.lastReadNanos
        if state.isFinished || head.route == nil {
            conn.consume(stream: id, n)
            return
        }
        deframer.append(bytes)
        syncInbound()
        let limit = shared.config.maxBufferedRequestBytesPerConnection
        if conn.bufferedRequestBytes > limit {
            deframer.reset()
            syncInbound()
            conn.consume(stream: id, n + pendingConsume)
            pendingConsume = 0
            return failWithError(RPCError(.resourceExhausted, "the connection buffers more than \(limit) request bytes "
                                          + "(partial messages included); send fewer or smaller messages at once"))
        }
        defer { syncInbound() }
        if bridge != nil {
            pendingConsume += n
            deliverBuffered()
        } else if case .task(let shape, _) = head.route?.handler, shape == .clientStreaming || shape == .bidiStreaming {
            pendingConsume += n   // its handler waits for the connection's output to drain
        } else {
            // One-message calls not started yet (inline, unary / server-streaming task): credit
            // goes back at once; what we buffer is bounded by one message.
            conn.consume(stream: id, n)
            do {
                if let length = try deframer.peekMessageLength(),
                   deframer.bufferedBytes > length + MessageFramer.prefixLength {
                    throw RPCError(.internal, "expected one request message, got more")
                }
            } catch {
                failWithError(error)
            }
        }
    }

    /// Hands the complete messages buffered in the deframer to the handler's queue (and the end
    /// of the request once it came), returning their credit while the queue is under the limit.
    private func deliverBuffered() {
        guard let bridge else { return }
        do {
            while let m = try deframer.next() {
                queuedInbound += m.count + MessageFramer.prefixLength
                bridge.deliver(m)
            }
        } catch {
            conn.consume(stream: id, pendingConsume)
            pendingConsume = 0
            return failWithError(error)
        }
        if queuedInbound <= shared.config.maxBufferedRequestBytesPerStream {
            conn.consume(stream: id, pendingConsume)
            pendingConsume = 0
        }
        syncInbound()
        if state.requestEnded && !state.isFinished {
            if deframer.hasPartialMessage {
                return failWithError(RPCError(.internal, "stream ended in the middle of a message"))
            }
            bridge.deliverEnd()
        }
    }

    /// Brings the connection's request-byte total up to date with this stream's.
    private func syncInbound() {
        let now = state.isClosed ? 0 : deframer.bufferedBytes + queuedInbound
        conn.bufferedRequestBytes += now - accountedInbound
        accountedInbound = now
    }

    /// The handler took `n` request bytes off its queue: release held-back credit. A closed
    /// stream has settled its accounting (`streamClosed`), and its connection may be gone (a
    /// task outlives it), so nothing is left to do.
    func handlerTook(bytes n: Int) {
        guard !state.isClosed else { return }
        queuedInbound -= n
        syncInbound()
        if pendingConsume > 0, !state.isClosed,
           queuedInbound <= shared.config.maxBufferedRequestBytesPerStream {
            conn.consume(stream: id, pendingConsume)
            pendingConsume = 0
            conn.markDirty()
        }
    }

    /// The client half-closed (END_STREAM).
    func requestComplete() {
        switch state.requestEnd() {
        case .ignore: return
        case .remember: lastProgressNanos = conn.lastReadNanos; return
        case .deliver: lastProgressNanos = conn.lastReadNanos
        }
        if bridge != nil { return deliverBuffered() }
        guard head.route != nil, context != nil else { return }
        startOrDefer()
    }

    private func runInline(_ handler: (UnsafeRawBufferPointer, ServerContext) throws -> [UInt8],
                           _ ctx: ServerContext) {
        runInline({ try handler($0, $1) }, ctx, orTask: nil)
    }

    /// Runs an inline unary handler on its one request message and answers; when the handler
    /// returns nil, the call goes to `task` instead with a copy of that message (and the deadline
    /// timer a task call has).
    private func runInline(_ handler: (UnsafeRawBufferPointer, ServerContext) throws -> [UInt8]?,
                           _ ctx: ServerContext,
                           orTask task: (@Sendable (any ServerCallIO, ServerContext) async throws -> Void)?) {
        do {
            guard let length = try deframer.peekMessageLength() else {
                throw deframer.hasPartialMessage
                    ? RPCError(.internal, "stream ended in the middle of a message")
                    : RPCError(.internal, "expected one request message, got none")
            }
            if deframer.bufferedBytes != length + MessageFramer.prefixLength {
                throw RPCError(.internal, "expected one request message, got more")
            }
            if ctx.deadlineNanoseconds != 0 && MonotonicClock.nanoseconds() >= ctx.deadlineNanoseconds {
                throw RPCError(.deadlineExceeded, "deadline exceeded before the handler ran")
            }
            var request: [UInt8] = []
            let answer = try deframer.withNext { bytes in
                let r = try handler(bytes, ctx)
                if r == nil { request = Array(bytes) }
                return r
            }!
            syncInbound()
            guard let response = answer else {
                guard let task else { throw RPCError(.internal, "inline handler gave no answer") }
                if ctx.deadlineNanoseconds != 0 { scheduleDeadline(ctx.deadlineNanoseconds) }
                startTask(task, context: ctx)
                queuedInbound += request.count + MessageFramer.prefixLength
                bridge?.deliver(request)
                bridge?.deliverEnd()
                syncInbound()
                return
            }
            let maxSend = shared.config.maxSendMessageSize
            if response.count > maxSend {
                throw RPCError(.resourceExhausted,
                               "response message of \(response.count) bytes exceeds the limit of \(maxSend) bytes")
            }
            out.appendMessage(response)
            if state.startResponse() { submitResponseHeaders(initialMetadata: ctx.initialMetadata) }
            finish(.ok, trailers: ctx.trailingMetadata)
        } catch {
            var trailers = ctx.trailingMetadata
            if let e = error as? RPCError { for (k, v) in e.metadata { trailers.add(k, value: v) } }
            finish(Self.status(of: error), trailers: trailers, initialMetadata: ctx.initialMetadata)
        }
    }

    static func status(of error: Error) -> Status {
        if let e = error as? RPCError { return e.status }
        return Status(code: .unknown, message: "\(error)")
    }

    private func failWithError(_ error: Error) {
        let status = Self.status(of: error)
        finish(status)
        cancelHandler(RPCError(status: status))
    }

    // ---- response side ---------------------------------------------------------------------------

    /// A message from the handler task (already size-checked by the bridge).
    func enqueue(payload: [UInt8], initialMetadata: Metadata) {
        switch state.enqueueMessage() {
        case .drop: return
        case .submitHeaders:
            out.appendMessage(payload)
            submitResponseHeaders(initialMetadata: initialMetadata)
        case .resumeData:
            out.appendMessage(payload)
            conn.resumeData(stream: id)
        case .queue:
            out.appendMessage(payload)
        }
    }

    func handlerFinished(_ status: Status, trailers: Metadata, initialMetadata: Metadata) {
        task = nil
        finish(status, trailers: trailers, initialMetadata: initialMetadata)
    }

    func deadlineExpired() {
        deadlineTimer = nil
        if state.isFinished { return }
        finish(Status(code: .deadlineExceeded, message: "deadline exceeded"))
        cancelHandler(RPCError(.deadlineExceeded, "deadline exceeded"))
    }

    /// Decides the call's status: trailers-only if nothing was sent yet, else trailers after the
    /// queued messages.
    func finish(_ status: Status, trailers: Metadata = Metadata(),
                initialMetadata: Metadata = Metadata()) {
        let action = state.finish()
        if action == .ignore { return }
        deadlineTimer?.isCancelled = true
        deadlineTimer = nil
        switch action {
        case .ignore:
            return
        case .submitTrailersOnly:
            var h = HeaderList()
            h.add(":status", "200")
            h.add("content-type", "application/grpc")
            h.add("grpc-accept-encoding", "identity")
            h.add("grpc-status", String(status.code.rawValue))
            if !status.message.isEmpty { h.add("grpc-message", PercentEncoding.encode(status.wireMessage)) }
            h.add(metadata: initialMetadata)
            h.add(metadata: trailers)
            conn.submitResponse(stream: id, headers: h, withBody: false)
        case .drain(let resume):
            finalStatus = status
            finalTrailers = trailers
            if resume { conn.resumeData(stream: id) }
        }
        conn.markDirty()
    }

    /// A non-200 trailers-only response (bad method or content-type).
    private func finishHTTP(status httpStatus: String, _ status: Status) {
        guard state.finish() == .submitTrailersOnly else { return }
        var h = HeaderList()
        h.add(":status", httpStatus)
        h.add("content-type", "application/grpc")
        h.add("grpc-status", String(status.code.rawValue))
        h.add("grpc-message", PercentEncoding.encode(status.wireMessage))
        conn.submitResponse(stream: id, headers: h, withBody: false)
        conn.markDirty()
    }

    /// The response headers before the first message (the state already moved to streaming).
    private func submitResponseHeaders(initialMetadata: Metadata) {
        if initialMetadata.isEmpty {
            conn.submitStaticResponse(stream: id)
        } else {
            var h = HeaderList()
            h.add(":status", "200")
            h.add("content-type", "application/grpc")
            h.add("grpc-accept-encoding", "identity")
            h.add(metadata: initialMetadata)
            conn.submitResponse(stream: id, headers: h, withBody: true)
        }
        conn.markDirty()
    }

    /// nghttp2 asks for up to `length` DATA bytes.
    func readData(into buf: UnsafeMutablePointer<UInt8>, length: Int) -> DataSourceRead {
        let n = out.read(into: buf, length: length)
        if n > 0 {
            lastProgressNanos = MonotonicClock.nanoseconds()
            bridge?.didSend(n)
        }
        switch state.dataRequested(copied: n, drained: out.isEmpty) {
        case .send:
            return .bytes(n)
        case .deferData:
            return .deferred
        case .end:
            conn.submitTrailers(stream: id, status: finalStatus, trailers: finalTrailers)
            return .end(n, endStream: false)
        }
    }

    // ---- teardown ---------------------------------------------------------------------------------

    /// Tells the handler the call is over (RST_STREAM, deadline, connection loss, shutdown).
    func cancelHandler(_ error: RPCError) {
        context?.cancel()
        task?.cancel()
        bridge?.fail(error)
    }

    /// nghttp2 closed the stream (after our END_STREAM, or on RST_STREAM, or with the session).
    func streamClosed(errorCode: UInt32) {
        if state.isClosed { return }
        let wasRunning = state.close()
        syncInbound()
        deadlineTimer?.isCancelled = true
        deadlineTimer = nil
        if pendingConsume > 0 {
            conn.consumeConnection(pendingConsume)
            pendingConsume = 0
        }
        if wasRunning || task != nil {
            cancelHandler(RPCError(.cancelled, "the client cancelled the call"))
        }
    }
}
