import Testing
@testable import GRPCCore

@Suite struct Base64Tests {
    @Test func encodesWithPadding() {
        #expect(Base64.encode([]) == "")
        #expect(Base64.encode([0]) == "AA==")
        #expect(Base64.encode([0, 255]) == "AP8=")
        #expect(Base64.encode(Array("abc".utf8)) == "YWJj")
    }

    @Test func decodesPaddedAndUnpadded() {
        #expect(Base64.decode("AP8=") == [0, 255])
        #expect(Base64.decode("AP8") == [0, 255])
        #expect(Base64.decode("AA") == [0])
        #expect(Base64.decode("YWJj") == Array("abc".utf8))
    }

    @Test func rejectsCharactersOutsideTheAlphabet() {
        #expect(Base64.decode("A*==") == nil)
        #expect(Base64.decode("A") == nil)
    }

    @Test func roundTripsEveryLength() {
        for n in 0..<20 {
            let b = (0..<n).map { UInt8(($0 * 37 + 11) & 255) }
            #expect(Base64.decode(Base64.encode(b)) == b)
        }
    }
}
