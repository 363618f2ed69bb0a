/// Typed registration for the four call shapes. Decoding failures end the call with INTERNAL
/// ("failed to decode request: …"); thrown `RPCError`s end it with their status; any other error
/// ends it with UNKNOWN.
extension RPCRouter {
    /// Unary, run inline on the event loop (no thread hop, the fastest path). The handler must be
    /// CPU-light and must never block or wait; use `unary` for anything else.
    public mutating func unaryInline<Req: GRPCMessage, Res: GRPCMessage>(
        _ method: MethodDescriptor,
        _ handler: @escaping @Sendable (Req, ServerContext) throws -> Res
    ) {
        register(method, .inlineUnary { bytes, context in
            let request: Req
            do {
                request = try Req(serializedBytes: bytes)
            } catch {
                throw RPCError.requestDecodingFailed(error)
            }
            return try handler(request, context).serializedBytes()
        })
    }

    /// Unary, answered inline on the event loop by `inline` when it can (it returns nil when it
    /// would have to wait or compute long), else by `handler` as a Swift task, with the same
    /// request. `inline` must never block and must have no effect when it returns nil. `wire`,
    /// when given, is tried before anything is decoded: the response's bytes straight from the
    /// request's for the cases it knows, nil (and no effect) for the others.
    public mutating func unary<Req: GRPCMessage, Res: GRPCMessage>(
        _ method: MethodDescriptor,
        wire: (@Sendable (UnsafeRawBufferPointer) -> [UInt8]?)? = nil,
        inline: @escaping @Sendable (Req, ServerContext) throws -> Res?,
        _ handler: @escaping @Sendable (Req, ServerContext) async throws -> Res
    ) {
        register(method, .inlineUnaryOrTask({ bytes, context in
            if let wire, let response = wire(bytes) { return response }
            let request: Req
            do {
                request = try Req(serializedBytes: bytes)
            } catch {
                throw RPCError.requestDecodingFailed(error)
            }
            return try inline(request, context)?.serializedBytes()
        }, Self.unaryTask(handler)))
    }

    /// Unary, run as a Swift task (may await, may take long).
    public mutating func unary<Req: GRPCMessage, Res: GRPCMessage>(
        _ method: MethodDescriptor,
        _ handler: @escaping @Sendable (Req, ServerContext) async throws -> Res
    ) {
        register(method, .task(.unary, Self.unaryTask(handler)))
    }

    private static func unaryTask<Req: GRPCMessage, Res: GRPCMessage>(
        _ handler: @escaping @Sendable (Req, ServerContext) async throws -> Res
    ) -> @Sendable (any ServerCallIO, ServerContext) async throws -> Void {
        { io, context in
            let request = try await RPCReader<Req>(io: io).single()
            let response = try await handler(request, context)
            try await io.send(response.serializedBytes(), initialMetadata: context.initialMetadata)
        }
    }

    /// Server streaming: one request, any number of responses written through the writer.
    public mutating func serverStreaming<Req: GRPCMessage, Res: GRPCMessage>(
        _ method: MethodDescriptor,
        _ handler: @escaping @Sendable (Req, RPCWriter<Res>, ServerContext) async throws -> Void
    ) {
        register(method, .task(.serverStreaming) { io, context in
            let request = try await RPCReader<Req>(io: io).single()
            try await handler(request, RPCWriter(io: io, context: context), context)
        })
    }

    /// Client streaming: any number of requests, one response.
    public mutating func clientStreaming<Req: GRPCMessage, Res: GRPCMessage>(
        _ method: MethodDescriptor,
        _ handler: @escaping @Sendable (RPCReader<Req>, ServerContext) async throws -> Res
    ) {
        register(method, .task(.clientStreaming) { io, context in
            let response = try await handler(RPCReader(io: io), context)
            try await io.send(response.serializedBytes(), initialMetadata: context.initialMetadata)
        })
    }

    /// Bidirectional streaming: reads and writes interleave as the handler likes.
    public mutating func bidiStreaming<Req: GRPCMessage, Res: GRPCMessage>(
        _ method: MethodDescriptor,
        _ handler: @escaping @Sendable (RPCReader<Req>, RPCWriter<Res>, ServerContext) async throws
            -> Void
    ) {
        register(method, .task(.bidiStreaming) { io, context in
            try await handler(RPCReader(io: io), RPCWriter(io: io, context: context), context)
        })
    }
}
