import GRPCCore
import GRPCHTTP2
import KGRecWire

/// A server's own schema, fetched through gRPC server reflection (`grpc.reflection.v1`): the
/// files defining the asked-for symbols, with their imports, as a `ProtoSchema`. `kgrec call`
/// uses it first and falls back to `ProtoSchema.builtIn` when the server offers no reflection.
struct ReflectionClient: Sendable {
    typealias Request = Grpc_Reflection_V1_ServerReflectionRequest
    typealias Response = Grpc_Reflection_V1_ServerReflectionResponse

    let channel: GRPCChannel
    let options: CallOptions

    /// The schema of the files defining `symbols` (each a service, message or method name), or
    /// of the services the server lists when `symbols` is nil. Nil when the call fails (the
    /// server has no reflection, e.g. UNIMPLEMENTED, or cannot be reached); a symbol the server
    /// does not know is left out.
    func schema(symbols: [String]?) async -> ProtoSchema? {
        do {
            var descriptors: [[UInt8]] = []
            var wanted = symbols ?? []
            if symbols == nil {
                guard case .listServicesResponse(let list)? = try await ask([Request(messageRequest: .listServices("*"))]).first?
                    .messageResponse
                else { return nil }
                wanted = list.service.map(\.name)
            }
            for response in try await ask(wanted.map { Request(messageRequest: .fileContainingSymbol($0)) }) {
                if case .fileDescriptorResponse(let files)? = response.messageResponse {
                    descriptors += files.fileDescriptorProto
                }
            }
            var schema = try ProtoSchema(descriptors: descriptors)
            // A file may define services the server does not serve (grpc.testing has two).
            if symbols == nil { schema.keepServices(Set(wanted)) }
            return schema
        } catch {
            return nil
        }
    }

    /// Sends the requests on one reflection stream and returns the responses, in order.
    private func ask(_ requests: [Request]) async throws -> [Response] {
        let call = channel.bidiStreaming(Grpc_Reflection_V1_ServerReflection.Method.serverReflectionInfo,
                                         requestType: Request.self, responseType: Response.self, options: options)
        for r in requests { try await call.send(r) }
        call.closeSend()
        var responses: [Response] = []
        for try await response in call { responses.append(response) }
        return responses
    }
}
