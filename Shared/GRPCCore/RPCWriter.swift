/// Sends response messages of a server- or bidi-streaming call. `write` suspends while the
/// client is slow to read (flow control back-pressure) and throws `RPCError` once the call is
/// over (cancelled, deadline, client gone).
public struct RPCWriter<Message: GRPCMessage>: Sendable {
    @usableFromInline let io: any ServerCallIO
    @usableFromInline let context: ServerContext

    public init(io: any ServerCallIO, context: ServerContext) {
        self.io = io
        self.context = context
    }

    /// Sends one message. The first write also sends `context.initialMetadata`.
    public func write(_ message: Message) async throws {
        try await io.send(message.serializedBytes(), initialMetadata: context.initialMetadata)
    }

    public func write(contentsOf messages: some Sequence<Message>) async throws {
        for m in messages { try await write(m) }
    }
}
