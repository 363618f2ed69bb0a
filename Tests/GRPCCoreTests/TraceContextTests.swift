import Testing
@testable import GRPCCore

/// W3C Trace Context parsing and propagation (https://www.w3.org/TR/trace-context/).
@Suite struct TraceContextTests {
    static let traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
    static let parentID = "00f067aa0ba902b7"
    static let valid = "00-\(traceID)-\(parentID)-01"

    static func span(_ pairs: [(String, String)]) -> TraceContext {
        TraceContext(serverSpanFor: Metadata(pairs))
    }

    @Test func aValidTraceparentIsContinuedWithANewSpan() {
        let t = Self.span([("traceparent", Self.valid), ("tracestate", "congo=t61rcWkgMzE")])
        #expect(t.traceID == Self.traceID)
        #expect(t.parentSpanID == Self.parentID)
        #expect(t.spanID.count == 16 && t.spanID != Self.parentID && t.spanID != String(repeating: "0", count: 16))
        #expect(t.flags == 1)
        #expect(t.traceState == "congo=t61rcWkgMzE")
        #expect(t.traceparent == "00-\(Self.traceID)-\(t.spanID)-01")
    }

    @Test func everyHopGetsItsOwnSpanID() {
        let a = Self.span([("traceparent", Self.valid)]), b = Self.span([("traceparent", Self.valid)])
        #expect(a.traceID == b.traceID && a.spanID != b.spanID)
    }

    @Test(arguments: [
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",   // upper case
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",   // version ff
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",   // zero trace id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",   // zero parent id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x", // version 00 with a suffix
        "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",    // short trace id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0z",   // bad flags
        "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",  // future version, no '-' after flags
        "", "garbage",
    ])
    func aMalformedTraceparentStartsANewTraceAndDropsTracestate(header: String) {
        let t = Self.span([("traceparent", header), ("tracestate", "congo=t61rcWkgMzE")])
        #expect(t.parentSpanID == nil)
        #expect(t.traceID.count == 32 && t.traceID != Self.traceID && t.traceID.contains { $0 != "0" })
        #expect(t.traceState == nil)
        #expect(TraceContext.parse(t.traceparent) != nil)
    }

    @Test func aFutureVersionIsReadByTheVersion00Layout() {
        let t = Self.span([("traceparent", "cc-\(Self.traceID)-\(Self.parentID)-01-what-the-future-holds")])
        #expect(t.traceID == Self.traceID && t.parentSpanID == Self.parentID)
    }

    @Test func twoTraceparentsAreMalformedAndMissingOneStartsATrace() {
        let two = Self.span([("traceparent", Self.valid), ("traceparent", Self.valid)])
        #expect(two.traceID != Self.traceID && two.parentSpanID == nil)
        let none = Self.span([])
        #expect(none.parentSpanID == nil && none.traceID.count == 32)
    }

    @Test func tracestateHeadersAreJoinedAndAnOverlongOneIsDropped() {
        let joined = Self.span([("traceparent", Self.valid), ("tracestate", "a=1"), ("tracestate", " b=2 ")])
        #expect(joined.traceState == "a=1,b=2")
        let long = String(repeating: "k=v,", count: 200)
        #expect(Self.span([("traceparent", Self.valid), ("tracestate", long)]).traceState == nil)
    }

    @Test func propagationAddsThisSpanAsParentUnlessTheCallerSetItsOwn() {
        let t = Self.span([("traceparent", Self.valid), ("tracestate", "a=1")])
        var md = Metadata()
        t.propagate(into: &md)
        #expect(md["traceparent"] == "00-\(Self.traceID)-\(t.spanID)-01")
        #expect(md["tracestate"] == "a=1")
        var own = Metadata([("traceparent", Self.valid)])
        t.propagate(into: &own)
        #expect(own.values("traceparent").count == 1 && own["traceparent"] == Self.valid)
    }

    @Test func theServerContextMakesItsTraceOnceFromTheRequest() {
        let ctx = ServerContext(method: MethodDescriptor(service: "a.S", method: "M"),
                                requestMetadata: Metadata([("traceparent", Self.valid)]))
        #expect(ctx.trace == ctx.trace)
        #expect(ctx.trace.parentSpanID == Self.parentID)
        #expect(ServerContext.current == nil)
        ServerContext.$current.withValue(ctx) { #expect(ServerContext.current === ctx) }
    }
}
