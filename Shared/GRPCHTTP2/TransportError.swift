/// Why the transport ended a client call on its own (the connection or the stream failed, not
/// the server's handler): carried as `RPCError.cause` of the UNAVAILABLE / CANCELLED /
/// RESOURCE_EXHAUSTED / INTERNAL the call throws, so callers and tests can tell the reasons
/// apart by code instead of by message.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case connectFailed, connectTimedOut, http2Failed, keepaliveTimedOut, connectionLost,
                 connectionClosed, channelClosed, streamRefused, streamReset
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The TCP connect failed (cause: the `SystemError`).
        public static let connectFailed = Code(.connectFailed)
        /// The TCP connect did not finish within `ClientConfig.connectTimeout`.
        public static let connectTimedOut = Code(.connectTimedOut)
        /// nghttp2 could not set up the session or queue a frame (cause: its error).
        public static let http2Failed = Code(.http2Failed)
        /// A keepalive PING was not acknowledged within `ClientConfig.keepaliveTimeout`.
        public static let keepaliveTimedOut = Code(.keepaliveTimedOut)
        /// The socket failed or the peer closed it with calls open.
        public static let connectionLost = Code(.connectionLost)
        /// The HTTP/2 session ended (GOAWAY drained, or a protocol error).
        public static let connectionClosed = Code(.connectionClosed)
        /// `GRPCChannel.close` was called.
        public static let channelClosed = Code(.channelClosed)
        /// The server refused the stream (RST_STREAM REFUSED_STREAM): safe to retry.
        public static let streamRefused = Code(.streamRefused)
        /// The server reset the stream with another HTTP/2 error code (`http2ErrorCode`).
        public static let streamReset = Code(.streamReset)

        public var description: String { "\(value)" }
    }

    public let code: Code
    public let message: String
    /// The HTTP/2 error code of a stream reset (RFC 9113 §7), else nil.
    public let http2ErrorCode: UInt32?
    public let cause: (any Error)?

    public init(_ code: Code, _ message: String, http2ErrorCode: UInt32? = nil, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.http2ErrorCode = http2ErrorCode
        self.cause = cause
    }

    public var description: String { cause.map { "\(message) (\($0))" } ?? message }
}
