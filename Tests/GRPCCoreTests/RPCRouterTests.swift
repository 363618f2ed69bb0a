import Testing
@testable import GRPCCore

@Suite struct RPCRouterTests {
    private func router() -> RPCRouter {
        var r = RPCRouter()
        r.unaryInline(MethodDescriptor(service: "a.S", method: "M")) { (m: RawMessage, _) in m }
        r.bidiStreaming(MethodDescriptor(service: "a.S", method: "B")) {
            (_: RPCReader<RawMessage>, _: RPCWriter<RawMessage>, _) in
        }
        return r
    }

    @Test func findsRegisteredPathsWithTheirShape() {
        guard case .found(let route) = router().lookup(path: "/a.S/B") else {
            Issue.record("not found"); return
        }
        #expect(route.method == MethodDescriptor(service: "a.S", method: "B"))
        #expect(route.handler.shape == .bidiStreaming)
    }

    @Test func tellsUnknownMethodFromUnknownService() {
        let r = router()
        guard case .unknownMethod = r.lookup(path: "/a.S/X") else { Issue.record("method"); return }
        guard case .unknownService = r.lookup(path: "/b.S/M") else { Issue.record("service"); return }
        guard case .unknownService = r.lookup(path: "garbage") else { Issue.record("garbage"); return }
    }

    @Test func inlineHandlerMapsDecodeFailuresToInternal() throws {
        struct Strict: GRPCMessage {
            init(serializedBytes: UnsafeRawBufferPointer) throws {
                if !serializedBytes.isEmpty { throw RPCError(.internal, "bad bytes") }
            }
            func serializedBytes() -> [UInt8] { [] }
        }
        var r = RPCRouter()
        r.unaryInline(MethodDescriptor(service: "a.S", method: "M")) { (m: Strict, _) in m }
        guard case .found(let route) = r.lookup(path: "/a.S/M"), case .inlineUnary(let h) = route.handler else {
            Issue.record("route"); return
        }
        let ctx = ServerContext(method: route.method)
        do {
            _ = try [UInt8(1)].withUnsafeBytes { try h($0, ctx) }
            Issue.record("expected an error")
        } catch let e as RPCError {
            #expect(e.code == .internal)
            #expect(e.cause != nil)   // the codec's own error, kept for logs
        }
    }

    @Test func methodDescriptorParsesPaths() {
        #expect(MethodDescriptor(path: "/p.S/M") == MethodDescriptor(service: "p.S", method: "M"))
        #expect(MethodDescriptor(path: "/p.S") == nil)
        #expect(MethodDescriptor(path: "/p.S/M/x") == nil)
    }
}
