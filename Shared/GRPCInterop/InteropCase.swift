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

/// Why a case failed, in words a person can act on.
public struct InteropFailure: Error, CustomStringConvertible, Sendable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
