import Testing
@testable import KGRecServiceKit

@Suite struct HostPortTests {
    @Test func parsesNamesIPv4AndBracketedIPv6() {
        #expect(HostPort("encoder-1:50051") == HostPort(host: "encoder-1", port: 50051))
        #expect(HostPort(" 127.0.0.1:9 ") == HostPort(host: "127.0.0.1", port: 9))
        #expect(HostPort("[::1]:50053") == HostPort(host: "::1", port: 50053))
        #expect(HostPort("[::1]:50053")?.description == "[::1]:50053")
    }

    @Test(arguments: ["encoder", "encoder:", ":50051", "h:0", "h:70000", "h:x", "::1:5", "[]:5", "a b:1", "[::1:5"])
    func rejectsMalformedAddresses(_ text: String) {
        #expect(HostPort(text) == nil)
    }

    @Test func listOptionsParseEveryEntryAndNameTheBadOne() throws {
        let spec = ServiceConfigSpec(service: "graph", options: [.stringList("encoder", help: "Encoder address.")])
        guard case .run(let ok) = try spec.parse(arguments: ["--encoder", "a:1", "--encoder", "b:2"], environment: [:])
        else { Issue.record("not run"); return }
        #expect(try ok.hostPorts("encoder") == [HostPort(host: "a", port: 1), HostPort(host: "b", port: 2)])
        guard case .run(let bad) = try spec.parse(arguments: [], environment: ["KGREC_GRAPH_ENCODER": "a:1,b"])
        else { Issue.record("not run"); return }
        #expect(throws: ConfigError(.invalidValue, "invalid value 'b' for env KGREC_GRAPH_ENCODER: expected host:port with a port 1...65535")) {
            try bad.hostPorts("encoder")
        }
    }
}
