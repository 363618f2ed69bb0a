import Foundation
import Testing
@testable import KGRecText
import KGRecTensor

@Suite struct TextKernelsTests {
    @Test func vectorErfAndGeluMatchTheExactFormulas() {
        var worst: Float = 0
        for i in stride(from: -6.0 as Float, through: 6, by: 0.013) {
            worst = max(worst, abs(TextKernels.erf(SIMD16(repeating: i))[0] - Foundation.erf(i)))
            let g = TextKernels.gelu(SIMD16(repeating: i))[0]
            worst = max(worst, abs(g - i * 0.5 * (1 + Foundation.erf(i / 2.0.squareRoot().float))))
        }
        #expect(worst < 1e-6)
    }
}

@Suite struct PackedWeightTests {
    @Test func packedLinearEqualsGEMMPlusBiasForEveryRowRemainder() {
        var rng = SystemRandomNumberGenerator()
        let k = 40, n = 48
        let w = Matrix(rows: n, cols: k, data: (0..<n * k).map { _ in Float.random(in: -1...1, using: &rng) })
        let bias = (0..<n).map { _ in Float.random(in: -1...1, using: &rng) }
        let packed = PackedWeight(weight: w, bias: bias)
        for m in [1, 5, 6, 7, 13, 50, 97] {   // 6-row tiles, single-row tails, several 48-row groups
            let x = Matrix(rows: m, cols: k, data: (0..<m * k).map { _ in Float.random(in: -1...1, using: &rng) })
            let want = GEMM.multiply(x, w, transB: true)
            for gelu in [false, true] {
                let got = packed.apply(x, gelu: gelu)
                var worst: Float = 0
                for r in 0..<m {
                    for c in 0..<n {
                        let v = want[r, c] + bias[c]
                        let expected = gelu ? v * 0.5 * (1 + Foundation.erf(v / Float(2).squareRoot())) : v
                        worst = max(worst, abs(got[r, c] - expected))
                    }
                }
                #expect(worst < 1e-4, "m \(m) gelu \(gelu): max error \(worst)")
            }
        }
    }
}

private extension Double { var float: Float { Float(self) } }
