import KGRecTensor
import Testing
@testable import KGRecServing

/// The int16-user kernel that chooses refinement candidates over int8 codes: within its stated
/// bound of the fp32-user int8 parts, exact in Int32 even for wide blocks, and the refined scan
/// that uses it still returns the fine matrix's exact answer when every row is a candidate.
@Suite struct Int16QueryTests {
    /// |coarse − parts| ≤ rowScale · userScale/2 · Σ|q8| per block (+ fp32 rounding), every tail length.
    @Test(arguments: [0, 1, 7, 8, 15, 16, 17, 33, 176])
    func coarsePartsStayWithinTheUserQuantisationBoundOfTheInt8Parts(split: Int) {
        let w = split + 21, n = 40
        let m = ScoreMatrixTests.rows(n, w, seed: 5), u = ScoreMatrixTests.rows(1, w, seed: 6)
        let codes = ScoreMatrix.quantising(m, width: w, split: split, precision: .int8)
        let q = u.withUnsafeBufferPointer { Int16Query($0.baseAddress!, width: w, split: split) }
        for r in 0..<n {
            let exact = u.withUnsafeBufferPointer { codes.parts($0.baseAddress!, row: r) }
            let coarse = q.values.withUnsafeBufferPointer { codes.coarseParts($0.baseAddress!, scale: q.scale, row: r) }
            for (b, range) in [(0, 0..<split), (1, split..<w)] {
                let rowScale = Double(codes.scales![2 * r + b])
                let sumQ = range.reduce(0.0) { $0 + abs(Double(codes.storage.load(fromByteOffset: r * w + $1, as: Int8.self))) }
                let bound = rowScale * Double(q.scale[b]) / 2 * sumQ + 1e-5 * (1 + abs(Double(exact[b])))
                #expect(abs(Double(coarse[b]) - Double(exact[b])) <= bound, "row \(r) block \(b)")
            }
        }
    }

    /// A 4 096-wide block at full scale on both sides: 4 096 · 127 · 32 767 would overflow Int32,
    /// so the user's levels shrink; the integer sum equals the Double one.
    @Test func aWideBlockAtFullScaleDoesNotOverflow() {
        let w = 4096
        let m = [Float](repeating: 1, count: w), u = [Float](repeating: 1, count: w)
        let codes = ScoreMatrix.quantising(m, width: w, split: w, precision: .int8)
        let q = u.withUnsafeBufferPointer { Int16Query($0.baseAddress!, width: w, split: w) }
        let coarse = q.values.withUnsafeBufferPointer { codes.coarseParts($0.baseAddress!, scale: q.scale, row: 0) }
        #expect(Int(q.values[0]) * 127 * w <= Int(Int32.max))
        #expect(abs(Double(coarse.x) - Double(w)) < 1e-3 * Double(w))
    }

    /// With every row a candidate, the refined scan (int16 × int8 coarse pass) is the fp32 scan.
    @Test func refinedWithEveryRowACandidateIsTheExactFp32Answer() {
        let (n, w, split, k) = (500, 48, 24, 10)
        let m = ScoreMatrixTests.rows(n, w, seed: 9), u = ScoreMatrixTests.rows(1, w, seed: 10)
        let fine = ScoreMatrix.quantising(m, width: w, split: split, precision: .fp32)
        let codes = ScoreMatrix.quantising(m, width: w, split: split, precision: .int8)
        let excluded: [Int32] = [3, 77, 250]
        let (exact, refined) = u.withUnsafeBufferPointer { p in
            excluded.withUnsafeBufferPointer { ex in
                (TopKScan.best(fine, user: p.baseAddress!, k: k, ranges: [0..<n], excluded: ex),
                 TopKScan.refined(codes, fine, user: p.baseAddress!, k: k, candidates: n, ranges: [0..<n], excluded: ex))
            }
        }
        #expect(refined.indices == exact.indices && refined.scores == exact.scores)
    }
}
