import Synchronization

/// What a handler knows about its call and what it may set on the response. One per call,
/// made by the transport. Use it from the handler only (it is not for sharing across calls).
///
/// - `requestMetadata`: the client's custom metadata (`-bin` values already base64-decoded;
///   reserved headers such as `content-type`, `te`, `grpc-timeout` are not included).
/// - `initialMetadata`: response headers; sent with the first response message, or in the
///   trailers-only response if the handler sends none. Set it before the first write.
/// - `trailingMetadata`: sent with the status in the trailers.
/// - Deadline: from the client's `grpc-timeout`. The transport ends the call with
///   DEADLINE_EXCEEDED when it passes and cancels the handler.
/// - Cancellation: `isCancelled` turns true (and `onCancel` callbacks run, and the handler's task
///   is cancelled) when the client resets the stream, the deadline passes, the connection drops,
///   or the server's shutdown grace period ends.
public final class ServerContext: @unchecked Sendable {
    public let method: MethodDescriptor
    public let requestMetadata: Metadata
    /// The client's address, `ip:port`.
    public let peer: String
    /// Monotonic deadline in nanoseconds (`MonotonicClock`), 0 = none.
    public let deadlineNanoseconds: UInt64

    public var initialMetadata = Metadata()
    public var trailingMetadata = Metadata()

    private let cancelled = Atomic<Bool>(false)
    private let callbacks = Mutex<[@Sendable () -> Void]>([])
    private let traceStorage = Mutex<TraceContext?>(nil)

    /// The server call the current task runs for, bound around handlers by the service kit's
    /// instrumented router: loggers add its trace ids, and calls made meanwhile carry them on.
    @TaskLocal public static var current: ServerContext?

    /// The call's W3C trace context: a new span continuing the request's `traceparent`, or a new
    /// trace (see `TraceContext`). Made on first use, then the same for the whole call.
    public var trace: TraceContext {
        traceStorage.withLock { stored -> TraceContext in
            if let stored { return stored }
            let made = TraceContext(serverSpanFor: requestMetadata)
            stored = made
            return made
        }
    }

    public init(method: MethodDescriptor, requestMetadata: Metadata = Metadata(), peer: String = "",
                deadlineNanoseconds: UInt64 = 0) {
        self.method = method
        self.requestMetadata = requestMetadata
        self.peer = peer
        self.deadlineNanoseconds = deadlineNanoseconds
    }

    /// Time left before the deadline (negative once passed), nil when the call has none.
    public var timeRemaining: Duration? {
        guard deadlineNanoseconds != 0 else { return nil }
        let now = MonotonicClock.nanoseconds()
        return now >= deadlineNanoseconds
            ? .nanoseconds(-Int64(clamping: now - deadlineNanoseconds))
            : .nanoseconds(Int64(clamping: deadlineNanoseconds - now))
    }

    public var isCancelled: Bool { cancelled.load(ordering: .acquiring) }

    /// Runs `body` once when the call is cancelled (at once, on this thread, if it already is).
    /// Callbacks run on the transport's event loop: keep them short and non-blocking.
    public func onCancel(_ body: @escaping @Sendable () -> Void) {
        let runNow = callbacks.withLock { list -> Bool in
            if cancelled.load(ordering: .acquiring) { return true }
            list.append(body)
            return false
        }
        if runNow { body() }
    }

    /// Marks the call cancelled and runs the callbacks. Called by the transport.
    package func cancel() {
        let list = callbacks.withLock { list -> [@Sendable () -> Void] in
            if cancelled.exchange(true, ordering: .acquiringAndReleasing) { return [] }
            defer { list = [] }
            return list
        }
        for f in list { f() }
    }
}
