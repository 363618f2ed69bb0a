import Testing
@testable import GRPCCore

@Suite struct GRPCTimeoutTests {
    @Test func parsesEveryUnit() {
        #expect(GRPCTimeout.parse("1H") == 3_600_000_000_000)
        #expect(GRPCTimeout.parse("2M") == 120_000_000_000)
        #expect(GRPCTimeout.parse("3S") == 3_000_000_000)
        #expect(GRPCTimeout.parse("100m") == 100_000_000)
        #expect(GRPCTimeout.parse("5u") == 5_000)
        #expect(GRPCTimeout.parse("99999999n") == 99_999_999)
    }

    @Test func rejectsMalformedValues() {
        for bad in ["", "S", "10", "1x", "123456789S", "-1S", "1.5S", " 1S"] {
            #expect(GRPCTimeout.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func formatRoundsUpToAUnitWithAtMostEightDigits() {
        #expect(GRPCTimeout.format(nanoseconds: 500) == "500n")
        #expect(GRPCTimeout.format(nanoseconds: 100_000_000_001) == "100001m")
        let f = GRPCTimeout.format(nanoseconds: 3_600_000_000_000_000)
        #expect(GRPCTimeout.parse(f)! >= 3_600_000_000_000_000)
    }
}
