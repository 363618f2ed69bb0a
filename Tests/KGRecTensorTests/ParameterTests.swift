import Testing
@testable import KGRecTensor

@Suite struct ParameterTests {
    @Test func gradientAndMomentsTakeNoMemoryUntilWrittenAndReadAsZerosBefore() {
        let p = Parameter("w", Matrix(rows: 2, cols: 3, repeating: 1))
        #expect(!p.holdsTrainingState)
        #expect(p.grad == Matrix(rows: 2, cols: 3) && p.m == Matrix(rows: 2, cols: 3) && p.v == Matrix(rows: 2, cols: 3))
        #expect(!p.holdsTrainingState)  // reading does not allocate
        let tape = Tape()
        tape.backward(from: tape.sum(tape.parameter(p)))
        #expect(p.holdsTrainingState && p.grad == Matrix(rows: 2, cols: 3, repeating: 1))
        p.load(Matrix(rows: 2, cols: 3, repeating: 2))  // a restore forgets the state again
        #expect(!p.holdsTrainingState && p.grad == Matrix(rows: 2, cols: 3))
    }
}
