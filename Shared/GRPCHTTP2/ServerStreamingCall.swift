import GRPCCore

/// A server-streaming call: iterate it for the responses. Iteration ends when the server ends
/// the call with OK and throws `RPCError` otherwise.
public struct ServerStreamingCall<Response: GRPCMessage>: AsyncSequence, Sendable {
    public typealias Element = Response
    let call: ClientCall

    public struct AsyncIterator: AsyncIteratorProtocol {
        let call: ClientCall
        public mutating func next() async throws -> Response? {
            guard let bytes = try await call.receive() else { return nil }
            return try GRPCChannel.decode(bytes, Response.self)
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(call: call) }

    /// Response headers (custom entries). Throws the call's error if it failed first.
    public func initialMetadata() async throws -> Metadata { try await call.initialMetadata() }

    /// Waits for the end: trailing metadata (whatever the status).
    public func trailingMetadata() async -> Metadata { await call.finalStatus().1 }

    /// Waits for the end: the final status.
    public func status() async -> Status { await call.finalStatus().0 }

    /// Resets the stream (RST_STREAM CANCEL); the call ends with CANCELLED.
    public func cancel() { call.cancel() }
}
