import GRPCCore
import KGRecWire

/// gRPC server reflection (grpc/grpc doc/server-reflection.md): `grpc.reflection.v1.ServerReflection`
/// and, for older clients (grpcurl, grpcio-reflection), `grpc.reflection.v1alpha.ServerReflection`.
/// The two are the same messages under two package names, so one handler serves both paths.
/// Each request on the stream gets one response, in order: `list_services` names the services the
/// router serves; `file_by_filename` and `file_containing_symbol` answer the file's serialized
/// FileDescriptorProto followed by those of all its imports (from `ProtoFileDescriptors`);
/// unknown files or symbols, and extensions (proto3 `Protos/` declare none), get an
/// `error_response` with NOT_FOUND, and the stream stays open.
public struct ReflectionService: RPCService {
    typealias Request = Grpc_Reflection_V1_ServerReflectionRequest
    typealias Response = Grpc_Reflection_V1_ServerReflectionResponse

    /// The services `list_services` reports (the reflection services included).
    public let serviceNames: [String]

    /// Reflection over the services registered in `router` so far, plus itself.
    public init(serving router: RPCRouter) {
        serviceNames = router.serviceNames + [Grpc_Reflection_V1_ServerReflection.name,
                                              Grpc_Reflection_V1alpha_ServerReflection.name]
    }

    public func register(in router: inout RPCRouter) {
        let methods = [Grpc_Reflection_V1_ServerReflection.Method.serverReflectionInfo,
                       Grpc_Reflection_V1alpha_ServerReflection.Method.serverReflectionInfo]
        for method in methods {
            router.bidiStreaming(method) { [self] (requests: RPCReader<Request>, responses: RPCWriter<Response>, _) in
                for try await request in requests {
                    try await responses.write(answer(request))
                }
            }
        }
    }

    /// The response to one request.
    func answer(_ request: Request) -> Response {
        var response = Response(validHost: request.host, originalRequest: request)
        let index = ProtoFileDescriptors.index
        func files(_ name: String) -> Response.OneOf_MessageResponse {
            .fileDescriptorResponse(.init(fileDescriptorProto: index.closure(of: name).map(\.serialized)))
        }
        func notFound(_ message: String) -> Response.OneOf_MessageResponse {
            .errorResponse(.init(errorCode: Int32(StatusCode.notFound.rawValue), errorMessage: message))
        }
        switch request.messageRequest {
        case .listServices?:
            response.messageResponse = .listServicesResponse(.init(service: serviceNames.map { .init(name: $0) }))
        case .fileByFilename(let name)?:
            response.messageResponse = index.files[name] != nil ? files(name) : notFound("file '\(name)' not found")
        case .fileContainingSymbol(let symbol)?:
            response.messageResponse = index.fileOfSymbol[symbol].map(files) ?? notFound("symbol '\(symbol)' not found")
        case .fileContainingExtension(let e)?:
            response.messageResponse = notFound("extension \(e.extensionNumber) of '\(e.containingType)' not found")
        case .allExtensionNumbersOfType(let type)?:
            response.messageResponse = index.fileOfSymbol[type] != nil
                ? .allExtensionNumbersResponse(.init(baseTypeName: type, extensionNumber: []))
                : notFound("type '\(type)' not found")
        case nil:
            response.messageResponse = .errorResponse(.init(errorCode: Int32(StatusCode.invalidArgument.rawValue),
                                                            errorMessage: "the request names nothing to reflect on"))
        }
        return response
    }
}

extension RPCRouter {
    /// Registers `ReflectionService` for the services registered so far (call it last).
    public mutating func registerReflection() {
        register(ReflectionService(serving: self))
    }
}
