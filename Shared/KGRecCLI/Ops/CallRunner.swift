import GRPCCore
import GRPCHTTP2

/// The engine of `kgrec call`: one call of any shape on a schema method with JSON requests,
/// handing each reply to `output` as JSON. Requests come as an async sequence so a bidi call can
/// stream stdin lines as they arrive.
struct CallRunner: Sendable {
    let codec: ProtoJSONCodec
    let channel: GRPCChannel
    let method: ProtoSchema.Method
    let options: CallOptions

    /// Runs the call; throws `RPCError` for a non-OK status and `CodecError` for bad JSON.
    func run(requests: AsyncStream<JSONValue>, output: @escaping @Sendable (JSONValue) -> Void) async throws {
        let descriptor = MethodDescriptor(service: method.service, method: method.name)
        let codec = self.codec, method = self.method
        @Sendable func encode(_ j: JSONValue) throws -> RawMessage { RawMessage(try codec.encode(j, as: method.input)) }
        @Sendable func emit(_ m: RawMessage) throws { output(try codec.decode(m.bytes, as: method.output)) }
        switch method.shape {
        case .unary, .serverStreaming:
            var it = requests.makeAsyncIterator()
            let request = await it.next() ?? .object([])
            if await it.next() != nil { throw ProtoJSONCodec.CodecError(.tooManyRequests, "\(method.path) is \(method.shape.rawValue): it takes exactly one request") }
            if method.shape == .unary {
                try emit(try await channel.unary(descriptor, request: try encode(request), responseType: RawMessage.self,
                                                 options: options).message)
            } else {
                for try await m in channel.serverStreaming(descriptor, request: try encode(request), responseType: RawMessage.self,
                                                           options: options) { try emit(m) }
            }
        case .clientStreaming:
            let call = channel.clientStreaming(descriptor, requestType: RawMessage.self, responseType: RawMessage.self, options: options)
            for await r in requests { try await call.send(try encode(r)) }
            try emit(try await call.finish().message)
        case .bidi:
            let call = channel.bidiStreaming(descriptor, requestType: RawMessage.self, responseType: RawMessage.self, options: options)
            let sender = Task {
                do {
                    for await r in requests { try await call.send(try encode(r)) }
                    call.closeSend()
                } catch let e as ProtoJSONCodec.CodecError {
                    call.cancel()
                    throw e
                } catch {
                    call.closeSend()  // the receive side reports the call's status
                }
            }
            do {
                for try await m in call { try emit(m) }
            } catch {
                sender.cancel()
                if case .failure(let e) = await sender.result, e is ProtoJSONCodec.CodecError { throw e }
                throw error
            }
            try await sender.value
        }
    }
}
