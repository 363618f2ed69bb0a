import Testing
@testable import GRPCCore

@Suite struct MetadataTests {
    @Test func keysAreCaseInsensitiveAndOrderIsKept() {
        var m = Metadata()
        m.add("X-Trace", "a")
        m.add("x-trace", "b")
        m.add("Other", "c")
        #expect(m["X-TRACE"] == "a")
        #expect(m.values("x-trace") == [.string("a"), .string("b")])
        #expect(m.entries.map(\.key) == ["x-trace", "x-trace", "other"])
    }

    @Test func binaryValuesLiveUnderBinKeys() {
        var m = Metadata()
        m.add("trace-bin", binary: [0, 255, 1])
        #expect(m.binary("trace-bin") == [0, 255, 1])
        #expect(m["trace-bin"] == nil)
    }
}
