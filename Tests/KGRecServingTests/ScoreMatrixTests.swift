import KGRecTensor
import Testing
@testable import KGRecServing

/// The quantised item matrix: fp32 parts are the block dot products; fp16 and int8 parts stay
/// within their stated error bounds of the fp32 parts.
@Suite struct ScoreMatrixTests {
    static func rows(_ n: Int, _ w: Int, seed: UInt64) -> [Float] {
        var g = Xoshiro256(seed: seed)
        return (0..<(n * w)).map { _ in g.gaussian() }
    }

    @Test(arguments: [0, 1, 7, 8, 15, 16, 17, 33, 176])
    func fp32PartsAreTheBlockDotProductsForEveryWidth(split: Int) {
        let w = split + 19, n = 5
        let m = Self.rows(n, w, seed: 3), u = Self.rows(1, w, seed: 4)
        let matrix = ScoreMatrix.quantising(m, width: w, split: split, precision: .fp32)
        for r in 0..<n {
            let p = u.withUnsafeBufferPointer { matrix.parts($0.baseAddress!, row: r) }
            let first = (0..<split).reduce(0.0) { $0 + Double(u[$1]) * Double(m[r * w + $1]) }
            let second = (split..<w).reduce(0.0) { $0 + Double(u[$1]) * Double(m[r * w + $1]) }
            #expect(abs(Double(p.x) - first) < 1e-4 && abs(Double(p.y) - second) < 1e-4)
            #expect(matrix.values(row: r) == Array(m[(r * w)..<((r + 1) * w)]))
        }
    }

    /// fp16: |Δpart| ≤ 2⁻¹¹ Σ|u_j x_j| (+ fp32 rounding); int8: |Δpart| ≤ ½ · scale · Σ|u_j| with
    /// scale = max|x_j| / 127 over the block (+ fp32 rounding).
    @Test(arguments: [ScanPrecision.fp16, .int8])
    func quantisedPartsStayWithinTheStatedErrorOfFp32(precision: ScanPrecision) {
        let (n, split, w) = (200, 176, 352)
        let m = Self.rows(n, w, seed: 11), u = Self.rows(1, w, seed: 12)
        let exact = ScoreMatrix.quantising(m, width: w, split: split, precision: .fp32)
        let q = ScoreMatrix.quantising(m, width: w, split: split, precision: precision)
        #expect(q.bytes < exact.bytes)
        var worst = 0.0
        for r in 0..<n {
            let (pe, pq) = u.withUnsafeBufferPointer { (exact.parts($0.baseAddress!, row: r), q.parts($0.baseAddress!, row: r)) }
            for (b, range) in [(0, 0..<split), (1, split..<w)] {
                let bound: Double
                switch precision {
                case .fp16:
                    bound = range.reduce(0.0) { $0 + abs(Double(u[$1]) * Double(m[r * w + $1])) } / 2048
                default:
                    let scale = range.reduce(0.0) { max($0, abs(Double(m[r * w + $1]))) } / 127
                    bound = 0.5 * scale * range.reduce(0.0) { $0 + abs(Double(u[$1])) }
                }
                let err = abs(Double(pq[b]) - Double(pe[b]))
                worst = max(worst, err / bound)
                #expect(err <= bound + 1e-4)
            }
        }
        #expect(worst > 0)  // the quantisation did change the numbers
    }

    /// `holds` tells an unchanged vector from a changed one in every precision (what lets a table
    /// swap keep a known item in its IVF list only while its vector stays the same).
    @Test(arguments: [ScanPrecision.fp32, .fp16, .int8])
    func holdsIsTrueForTheStoredVectorAndFalseOnceItChanges(precision: ScanPrecision) {
        let (n, w) = (4, 40)
        var m = Self.rows(n, w, seed: 9)
        let matrix = ScoreMatrix.quantising(m, width: w, split: 16, precision: precision)
        m.withUnsafeBufferPointer { p in
            for r in 0..<n { #expect(matrix.holds(row: r, p.baseAddress! + r * w)) }
            #expect(!matrix.holds(row: 0, p.baseAddress! + w))
        }
        m[2 * w + 20] += 1   // row 2, second block
        m.withUnsafeBufferPointer { p in #expect(!matrix.holds(row: 2, p.baseAddress! + 2 * w)) }
    }
}
