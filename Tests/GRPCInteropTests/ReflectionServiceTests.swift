import GRPCCore
import GRPCHTTP2
import KGRecServiceKit
import KGRecWire
import Testing
@testable import GRPCInterop

/// Server reflection answers from the generated descriptors; over a real server for the stream.
@Suite struct ReflectionServiceTests {
    typealias Request = Grpc_Reflection_V1_ServerReflectionRequest

    static var service: ReflectionService {
        let router = RPCRouter(services: [TestService(), HealthService(registry: HealthStatusRegistry())])
        return ReflectionService(serving: router)
    }

    /// The `name` field (1) of a serialized FileDescriptorProto.
    static func fileName(_ bytes: [UInt8]) -> String {
        #expect(bytes.first == 0x0A)
        let n = Int(bytes[1])
        return String(decoding: bytes[2..<2 + n], as: UTF8.self)
    }

    @Test func listServicesNamesTheRouterServicesAndReflectionItself() {
        let response = Self.service.answer(Request(messageRequest: .listServices("")))
        guard case .listServicesResponse(let list)? = response.messageResponse else { Issue.record("\(response)"); return }
        #expect(list.service.map(\.name) == ["grpc.testing.TestService", "grpc.health.v1.Health",
                                             "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"])
        #expect(response.originalRequest == Request(messageRequest: .listServices("")))
    }

    @Test func fileContainingSymbolAnswersTheFileThenItsImports() {
        for symbol in ["grpc.testing.TestService", "grpc.testing.TestService.UnaryCall"] {
            let response = Self.service.answer(Request(messageRequest: .fileContainingSymbol(symbol)))
            guard case .fileDescriptorResponse(let files)? = response.messageResponse else { Issue.record("\(response)"); return }
            #expect(files.fileDescriptorProto.map(Self.fileName)
                    == ["grpc/testing/test.proto", "grpc/testing/empty.proto", "grpc/testing/messages.proto"])
        }
        let nested = Self.service.answer(Request(messageRequest: .fileContainingSymbol("grpc.health.v1.HealthCheckResponse.ServingStatus")))
        guard case .fileDescriptorResponse(let files)? = nested.messageResponse else { Issue.record("\(nested)"); return }
        #expect(files.fileDescriptorProto.map(Self.fileName) == ["grpc/health/v1/health.proto"])
    }

    @Test func fileByFilenameAnswersEveryGeneratedFileWithItsImports() {
        for file in ProtoFileDescriptors.files {
            let response = Self.service.answer(Request(messageRequest: .fileByFilename(file.name)))
            guard case .fileDescriptorResponse(let files)? = response.messageResponse else { Issue.record("\(response)"); return }
            let names = files.fileDescriptorProto.map(Self.fileName)
            #expect(names.first == file.name)
            #expect(Set(file.dependencies).isSubset(of: Set(names)))
            #expect(Set(names).count == names.count)
        }
        #expect(ProtoFileDescriptors.files.map(\.name).contains("kgrec/v1/ranker.proto"))
    }

    @Test func unknownSymbolsFilesAndExtensionsGetNotFoundErrorResponses() {
        let requests: [Request.OneOf_MessageRequest] = [
            .fileContainingSymbol("kgrec.v1.Nope"), .fileByFilename("nope.proto"),
            .fileContainingExtension(.init(containingType: "grpc.testing.Empty", extensionNumber: 100)),
            .allExtensionNumbersOfType("kgrec.v1.Nope"),
        ]
        for r in requests {
            let response = Self.service.answer(Request(messageRequest: r))
            guard case .errorResponse(let e)? = response.messageResponse else { Issue.record("\(r): \(response)"); continue }
            #expect(e.errorCode == Int32(StatusCode.notFound.rawValue))
            #expect(!e.errorMessage.isEmpty)
        }
        let empty = Self.service.answer(Request())
        guard case .errorResponse(let e)? = empty.messageResponse else { Issue.record("\(empty)"); return }
        #expect(e.errorCode == Int32(StatusCode.invalidArgument.rawValue))
    }

    @Test func emptyListServicesStringSurvivesTheWire() throws {
        // A oneof member set to its default value is still sent (presence), so "" must round-trip.
        let bytes = Request(messageRequest: .listServices("")).serializedBytes()
        #expect(bytes == [0x3A, 0x00])
        let decoded = try bytes.withUnsafeBytes { try Request(serializedBytes: $0) }
        #expect(decoded.messageRequest == .listServices(""))
    }

    @Test func bothVersionsAnswerOnOneStreamInOrder() async throws {
        var router = RPCRouter(services: [HealthService(registry: HealthStatusRegistry())])
        router.registerReflection()
        var config = ServerConfig()
        config.host = "127.0.0.1"
        config.port = 0
        let server = GRPCServer(router: router, config: config)
        let port = try server.start()
        let channel = GRPCChannel(host: "127.0.0.1", port: port)
        for method in [Grpc_Reflection_V1_ServerReflection.Method.serverReflectionInfo,
                       Grpc_Reflection_V1alpha_ServerReflection.Method.serverReflectionInfo] {
            let call = channel.bidiStreaming(method, requestType: Request.self,
                                             responseType: Grpc_Reflection_V1_ServerReflectionResponse.self,
                                             options: CallOptions(timeout: .seconds(10)))
            try await call.send(Request(messageRequest: .listServices("*")))
            try await call.send(Request(messageRequest: .fileContainingSymbol("grpc.health.v1.Health")))
            try await call.send(Request(messageRequest: .fileContainingSymbol("no.Such")))
            call.closeSend()
            var kinds: [String] = []
            for try await r in call {
                switch r.messageResponse {
                case .listServicesResponse(let l)?: kinds.append("list:\(l.service.count)")
                case .fileDescriptorResponse(let f)?: kinds.append("files:\(f.fileDescriptorProto.map(Self.fileName))")
                case .errorResponse(let e)?: kinds.append("error:\(e.errorCode)")
                default: kinds.append("other")
                }
            }
            #expect(kinds == ["list:3", "files:[\"grpc/health/v1/health.proto\"]", "error:5"])
        }
        channel.close()
        await server.shutdown(grace: .seconds(1))
    }
}
