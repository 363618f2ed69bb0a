/// A registered method, type-erased to bytes for the transport.
public enum MethodHandler: Sendable {
    /// Unary, run inline on the event loop thread that read the request: no thread hop. The
    /// closure gets the request payload (valid only during the call) and returns the response
    /// payload. For CPU-light, never-blocking handlers only.
    case inlineUnary(@Sendable (UnsafeRawBufferPointer, ServerContext) throws -> [UInt8])
    /// Unary, tried inline on the event loop first (as `inlineUnary`); when the inline closure
    /// returns nil (it would have to wait or compute long: a cache miss, a big scan), the same
    /// request runs as the task closure instead, exactly like `task(.unary, …)`. The inline
    /// closure must not block and must leave no effect behind when it returns nil.
    case inlineUnaryOrTask(@Sendable (UnsafeRawBufferPointer, ServerContext) throws -> [UInt8]?,
                           @Sendable (any ServerCallIO, ServerContext) async throws -> Void)
    /// Any shape, run as a Swift task. The transport sends trailers when the closure returns
    /// (OK plus `context.trailingMetadata`) or throws (`RPCError` → its status; others → UNKNOWN).
    case task(CallShape, @Sendable (any ServerCallIO, ServerContext) async throws -> Void)

    public enum CallShape: Sendable, Equatable {
        case unary, serverStreaming, clientStreaming, bidiStreaming
    }

    public var shape: CallShape {
        switch self {
        case .inlineUnary, .inlineUnaryOrTask: return .unary
        case .task(let s, _): return s
        }
    }
}
