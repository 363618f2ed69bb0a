import Testing
@testable import GRPCCore

@Suite struct RequestHeadTests {
    private func router() -> RPCRouter {
        var r = RPCRouter()
        r.unaryInline(MethodDescriptor(service: "a.S", method: "M")) { (m: RawMessage, _) in m }
        return r
    }

    private func head(_ headers: [(String, String)], limit: Int = 16 << 10) -> RequestHead {
        var h = RequestHead()
        let r = router()
        for (n, v) in headers {
            var n = n, v = v
            n.withUTF8 { nb in v.withUTF8 { vb in
                h.add(name: UnsafeRawBufferPointer(nb), value: UnsafeRawBufferPointer(vb), router: r, maxHeaderListSize: limit)
            } }
        }
        return h
    }

    private let good = [(":method", "POST"), (":path", "/a.S/M"), ("content-type", "application/grpc"), ("te", "trailers")]

    private func rejection(_ h: RequestHead) -> (Int, StatusCode)? {
        if case .reject(let http, let status) = h.verdict(maxHeaderListSize: 16 << 10) { return (http, status.code) }
        return nil
    }

    @Test func validRequestIsAcceptedWithMetadataAndTimeout() {
        let h = head(good + [("grpc-timeout", "2S"), ("x-user", "7"), ("x-trace-bin", "AAE"), ("user-agent", "t")])
        guard case .accept(let route) = h.verdict(maxHeaderListSize: 16 << 10) else { Issue.record("rejected"); return }
        #expect(route.method.method == "M")
        #expect(h.timeoutNanos == 2_000_000_000)
        #expect(h.metadata["x-user"] == "7")
        #expect(h.metadata.binary("x-trace-bin") == [0, 1])
        #expect(h.metadata["user-agent"] == nil)
        #expect(h.metadata["te"] == nil)
    }

    @Test func eachProblemGetsItsStatus() {
        #expect(rejection(head([(":method", "GET")] + good.dropFirst()))! == (405, .unimplemented))
        #expect(rejection(head(good.filter { $0.0 != "content-type" }))! == (415, .internal))
        #expect(rejection(head(good.filter { $0.0 != "content-type" } + [("content-type", "application/grpc+json")]))! == (200, .unimplemented))
        #expect(rejection(head(good + [("grpc-timeout", "1 hour")]))! == (200, .internal))
        #expect(rejection(head(good + [("x-bad-bin", "!!")]))! == (200, .internal))
        #expect(rejection(head(good + [("grpc-encoding", "gzip")]))! == (200, .unimplemented))
        #expect(rejection(head([(":method", "POST"), (":path", "/a.S/X"), ("content-type", "application/grpc")]))! == (200, .unimplemented))
    }

    @Test func headerListSizeIsCheckedFirst() {
        let big = (0..<10).map { ("x-h\($0)", String(repeating: "v", count: 100)) }
        let h = head([(":method", "GET")] + big, limit: 500)
        #expect(h.headersTooLarge)
        #expect(rejection(h)! == (200, .resourceExhausted))
    }

    @Test func unknownServiceAndMethodMessagesDiffer() {
        let m = head([(":method", "POST"), (":path", "/a.S/X"), ("content-type", "application/grpc")])
        let s = head([(":method", "POST"), (":path", "/b.S/X"), ("content-type", "application/grpc")])
        guard case .reject(_, let ms) = m.verdict(maxHeaderListSize: 1 << 14),
              case .reject(_, let ss) = s.verdict(maxHeaderListSize: 1 << 14) else { Issue.record("accepted"); return }
        #expect(ms.message == "unknown method /a.S/X")
        #expect(ss.message == "unknown service b.S")
    }
}
