/// The request half of one client call as a value: the call reports events, the state answers
/// with what to do on the wire (the client twin of `ServerStreamState`, whose data-source
/// vocabulary, `DataSourceAction`, it shares). Holds no buffers and does no I/O.
///
///     idle ──streamOpened──▶ open ──closeSend──▶ halfClosed ──queue drained──▶ END_STREAM
///       └─closeSend─▶ idle(halfClosed) ──streamOpened──▶ halfClosed
///     any ──finish (status, cancel, deadline, reset, connection lost)──▶ closed
///
/// `open` also carries whether nghttp2 waits for `resumeData` (deferred). Events that cannot
/// happen in a state throw `ClientSendStateError` and change nothing.
enum ClientSendState: Equatable {
    /// No stream yet (the connection is being set up): messages queue; `halfClosed` once the
    /// caller closed the request.
    case idle(halfClosed: Bool)
    /// The stream is open: the queue goes out as DATA.
    case open(deferred: Bool)
    /// The caller closed the request: the queue drains, then END_STREAM.
    case halfClosed
    /// The call is over: nothing more is accepted; what is queued still drains, then END_STREAM.
    case closed

    static let initial = ClientSendState.idle(halfClosed: false)

    // ---- queries -----------------------------------------------------------------------------

    /// True once the call is over.
    var isClosed: Bool { self == .closed }

    /// True while the call has a stream that is not over (a cancel resets it).
    var hasOpenStream: Bool {
        switch self {
        case .open, .halfClosed: true
        case .idle, .closed: false
        }
    }

    // ---- events ------------------------------------------------------------------------------

    /// nghttp2 accepted the request headers: the stream exists.
    mutating func streamOpened() throws(ClientSendStateError) {
        switch self {
        case .idle(let halfClosed): self = halfClosed ? .halfClosed : .open(deferred: false)
        case .open, .halfClosed: throw ClientSendStateError(.streamAlreadyOpen, "the request stream was opened twice")
        case .closed: throw ClientSendStateError(.callOver, "a stream was opened for a call that is over")
        }
    }

    /// The caller sent a message (to be queued unless the action is `.drop`).
    mutating func enqueue() throws(ClientSendStateError) -> EnqueueAction {
        switch self {
        case .idle(halfClosed: false), .open(deferred: false): return .queue
        case .open(deferred: true): self = .open(deferred: false); return .queueAndResume
        case .closed: return .drop   // the call ended first; the sender learns it from the pipe
        case .idle(halfClosed: true), .halfClosed:
            throw ClientSendStateError(.sendAfterClose, "a message was sent after the request was closed")
        }
    }

    /// The caller closed the request side (idempotent: a second close does nothing).
    mutating func closeSend() -> CloseSendAction {
        switch self {
        case .idle(halfClosed: false): self = .idle(halfClosed: true); return .none
        case .open(let deferred): self = .halfClosed; return deferred ? .resume : .none
        case .idle(halfClosed: true), .halfClosed, .closed: return .none
        }
    }

    /// nghttp2 asked for DATA; `copied` bytes were taken from the queue, `drained` is whether
    /// it is now empty.
    mutating func dataRequested(copied: Int, drained: Bool) throws(ClientSendStateError) -> DataSourceAction {
        switch self {
        case .open:
            if copied == 0 { self = .open(deferred: true); return .deferData }
            return .send
        case .halfClosed, .closed:
            return drained ? .end : .send
        case .idle:
            throw ClientSendStateError(.noStream, "DATA was requested before the stream opened")
        }
    }

    /// The call is over (status received, cancelled, deadline, stream reset, connection lost).
    /// False when it already was.
    mutating func finish() -> Bool {
        if self == .closed { return false }
        self = .closed
        return true
    }

    // ---- actions -----------------------------------------------------------------------------

    enum EnqueueAction: Equatable {
        /// Queue it; nghttp2 will ask for it (or the stream is not open yet).
        case queue
        /// Queue it and wake nghttp2's deferred data source.
        case queueAndResume
        /// The call is over: drop the message.
        case drop
    }

    enum CloseSendAction: Equatable {
        case none
        /// Wake nghttp2's deferred data source so it can end the stream.
        case resume
    }
}
