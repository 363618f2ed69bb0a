import Testing
@testable import GRPCCore

@Suite struct StatusCodeTests {
    @Test func namesMatchTheSpecNumbering() {
        #expect(StatusCode.ok.description == "OK")
        #expect(StatusCode.deadlineExceeded.rawValue == 4)
        #expect(StatusCode.unimplemented.description == "UNIMPLEMENTED")
        #expect(StatusCode.unauthenticated.rawValue == 16)
    }

    @Test func parsesNamesAndNumbers() {
        #expect(StatusCode(name: "resource_exhausted") == .resourceExhausted)
        #expect(StatusCode(name: "14") == .unavailable)
        #expect(StatusCode(name: "NOT_A_CODE") == nil)
    }

    @Test func unknownNumbersArePrintedNotDropped() {
        #expect(StatusCode(rawValue: 42).description == "CODE_42")
    }
}
