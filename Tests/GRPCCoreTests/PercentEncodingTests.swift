import Testing
@testable import GRPCCore

@Suite struct PercentEncodingTests {
    @Test func encodesPercentControlAndNonASCIIBytes() {
        #expect(PercentEncoding.encode("plain text") == "plain text")
        #expect(PercentEncoding.encode("50%") == "50%25")
        #expect(PercentEncoding.encode("a\nb") == "a%0Ab")
        #expect(PercentEncoding.encode("é") == "%C3%A9")
    }

    @Test func roundTripsTheInteropSpecialMessage() {
        let s = "\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n"
        #expect(PercentEncoding.decode(PercentEncoding.encode(s)) == s)
    }

    @Test func decodingKeepsMalformedSequences() {
        #expect(PercentEncoding.decode("100%") == "100%")
        #expect(PercentEncoding.decode("%zz") == "%zz")
        #expect(PercentEncoding.decode("%4") == "%4")
    }
}
