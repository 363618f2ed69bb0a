/// A unary (or client-streaming) call's response with the metadata around it.
public struct ClientResponse<Message: Sendable>: Sendable {
    public var message: Message
    /// Response headers (custom entries only).
    public var initialMetadata: Metadata
    /// Trailers other than `grpc-status` / `grpc-message`.
    public var trailingMetadata: Metadata

    public init(message: Message, initialMetadata: Metadata, trailingMetadata: Metadata) {
        self.message = message
        self.initialMetadata = initialMetadata
        self.trailingMetadata = trailingMetadata
    }
}
