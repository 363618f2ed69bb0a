/// The lifecycle of one server stream as a value: the transport reports events, the state
/// answers with what to do on the wire (after the design of grpc-swift-nio-transport's
/// `GRPCStreamStateMachine`). Holds no buffers and does no I/O, so tests drive it directly.
///
///     idle ──startResponse──▶ streaming ──finish──▶ draining ──data drained──▶ finished
///       └────────────────finish (trailers-only)──────────────────────────────────▲
///     any ──stream closed──▶ closed
///
/// Each open state also carries the request half (open until the client's END_STREAM) and,
/// while DATA is being produced, whether nghttp2 is waiting for `resumeData` (deferred).
enum ServerStreamState: Equatable {
    enum Request: Equatable { case open, ended }

    /// No response headers yet.
    case idle(Request)
    /// Response headers submitted; DATA comes from the stream's queue.
    case streaming(Request, deferred: Bool)
    /// Status decided; trailers follow the queued DATA.
    case draining(Request, deferred: Bool)
    /// Trailers (or the trailers-only block) submitted: nothing more to send.
    case finished(Request)
    /// nghttp2 closed the stream.
    case closed

    static let initial = ServerStreamState.idle(.open)

    // ---- queries -----------------------------------------------------------------------------

    var isClosed: Bool { self == .closed }

    /// True once the status is decided (or the stream closed): the call is over for the handler.
    var isFinished: Bool {
        switch self {
        case .idle, .streaming: false
        case .draining, .finished, .closed: true
        }
    }

    /// True once response headers (or trailers-only) were submitted.
    var responseStarted: Bool {
        if case .idle = self { return false }
        return true
    }

    /// True when the client has half-closed (a closed stream counts as ended).
    var requestEnded: Bool {
        switch self {
        case .idle(let r), .streaming(let r, _), .draining(let r, _), .finished(let r): r == .ended
        case .closed: true
        }
    }

    // ---- events ------------------------------------------------------------------------------

    enum RequestEndAction: Equatable {
        /// Already ended (or closed): nothing to do.
        case ignore
        /// First END_STREAM while the call runs: deliver the end of the request (or start an
        /// inline / one-message call).
        case deliver
        /// First END_STREAM after the status was decided: only remember it.
        case remember
    }

    /// The client's END_STREAM arrived.
    mutating func requestEnd() -> RequestEndAction {
        switch self {
        case .idle(.open): self = .idle(.ended); return .deliver
        case .streaming(.open, let d): self = .streaming(.ended, deferred: d); return .deliver
        case .draining(.open, let d): self = .draining(.ended, deferred: d); return .remember
        case .finished(.open): self = .finished(.ended); return .remember
        default: return .ignore
        }
    }

    enum EnqueueAction: Equatable {
        /// The call is over: drop the message.
        case drop
        /// Queue it after submitting the response headers (the first message).
        case submitHeaders
        /// Queue it and wake nghttp2's deferred data source.
        case resumeData
        /// Queue it; nghttp2 will ask for it.
        case queue
    }

    /// The handler produced a response message.
    mutating func enqueueMessage() -> EnqueueAction {
        switch self {
        case .idle(let r): self = .streaming(r, deferred: false); return .submitHeaders
        case .streaming(let r, true): self = .streaming(r, deferred: false); return .resumeData
        case .streaming: return .queue
        case .draining, .finished, .closed: return .drop
        }
    }

    /// Response headers for a message queued outside `enqueueMessage` (the inline path).
    /// True when headers must be submitted.
    mutating func startResponse() -> Bool {
        guard case .idle(let r) = self else { return false }
        self = .streaming(r, deferred: false)
        return true
    }

    enum FinishAction: Equatable {
        /// Already finished or closed.
        case ignore
        /// Nothing was sent: submit one trailers-only header block.
        case submitTrailersOnly
        /// Trailers go after the queued DATA; wake the data source if it waits (`resume`).
        case drain(resume: Bool)
    }

    /// The call's status is decided (handler returned or threw, deadline, bad request).
    mutating func finish() -> FinishAction {
        switch self {
        case .idle(let r): self = .finished(r); return .submitTrailersOnly
        case .streaming(let r, let d): self = .draining(r, deferred: false); return .drain(resume: d)
        case .draining, .finished, .closed: return .ignore
        }
    }

    /// nghttp2 asked for DATA; `copied` bytes were taken from the queue, `drained` is whether
    /// it is now empty. `.end` once the queue is drained and the status decided: DATA ends
    /// without END_STREAM and the trailers follow.
    mutating func dataRequested(copied: Int, drained: Bool) -> DataSourceAction {
        switch self {
        case .streaming(let r, _):
            if copied == 0 && drained { self = .streaming(r, deferred: true); return .deferData }
            return .send
        case .draining(let r, _):
            if drained { self = .finished(r); return .end }
            return .send
        case .idle, .finished, .closed:
            return copied == 0 ? .deferData : .send
        }
    }

    /// nghttp2 closed the stream. True when the status had not been decided (the handler must
    /// be told the call is over).
    mutating func close() -> Bool {
        let wasFinished = isFinished
        self = .closed
        return !wasFinished
    }
}
