/// The error of one RPC: thrown by handlers to end a call with a status, and by client calls
/// when the server ends one with a non-OK status.
public struct RPCError: Error, Hashable, Sendable, CustomStringConvertible {
    public var code: StatusCode
    public var message: String
    /// Trailing metadata sent with (or received with) the status.
    public var metadata: Metadata
    /// What caused it on this side, if anything did (e.g. the decoding error behind an
    /// INTERNAL, the transport failure behind an UNAVAILABLE). Never sent on the wire; not part
    /// of equality.
    public var cause: (any Error)?

    public init(_ code: StatusCode, _ message: String, metadata: Metadata = Metadata(),
                cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.metadata = metadata
        self.cause = cause
    }

    public init(status: Status, metadata: Metadata = Metadata(), cause: (any Error)? = nil) {
        self.init(status.code, status.message, metadata: metadata, cause: cause)
    }

    public var status: Status { Status(code: code, message: message) }

    public var description: String { "RPCError(\(status))" }

    /// The error of a request message that failed to decode: INVALID_ARGUMENT if the codec threw
    /// that code, else INTERNAL, "failed to decode request: …", with the codec's error as cause.
    public static func requestDecodingFailed(_ error: any Error) -> RPCError {
        if let e = error as? RPCError {
            return RPCError(e.code == .invalidArgument ? .invalidArgument : .internal,
                            "failed to decode request: \(e.message)", cause: e)
        }
        return RPCError(.internal, "failed to decode request: \(error)", cause: error)
    }

    public static func == (a: RPCError, b: RPCError) -> Bool {
        a.code == b.code && a.message == b.message && a.metadata == b.metadata
    }

    public func hash(into h: inout Hasher) {
        h.combine(code)
        h.combine(message)
        h.combine(metadata)
    }
}
