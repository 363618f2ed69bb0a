import Testing
@testable import GRPCCore

@Suite struct ContentTypeTests {
    @Test func acceptsGRPCAndGRPCProto() {
        #expect(ContentType.classify("application/grpc") == .grpcProto)
        #expect(ContentType.classify("application/grpc+proto") == .grpcProto)
        #expect(ContentType.classify("Application/GRPC;charset=utf-8") == .grpcProto)
    }

    @Test func otherCodecsAreGRPCButUnsupported() {
        #expect(ContentType.classify("application/grpc+json") == .grpcOtherCodec)
    }

    @Test func restIsNotGRPC() {
        #expect(ContentType.classify("application/json") == .notGRPC)
        #expect(ContentType.classify("application/grpcx") == .notGRPC)
        #expect(ContentType.classify("") == .notGRPC)
    }
}
