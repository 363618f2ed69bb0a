import GRPCCore
import Synchronization

/// One client RPC (any shape). The caller side (`send`, `closeSend`, `receive`, `cancel`,
/// metadata and status accessors) is thread-safe and may suspend; the stream side (`loop*`
/// members) runs only on the connection's event loop. Messages, send window and their waits
/// are the shared `CallPipe` (as for server handlers); the request half's lifecycle is the
/// value `ClientSendState`, whose actions the loop side performs.
final class ClientCall: CallPipeOwner, @unchecked Sendable {
    private struct State {
        var pipe = CallPipe()
        var initialMetadata: Metadata?
        var status: Status?
        var trailers = Metadata()
        var headerWaiters: [CheckedContinuation<Metadata, Error>] = []
        var statusWaiters: [CheckedContinuation<Void, Never>] = []
        /// The caller closed the request (`closeSend`, `sendOnly`): a later `send` throws. The
        /// caller's view, set at once; the loop's `requestState` follows when its event runs.
        var sendClosed = false
    }

    let method: MethodDescriptor
    let options: CallOptions
    let deadline: UInt64
    let maxReceive: Int
    let maxSend: Int
    let maxOutstanding: Int
    let maxInbound: Int
    let connection: ClientConnection
    private let state = Mutex(State())

    // ---- loop-only -----------------------------------------------------------------------------
    var streamID: Int32 = -1
    var index = -1
    var out = OutboundBuffer()
    /// The request half: before the stream, open (deferred or not), half-closed, over.
    private(set) var requestState = ClientSendState.initial
    /// True once the call is over (status, cancel, deadline, reset, connection lost).
    var finished: Bool { requestState.isClosed }
    var deframer: MessageDeframer
    var timer: LoopTimer?
    var responseHeaders = Metadata()
    var httpStatus = 0
    var contentTypeOK = false
    var sawGRPCStatus: StatusCode?
    var grpcMessage = ""
    var headerBytes = 0
    let maxHeaderBytes: Int
    var queuedInbound = 0
    var pendingConsume = 0

    init(method: MethodDescriptor, options: CallOptions, config: ClientConfig, connection: ClientConnection) {
        self.method = method
        self.options = options
        self.connection = connection
        maxReceive = options.maxReceiveMessageSize ?? config.maxReceiveMessageSize
        maxSend = options.maxSendMessageSize ?? config.maxSendMessageSize
        maxOutstanding = config.maxBufferedRequestBytesPerCall
        maxInbound = config.maxBufferedResponseBytesPerCall
        maxHeaderBytes = config.maxResponseHeaderListSize
        deadline = options.timeout.map { MonotonicClock.deadline(after: max(1, MonotonicClock.nanoseconds(of: $0))) } ?? 0
        deframer = MessageDeframer(maxMessageSize: maxReceive)
    }

    func withPipe<R: Sendable>(_ body: (inout CallPipe) -> R) -> R { state.withLock { body(&$0.pipe) } }

    // ---- caller side ---------------------------------------------------------------------------

    func start() {
        connection.loop.execute { self.connection.startCall(self) }
    }

    /// Queues one request message, waiting while the send window is full. Throws
    /// FAILED_PRECONDITION with a `ClientSendStateError` `sendAfterClose` as cause once the
    /// caller closed the request (the call goes on: its responses still arrive).
    func send(_ payload: [UInt8]) async throws {
        if state.withLock({ $0.sendClosed }) {
            let e = ClientSendStateError(.sendAfterClose, "a message was sent after the request was closed")
            throw RPCError(.failedPrecondition, e.message, cause: e)
        }
        if payload.count > maxSend {
            let e = RPCError(.resourceExhausted,
                             "request message of \(payload.count) bytes exceeds the limit of \(maxSend) bytes")
            cancel(with: e.status)
            throw e
        }
        let n = payload.count + MessageFramer.prefixLength
        let limit = maxOutstanding
        let mustWait = try state.withLock { s throws(RPCError) in try s.pipe.reserveSend(n, limit: limit) }
        connection.loop.execute { self.loopEnqueue(payload) }
        if mustWait {
            try await withTaskCancellationHandler {
                try await waitForSendWindow(limit: limit)
            } onCancel: { self.cancel() }
        }
    }

    /// Queues one message and half-closes without waiting (the single request of unary and
    /// server-streaming calls).
    func sendOnly(_ payload: [UInt8]) {
        if payload.count > maxSend {
            return cancel(with: Status(code: .resourceExhausted,
                                       message: "request message of \(payload.count) bytes exceeds the limit of \(maxSend) bytes"))
        }
        // The window only counts here (nothing waits on it): a finished call drops the message.
        _ = try? state.withLock { s throws(RPCError) in
            s.sendClosed = true
            return try s.pipe.reserveSend(payload.count + MessageFramer.prefixLength, limit: .max)
        }
        connection.loop.execute {
            self.loopEnqueue(payload)
            self.loopCloseSend()
        }
    }

    func closeSend() {
        state.withLock { $0.sendClosed = true }
        connection.loop.execute { self.loopCloseSend() }
    }

    /// Next response payload; nil once the call ended OK; throws the status otherwise.
    func receive() async throws -> [UInt8]? {
        let m: [UInt8]? = try await withTaskCancellationHandler {
            try await receiveFromPipe()
        } onCancel: { self.cancel() }
        if let m {
            let n = m.count + MessageFramer.prefixLength
            connection.loop.execute { self.loopTook(n) }
        }
        return m
    }

    /// Response headers (custom entries); empty for a trailers-only response. Throws the call's
    /// error if it failed before any headers.
    func initialMetadata() async throws -> Metadata {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Metadata, Error>) in
            let r = state.withLock { s -> Result<Metadata, Error>? in
                if let m = s.initialMetadata { return .success(m) }
                if let st = s.status {
                    return st.isOK ? .success(Metadata()) : .failure(RPCError(status: st, metadata: s.trailers))
                }
                s.headerWaiters.append(c)
                return nil
            }
            if let r { c.resume(with: r) }
        }
    }

    /// Waits for the end of the call: its status and trailing metadata.
    func finalStatus() async -> (Status, Metadata) {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let done = state.withLock { s -> Bool in
                if s.status != nil { return true }
                s.statusWaiters.append(c)
                return false
            }
            if done { c.resume() }
        }
        return state.withLock { ($0.status!, $0.trailers) }
    }

    func cancel(with status: Status = Status(code: .cancelled, message: "cancelled by the client")) {
        connection.loop.execute { self.loopCancel(status) }
    }

    // ---- loop side -----------------------------------------------------------------------------

    /// nghttp2 accepted the request headers as stream `id`.
    func loopStreamOpened(_ id: Int32) {
        streamID = id
        // Cannot throw: the connection opens streams only for calls still idle (not finished).
        try? requestState.streamOpened()
    }

    func loopEnqueue(_ payload: [UInt8]) {
        // `send` refuses a message after closeSend; one racing a closeSend from another task
        // (`sendAfterClose` here) is dropped, like one after the call ended.
        guard let action = try? requestState.enqueue() else { return }
        switch action {
        case .drop: return
        case .queue: out.appendMessage(payload)
        case .queueAndResume:
            out.appendMessage(payload)
            connection.resumeData(streamID)
        }
    }

    func loopCloseSend() {
        if requestState.closeSend() == .resume { connection.resumeData(streamID) }
    }

    func loopTook(_ n: Int) {
        queuedInbound -= n
        if pendingConsume > 0 && queuedInbound <= maxInbound && streamID > 0 && !finished {
            connection.consume(streamID, pendingConsume)
            pendingConsume = 0
        }
    }

    func loopCancel(_ status: Status) {
        if finished { return }
        if requestState.hasOpenStream { connection.resetStream(streamID, code: .cancel) }
        loopFinish(status, trailers: Metadata())
    }

    func loopDeadline() {
        timer = nil
        loopCancel(Status(code: .deadlineExceeded, message: "deadline exceeded"))
    }

    /// DATA for the request body; same contract as the server's data source.
    func loopReadData(into buf: UnsafeMutablePointer<UInt8>, length: Int) -> DataSourceRead {
        let n = out.read(into: buf, length: length)
        if n > 0 { pipeDidSend(n, limit: maxOutstanding) }
        do {
            switch try requestState.dataRequested(copied: n, drained: out.isEmpty) {
            case .send: return .bytes(n)
            case .deferData: return .deferred
            case .end: return .end(n, endStream: true)
            }
        } catch {
            return n > 0 ? .bytes(n) : .deferred   // `noStream`: nghttp2 asks only for open streams
        }
    }

    func loopData(_ bytes: UnsafeRawBufferPointer) {
        if finished { connection.consume(streamID, bytes.count); return }
        deframer.append(bytes)
        do {
            while let m = try deframer.next() {
                queuedInbound += m.count + MessageFramer.prefixLength
                deliverToPipe(m)
            }
        } catch {
            connection.consume(streamID, bytes.count)
            return loopCancel(error.status)
        }
        if queuedInbound <= maxInbound { connection.consume(streamID, bytes.count) } else { pendingConsume += bytes.count }
    }

    /// The response header block ended (not trailers).
    func loopHeadersDone(endStream: Bool) {
        if finished { return }
        if let code = sawGRPCStatus {
            // Trailers-only response.
            return loopFinish(Status(code: code, message: grpcMessage), trailers: responseHeaders)
        }
        if httpStatus != 200 {
            return loopFinish(Self.statusForHTTP(httpStatus), trailers: Metadata())
        }
        if !contentTypeOK {
            return loopFinish(Status(code: .unknown, message: "response content-type is not application/grpc"),
                              trailers: Metadata())
        }
        let headers = responseHeaders
        responseHeaders = Metadata()
        let waiters = state.withLock { s -> [CheckedContinuation<Metadata, Error>] in
            s.initialMetadata = headers
            defer { s.headerWaiters = [] }
            return s.headerWaiters
        }
        for w in waiters { w.resume(returning: headers) }
        if endStream {
            loopFinish(Status(code: .internal, message: "server ended the stream without a status"), trailers: Metadata())
        }
    }

    func loopTrailersDone() {
        if finished { return }
        if deframer.hasPartialMessage {
            return loopFinish(Status(code: .internal, message: "stream ended in the middle of a message"), trailers: responseHeaders)
        }
        guard let code = sawGRPCStatus else {
            return loopFinish(Status(code: .unknown, message: "trailers without grpc-status"), trailers: responseHeaders)
        }
        loopFinish(Status(code: code, message: grpcMessage), trailers: responseHeaders)
    }

    func loopStreamClosed(errorCode: UInt32) {
        if pendingConsume > 0 { connection.consumeConnection(pendingConsume); pendingConsume = 0 }
        if finished { return }
        let code: StatusCode
        let message: String
        switch HTTP2ErrorCode(rawValue: errorCode) {
        case .refusedStream: (code, message) = (.unavailable, "stream refused by the server")
        case .cancel: (code, message) = (.cancelled, "stream cancelled by the server")
        case .enhanceYourCalm: (code, message) = (.resourceExhausted, "server sent ENHANCE_YOUR_CALM")
        case .noError: (code, message) = (.internal, "stream closed without a status")
        default: (code, message) = (.internal, "stream reset by the server (HTTP/2 error \(errorCode))")
        }
        let kind: TransportError.Code = errorCode == HTTP2ErrorCode.refusedStream.rawValue ? .streamRefused : .streamReset
        loopFinish(Status(code: code, message: message), trailers: Metadata(),
                   cause: TransportError(kind, message, http2ErrorCode: errorCode))
    }

    /// Ends the call with `status`; `cause` (a `TransportError`) says why when the transport,
    /// not the server, ended it.
    func loopFinish(_ status: Status, trailers: Metadata, cause: (any Error)? = nil) {
        guard requestState.finish() else { return }
        timer?.isCancelled = true
        timer = nil
        let err = RPCError(status: status, metadata: trailers, cause: cause)
        let sendError = status.isOK ? RPCError(.internal, "call already finished") : err
        let (r, sw, hs, ss) = state.withLock { s in
            s.status = status
            s.trailers = trailers
            let (r, w) = s.pipe.close(receive: status.isOK ? .end : .failure(err), send: sendError)
            defer { s.headerWaiters = []; s.statusWaiters = [] }
            return (r, w, s.headerWaiters, s.statusWaiters)
        }
        if let r { status.isOK ? r.resume(returning: nil) : r.resume(throwing: err) }
        for h in hs { status.isOK ? h.resume(returning: Metadata()) : h.resume(throwing: err) }
        for s in ss { s.resume() }
        sw?.resume(throwing: sendError)
    }

    /// gRPC's HTTP → status mapping for non-200 responses without grpc-status.
    static func statusForHTTP(_ code: Int) -> Status {
        let c: StatusCode
        switch code {
        case 400: c = .internal
        case 401: c = .unauthenticated
        case 403: c = .permissionDenied
        case 404: c = .unimplemented
        case 429, 502, 503, 504: c = .unavailable
        default: c = .unknown
        }
        return Status(code: c, message: "HTTP status \(code)")
    }
}
