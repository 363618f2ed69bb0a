/// Per-call options of a client call.
public struct CallOptions: Sendable {
    /// Sent as `grpc-timeout` and enforced locally: the call fails with DEADLINE_EXCEEDED.
    public var timeout: Duration?
    /// Custom request metadata (`-bin` keys are base64-encoded by the transport).
    public var metadata: Metadata
    /// Overrides the channel's limits for this call when set.
    public var maxReceiveMessageSize: Int?
    public var maxSendMessageSize: Int?

    public init(timeout: Duration? = nil, metadata: Metadata = Metadata(),
                maxReceiveMessageSize: Int? = nil, maxSendMessageSize: Int? = nil) {
        self.timeout = timeout
        self.metadata = metadata
        self.maxReceiveMessageSize = maxReceiveMessageSize
        self.maxSendMessageSize = maxSendMessageSize
    }

    public static let defaults = CallOptions()
}
