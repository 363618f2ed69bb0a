import Testing
import KGRecModel

@Suite struct DataErrorTests {
    struct Cause: Error {}

    @Test func descriptionIsFileLineMessageAndOmitsALineOfZero() {
        #expect("\(DataError(.malformed, file: "a.inter", line: 3, "ragged line"))" == "a.inter:3: ragged line")
        #expect("\(DataError(.unreadable, file: "a.npy", "cannot read file", cause: Cause()))" == "a.npy: cannot read file")
    }

    @Test func equalErrorsShareCodeFileLineAndMessageWhateverTheCause() {
        let e = DataError(.unreadable, file: "f", line: 2, "m", cause: Cause())
        #expect(e == DataError(.unreadable, file: "f", line: 2, "m"))
        #expect(e != DataError(.corrupt, file: "f", line: 2, "m"))
        #expect(e != DataError(.unreadable, file: "g", line: 2, "m"))
        #expect(e != DataError(.unreadable, file: "f", line: 3, "m"))
        #expect(e != DataError(.unreadable, file: "f", line: 2, "n"))
    }
}
