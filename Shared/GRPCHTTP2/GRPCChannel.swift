import GRPCCore
import Synchronization

/// A client of one gRPC server over HTTP/2 cleartext (prior knowledge). Thread-safe; share one
/// per target. Connects lazily on the first call and again after the connection drops.
///
/// ```swift
/// let channel = GRPCChannel(host: "127.0.0.1", port: 50051)
/// let r = try await channel.unary(method, request: req, responseType: Res.self,
///                                 options: CallOptions(timeout: .seconds(1)))
/// print(r.message, r.initialMetadata, r.trailingMetadata)
/// channel.close()
/// ```
/// Failed calls throw `RPCError` with the server's status (and trailers as `metadata`), or a
/// local one: UNAVAILABLE (cannot connect, connection lost), DEADLINE_EXCEEDED,
/// CANCELLED, RESOURCE_EXHAUSTED (message limits), INTERNAL (protocol violations).
public final class GRPCChannel: Sendable {
    public let host: String
    public let port: Int
    public let config: ClientConfig
    private let connections: [ClientConnection]
    private let next = Atomic<Int>(0)

    public init(host: String, port: Int, config: ClientConfig = .defaults) {
        self.host = host
        self.port = port
        self.config = config
        let group = EventLoopGroup.sharedClient
        var cs: [ClientConnection] = []
        let base = Self.loopCursor.add(1, ordering: .relaxed).oldValue
        for i in 0..<max(1, config.connections) {
            cs.append(ClientConnection(host: host, port: port, config: config, loop: group.pick(base + i)))
        }
        connections = cs
    }

    /// `host:port` (IPv6 as `[addr]:port`). Throws `RuntimeError` when malformed.
    public convenience init(target: String, config: ClientConfig = .defaults) throws {
        guard let colon = target.lastIndex(of: ":"), let port = Int(target[target.index(after: colon)...]),
              port > 0, port < 65536 else {
            throw RuntimeError(.invalidConfiguration, "target \(target) is not host:port")
        }
        var host = String(target[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.init(host: host, port: port, config: config)
    }

    private static let loopCursor = Atomic<Int>(0)

    deinit { close() }

    /// Closes the connections; calls in flight fail with UNAVAILABLE, later calls too.
    public func close() {
        for c in connections { c.loop.execute { c.shutdown() } }
    }

    func makeCall(_ method: MethodDescriptor, _ options: CallOptions) -> ClientCall {
        var options = options
        // A call made while serving one continues its trace (W3C traceparent, tracestate).
        ServerContext.current?.trace.propagate(into: &options.metadata)
        let i = next.add(1, ordering: .relaxed).oldValue
        let conn = connections[i % connections.count]
        let call = ClientCall(method: method, options: options, config: config, connection: conn)
        call.start()
        return call
    }

    // ---- the four call shapes -------------------------------------------------------------------

    public func unary<Req: GRPCMessage, Res: GRPCMessage>(
        _ method: MethodDescriptor, request: Req, responseType: Res.Type = Res.self,
        options: CallOptions = .defaults
    ) async throws -> ClientResponse<Res> {
        let call = makeCall(method, options)
        call.sendOnly(request.serializedBytes())
        return try await Self.collectSingle(call, Res.self)
    }

    public func serverStreaming<Req: GRPCMessage, Res: GRPCMessage>(
        _ method: MethodDescriptor, request: Req, responseType: Res.Type = Res.self,
        options: CallOptions = .defaults
    ) -> ServerStreamingCall<Res> {
        let call = makeCall(method, options)
        call.sendOnly(request.serializedBytes())
        return ServerStreamingCall(call: call)
    }

    public func clientStreaming<Req: GRPCMessage, Res: GRPCMessage>(
        _ method: MethodDescriptor, requestType: Req.Type = Req.self, responseType: Res.Type = Res.self,
        options: CallOptions = .defaults
    ) -> ClientStreamingCall<Req, Res> {
        ClientStreamingCall(call: makeCall(method, options))
    }

    public func bidiStreaming<Req: GRPCMessage, Res: GRPCMessage>(
        _ method: MethodDescriptor, requestType: Req.Type = Req.self, responseType: Res.Type = Res.self,
        options: CallOptions = .defaults
    ) -> BidiStreamingCall<Req, Res> {
        BidiStreamingCall(call: makeCall(method, options))
    }

    static func collectSingle<Res: GRPCMessage>(_ call: ClientCall, _: Res.Type) async throws -> ClientResponse<Res> {
        var response: Res?
        while let bytes = try await call.receive() {
            if response != nil {
                call.cancel(with: Status(code: .internal, message: "more than one response message"))
                throw RPCError(.internal, "server sent more than one response message")
            }
            response = try decode(bytes, Res.self)
        }
        let (status, trailers) = await call.finalStatus()
        guard status.isOK else { throw RPCError(status: status, metadata: trailers) }
        guard let response else { throw RPCError(.internal, "server sent no response message", metadata: trailers) }
        let initial = (try? await call.initialMetadata()) ?? Metadata()
        return ClientResponse(message: response, initialMetadata: initial, trailingMetadata: trailers)
    }

    static func decode<Res: GRPCMessage>(_ bytes: [UInt8], _: Res.Type) throws -> Res {
        do {
            return try Res(serializedBytes: bytes)
        } catch {
            throw RPCError(.internal, "failed to decode response: \((error as? RPCError)?.message ?? "\(error)")")
        }
    }
}
