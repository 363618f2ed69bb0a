/// The error of one RPC: thrown by handlers to end a call with a status, and by client calls
/// when the server ends one with a non-OK status.
public struct RPCError: Error, Hashable, Sendable, CustomStringConvertible {
    public var code: StatusCode
    public var message: String
    /// Trailing metadata sent with (or received with) the status.
    public var metadata: Metadata

    public init(_ code: StatusCode, _ message: String, metadata: Metadata = Metadata()) {
        self.code = code
        self.message = message
        self.metadata = metadata
    }

    public init(status: Status, metadata: Metadata = Metadata()) {
        self.init(status.code, status.message, metadata: metadata)
    }

    public var status: Status { Status(code: code, message: message) }

    public var description: String { "RPCError(\(status))" }
}
