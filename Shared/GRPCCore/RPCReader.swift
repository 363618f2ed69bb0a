/// The request messages of a client- or bidi-streaming call, decoded as `Message`. Iterate it
/// once; iteration ends at the client's END_STREAM and throws `RPCError` if the call fails
/// (cancelled, deadline, bad message).
public struct RPCReader<Message: GRPCMessage>: AsyncSequence, Sendable {
    public typealias Element = Message
    @usableFromInline let io: any ServerCallIO

    public init(io: any ServerCallIO) { self.io = io }

    public struct AsyncIterator: AsyncIteratorProtocol {
        @usableFromInline let io: any ServerCallIO

        public mutating func next() async throws -> Message? {
            guard let bytes = try await io.receive() else { return nil }
            return try RPCReader.decode(bytes)
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(io: io) }

    /// Exactly one message followed by END_STREAM (unary and server-streaming requests).
    public func single() async throws -> Message {
        guard let first = try await io.receive() else {
            throw RPCError(.internal, "expected one request message, got none")
        }
        if try await io.receive() != nil {
            throw RPCError(.internal, "expected one request message, got more")
        }
        return try Self.decode(first)
    }

    @usableFromInline
    static func decode(_ bytes: [UInt8]) throws -> Message {
        do {
            return try Message(serializedBytes: bytes)
        } catch {
            throw RPCError.requestDecodingFailed(error)
        }
    }
}
