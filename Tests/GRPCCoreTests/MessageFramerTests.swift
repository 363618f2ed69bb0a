import Testing
@testable import GRPCCore

@Suite struct MessageFramerTests {
    @Test func prefixIsFlagThenBigEndianLength() {
        #expect(MessageFramer.framed([7, 8, 9]) == [0, 0, 0, 0, 3, 7, 8, 9])
        #expect(MessageFramer.framed([]) == [0, 0, 0, 0, 0])
        let big = [UInt8](repeating: 1, count: 0x0102_03)
        #expect(Array(MessageFramer.framed(big).prefix(5)) == [0, 0, 1, 2, 3])
    }
}
