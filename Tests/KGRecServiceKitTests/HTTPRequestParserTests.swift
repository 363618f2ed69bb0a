import Testing
@testable import KGRecServiceKit

@Suite struct HTTPRequestParserTests {
    let parser = HTTPRequestParser(maxRequestLineBytes: 64, maxHeadBytes: 256, maxHeaderCount: 5)

    func parse(_ s: String) -> HTTPRequestParser.Result { parser.parse(Array(s.utf8)) }

    func status(_ s: String) -> Int? {
        if case .reject(let status, _) = parse(s) { return status }
        return nil
    }

    @Test func parsesMethodPathWithoutQueryAndHeaders() throws {
        guard case .complete(let head) = parse("GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\nAccept:  text/plain \r\n\r\n")
        else { Issue.record("not complete"); return }
        #expect(head.method == "GET")
        #expect(head.path == "/metrics")
        #expect(head.version == "HTTP/1.1")
        #expect(head.headers.map(\.name) == ["host", "accept"])
        #expect(head.headers.map(\.value) == ["a", "text/plain"])
    }

    @Test func bareLineFeedsAndALeadingBlankLineAreTolerated() {
        guard case .complete(let head) = parse("\r\nGET /healthz HTTP/1.0\nHost: a\n\n") else {
            Issue.record("not complete"); return
        }
        #expect(head.path == "/healthz")
    }

    @Test func partialHeadsAskForMore() {
        #expect(parse("") == .incomplete)
        #expect(parse("GE") == .incomplete)
        #expect(parse("GET /metrics HTTP/1.1\r\nHost: a\r\n") == .incomplete)
    }

    @Test func overlongRequestLinesAre414EvenBeforeTheyEnd() {
        #expect(status("GET /" + String(repeating: "a", count: 100)) == 414)
        #expect(status("GET /" + String(repeating: "a", count: 100) + " HTTP/1.1\r\n\r\n") == 414)
    }

    @Test func oversizedHeadsAndTooManyHeadersAre431() {
        let big = "GET / HTTP/1.1\r\n" + String(repeating: "X-Pad: 0123456789\r\n", count: 20)
        #expect(status(big) == 431)
        let many = "GET / HTTP/1.1\r\n" + String(repeating: "A: b\r\n", count: 7) + "\r\n"
        #expect(status(many) == 431)
    }

    @Test(arguments: [
        "GET\r\n\r\n", "GET /\r\n\r\n", "GET / HTTP/1.1 extra\r\n\r\n", "G(T / HTTP/1.1\r\n\r\n",
        "GET / FTP/1.0\r\n\r\n", "GET / HTTP/1.1\r\nno colon here\r\n\r\n", "GET / HTTP/1.1\r\n: empty\r\n\r\n",
        "\u{16}\u{3}\u{1}\u{2}", "GET /\u{0} HTTP/1.1", " GET / HTTP/1.1\r\n\r\n",
    ])
    func garbageIs400(_ text: String) {
        #expect(status(text) == 400)
    }

    @Test func otherHTTPVersionsAre505() {
        #expect(status("GET / HTTP/2.0\r\n\r\n") == 505)
    }

    @Test func randomBytesNeverTrapAndAlwaysGetAnAnswerOrWaitWithinTheLimit() {
        var rng = SplitMix64(seed: 42)
        for _ in 0..<2000 {
            let n = Int(rng.next() % 300)
            let bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let r = parser.parse(bytes)
            if r == .incomplete { #expect(bytes.count < 256) }
        }
    }
}
