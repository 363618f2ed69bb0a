import GRPCCore

/// A client-streaming call: `send` the requests, then `finish` for the single response.
public struct ClientStreamingCall<Request: GRPCMessage, Response: GRPCMessage>: Sendable {
    let call: ClientCall

    /// Sends one request. Suspends while too much is queued for the server; throws `RPCError`
    /// when the call is already over.
    public func send(_ message: Request) async throws {
        try await call.send(message.serializedBytes())
    }

    /// Half-closes and waits for the response.
    public func finish() async throws -> ClientResponse<Response> {
        call.closeSend()
        return try await GRPCChannel.collectSingle(call, Response.self)
    }

    public func cancel() { call.cancel() }
}
