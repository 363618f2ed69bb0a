@testable import KGRecRankerService
import Testing

@Suite("Ranker score kernel")
struct RankerScoreKernelTests {
    @Test(arguments: [0, 1, 7, 8, 15, 16, 17, 33, 176])
    func dotMatchesTheScalarSumForEveryWidth(n: Int) {
        let a = (0..<n).map { Float(($0 * 7) % 11) - 5 }, b = (0..<n).map { Float(($0 * 5) % 13) / 4 - 1 }
        let expected = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let got = a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                ScoreKernel.dot(pa.baseAddress ?? UnsafePointer(bitPattern: 8)!, pb.baseAddress ?? UnsafePointer(bitPattern: 8)!, n)
            }
        }
        #expect(abs(Double(got) - expected) < 1e-4)
    }

    @Test func scoreAllEqualsTheSumOfTheBlockParts() {
        let layout = EmbeddingLayout(visual: 9, text: 20)
        let n = 13
        let matrix = (0..<(n * layout.width)).map { Float(($0 * 37) % 19) / 7 - 1 }
        let c = ItemCatalogue(version: 1, layout: layout, ids: (0..<n).map { "i\($0)" }, matrix: matrix, seen: [:])
        let user = (0..<layout.width).map { Float(($0 * 3) % 5) - 2 }
        var row = [Float](repeating: .nan, count: n)
        ScoreKernel.scoreAll(user: user, c, into: &row)
        for r in 0..<n {
            let p = ScoreKernel.parts(user: user, c, row: r)
            #expect(row[r] == p.visual + p.text)
            let v = (0..<9).reduce(0.0) { $0 + Double(user[$1] * matrix[r * 29 + $1]) }
            #expect(abs(Double(p.visual) - v) < 1e-4)
        }
    }
}
