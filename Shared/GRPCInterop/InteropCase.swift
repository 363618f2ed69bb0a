/// The gRPC interop client cases KGRec runs (grpc/grpc doc/interop-test-descriptions.md), by
/// their spec names.
public enum InteropCase: String, CaseIterable, Sendable {
    case emptyUnary = "empty_unary"
    case largeUnary = "large_unary"
    case clientStreaming = "client_streaming"
    case serverStreaming = "server_streaming"
    case pingPong = "ping_pong"
    case emptyStream = "empty_stream"
    case timeoutOnSleepingServer = "timeout_on_sleeping_server"
    case cancelAfterBegin = "cancel_after_begin"
    case cancelAfterFirstResponse = "cancel_after_first_response"
    case statusCodeAndMessage = "status_code_and_message"
    case specialStatusMessage = "special_status_message"
    case customMetadata = "custom_metadata"
    case unimplementedMethod = "unimplemented_method"
    case unimplementedService = "unimplemented_service"
}

/// Why a case failed: what kind of failure (`code`), in words a person can act on (`reason`).
public struct InteropFailure: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable { case wrongResponse, wrongStatus, unexpectedSuccess, callFailed }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// A response (payload, sizes, metadata, final status of a stream) is not what the case expects.
        public static let wrongResponse = Code(.wrongResponse)
        /// The call failed as expected, but with another code or message.
        public static let wrongStatus = Code(.wrongStatus)
        /// The call succeeded where the case expects it to fail.
        public static let unexpectedSuccess = Code(.unexpectedSuccess)
        /// The call failed where the case expects it to succeed (`cause`: the error).
        public static let callFailed = Code(.callFailed)

        public var description: String { "\(value)" }
    }

    public let code: Code
    public let reason: String
    /// The error behind a `.callFailed` (an `RPCError` for an unexpected status).
    public let cause: (any Error)?

    public init(_ code: Code, _ reason: String, cause: (any Error)? = nil) {
        self.code = code
        self.reason = reason
        self.cause = cause
    }

    public var description: String { reason }
}
