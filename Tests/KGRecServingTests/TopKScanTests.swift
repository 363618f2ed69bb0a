import KGRecTensor
import Testing
@testable import KGRecServing

/// The streaming top-k equals a brute-force ranking (ties by lower row), excluded rows skipped,
/// whether the scan runs on one thread or split over the cores and whatever the ranges.
@Suite struct TopKScanTests {
    @Test(arguments: [1, 10, 57])
    func bestEqualsABruteForceRankingWithExclusions(k: Int) {
        let (n, w) = (3000, 24)
        var g = Xoshiro256(seed: 5)
        var rows = (0..<(n * w)).map { _ in (g.gaussian() * 4).rounded() / 4 }  // coarse values: ties happen
        for j in 0..<w { rows[77 * w + j] = rows[12 * w + j] }  // an exact tie between rows 12 and 77
        let user = (0..<w).map { _ in (g.gaussian() * 2).rounded() / 2 }
        let excluded: [Int32] = [3, 12, 400, 401, 2999]
        let m = ScoreMatrix.quantising(rows, width: w, split: 10, precision: .fp32)
        let score = { (r: Int) -> Float in user.withUnsafeBufferPointer { let p = m.parts($0.baseAddress!, row: r); return p.x + p.y } }
        let expected = (0..<n).filter { !excluded.contains(Int32($0)) }
            .sorted { score($0) > score($1) || (score($0) == score($1) && $0 < $1) }.prefix(k).map { Int32($0) }
        for parallelBytes in [Int.max, 0] {
            for ranges in [[0..<n], [0..<5, 5..<1700, 1700..<n]] {
                let top = user.withUnsafeBufferPointer { u in
                    excluded.withUnsafeBufferPointer {
                        TopKScan.best(m, user: u.baseAddress!, k: k, ranges: ranges, excluded: $0,
                                      parallelBytes: parallelBytes)
                    }
                }
                #expect(top.indices == expected)
                #expect(top.scores == expected.map { score(Int($0)) })
            }
        }
    }

    @Test func splitCoversEveryRowOnceInOrder() {
        let ranges = [0..<3, 10..<11, 20..<1000]
        for n in [1, 2, 3, 7] {
            let pieces = TopKScan.split(ranges, total: 983, into: n)
            #expect(pieces.count == n)
            #expect(pieces.flatMap { $0.flatMap { Array($0) } } == ranges.flatMap { Array($0) })
        }
    }
}
