import GRPCCore

/// A bidirectional call: `send` / `closeSend` on one side, iterate for the responses on the
/// other (they may interleave freely; use two tasks or alternate).
public struct BidiStreamingCall<Request: GRPCMessage, Response: GRPCMessage>: AsyncSequence, Sendable {
    public typealias Element = Response
    let call: ClientCall

    public func send(_ message: Request) async throws {
        try await call.send(message.serializedBytes())
    }

    /// Half-closes the request side (END_STREAM).
    public func closeSend() { call.closeSend() }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let call: ClientCall
        public mutating func next() async throws -> Response? {
            guard let bytes = try await call.receive() else { return nil }
            return try GRPCChannel.decode(bytes, Response.self)
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(call: call) }

    /// The next response, nil at the end (OK); throws the call's error.
    public func receive() async throws -> Response? {
        var it = makeAsyncIterator()
        return try await it.next()
    }

    public func initialMetadata() async throws -> Metadata { try await call.initialMetadata() }
    public func trailingMetadata() async -> Metadata { await call.finalStatus().1 }
    public func status() async -> Status { await call.finalStatus().0 }
    public func cancel() { call.cancel() }
}
