import Foundation
import KGRecTensor
import Testing

/// The kernels at the shapes training runs them: d = 64 (the 64-column SpMM path, 16-lane GEMM
/// tiles), 8 heads of width 8, and enough rows that `Parallel` really splits the work (≥ 2 chunks of
/// its grain: 2048+ SpMM rows, 32+ attention sequences, GEMMs over 2^18 flops). Each op: forward
/// against a naive Double reference, gradients by finite differences on sampled coordinates (with 2
/// threads), and 1 thread vs 2 threads. Row-parallel kernels give bitwise-equal results whatever the
/// thread count; only `Aᵀ·B` (per-thread partial sums) may differ, by at most 1e-5 relative.
@Suite(.serialized) struct ProductionShapeNumericsTests {
    let tolerance = 1e-2
    static let d = 64, heads = 8

    /// Runs `body` with `Parallel.threadCount = n`, restoring the previous count.
    static func withThreads<T>(_ n: Int, _ body: () -> T) -> T {
        let saved = Parallel.threadCount
        Parallel.threadCount = n
        defer { Parallel.threadCount = saved }
        return body()
    }

    /// Forward value and every input's gradient of `Σ build(inputs) ⊙ R`.
    static func valueAndGradients(_ inputs: [Matrix], _ build: (Tape, [Tape.Var]) -> Tape.Var) -> [Matrix] {
        let t = Tape()
        let vars = inputs.map { t.variable($0) }
        let out = build(t, vars)
        t.backward(from: t.sum(t.mask(out, GradientCheck.random(out.rows, out.cols, seed: 3))))
        return [t.value(out)] + vars.map { t.gradient($0) }
    }

    /// `max |a − b| / max(max |b|, 1e-6)` over the elements.
    static func relativeMaxError(_ a: [Float], _ b: [Double]) -> Double {
        let scale = max(b.map(abs).max() ?? 0, 1e-6)
        return zip(a, b).map { abs(Double($0) - $1) }.max().map { $0 / scale } ?? 0
    }

    /// A seeded random CSR graph: `headCount` rows of 0…`maxDegree` edges into `tailCount` rows.
    static func graph(heads headCount: Int, tails tailCount: Int, maxDegree: Int, seed: UInt64) -> SparseGraph {
        var rng = Xoshiro256(seed: seed)
        var offsets: [Int32] = [0], tails = [Int32]()
        for _ in 0..<headCount {
            for _ in 0..<rng.below(maxDegree + 1) { tails.append(Int32(rng.below(tailCount))) }
            offsets.append(Int32(tails.count))
        }
        return SparseGraph(offsets: offsets, tails: tails, tailCount: tailCount)
    }

    // MARK: SpMM (64-column path, rows split across threads)

    @Test func spmmAtWidth64MatchesTheReferenceAndFiniteDifferencesOnTwoThreads() {
        let g = Self.graph(heads: 2600, tails: 2300, maxDegree: 12, seed: 1)
        let x = GradientCheck.random(2300, Self.d, seed: 2)
        let w = GradientCheck.random(g.edgeCount, 1, seed: 3)
        // Reference forward in Double.
        var ref = [Double](repeating: 0, count: g.headCount * Self.d)
        for h in 0..<g.headCount {
            for e in Int(g.offsets[h])..<Int(g.offsets[h + 1]) {
                let t = Int(g.tails[e])
                for c in 0..<Self.d { ref[h * Self.d + c] += Double(w.data[e]) * Double(x.data[t * Self.d + c]) }
            }
        }
        let out = Self.withThreads(2) { Kernels.spmm(g, w.data, x) }
        #expect(Self.relativeMaxError(out.data, ref) < 1e-6)
        let e = Self.withThreads(2) {
            GradientCheck.relativeError(inputs: [w, x], coordinates: 48) { t, v in t.spmm(g, weights: v[0], v[1]) }
        }
        #expect(e < tolerance)
        let fixed = Self.withThreads(2) {
            GradientCheck.relativeError(inputs: [x], coordinates: 48) { t, v in t.spmm(g, weights: w.data, v[0]) }
        }
        #expect(fixed < tolerance)
    }

    @Test func spmmGivesBitwiseEqualValuesAndGradientsOnOneAndTwoThreads() {
        let g = Self.graph(heads: 2600, tails: 2300, maxDegree: 12, seed: 4)
        let inputs = [GradientCheck.random(g.edgeCount, 1, seed: 5), GradientCheck.random(2300, Self.d, seed: 6)]
        let build: (Tape, [Tape.Var]) -> Tape.Var = { t, v in t.spmm(g, weights: v[0], v[1]) }
        let one = Self.withThreads(1) { Self.valueAndGradients(inputs, build) }
        let two = Self.withThreads(2) { Self.valueAndGradients(inputs, build) }
        #expect(one == two)
    }

    // MARK: Attention (8 heads of width 8, sequences split across threads)

    /// 40 sequences (the kernel's grain is 16 sequences per thread) of 9 positions (seq-len 8 plus
    /// the item), d = 64, 8 heads; every fifth sequence has two padded keys.
    static let sequences = 40, positions = 9
    static let keyMask: [Bool] = (0..<sequences * positions).map { k in !((k / positions) % 5 == 0 && k % positions >= 7) }

    static func attentionInputs(seed: UInt64) -> [Matrix] {
        (0..<3).map { GradientCheck.random(sequences * positions, d, seed: seed + UInt64($0)) }
    }

    static func attention(_ t: Tape, _ v: [Tape.Var]) -> Tape.Var {
        t.attention(query: v[0], key: v[1], value: v[2], heads: heads, sequences: sequences, keyMask: keyMask)
    }

    /// Softmax(Q Kᵀ / √8) V per sequence and head, in Double, straight from the definition:
    /// q `[S·nq, d]`, k, v `[S·nk, d]`, mask `[S·nk]`.
    static func referenceAttention(_ q: Matrix, _ k: Matrix, _ v: Matrix, queries nq: Int = positions,
                                   keys nk: Int = positions, mask: [Bool] = keyMask) -> [Double] {
        let dh = d / heads
        var out = [Double](repeating: 0, count: sequences * nq * d)
        for s in 0..<sequences {
            for h in 0..<heads {
                for i in 0..<nq {
                    var scores = [Double](repeating: -.infinity, count: nk)
                    for j in 0..<nk where mask[s * nk + j] {
                        var dot = 0.0
                        for c in h * dh..<(h + 1) * dh { dot += Double(q[s * nq + i, c]) * Double(k[s * nk + j, c]) }
                        scores[j] = dot / Double(dh).squareRoot()
                    }
                    let mx = scores.max()!
                    let ex = scores.map { $0 == -.infinity ? 0 : Foundation.exp($0 - mx) }
                    let sum = ex.reduce(0, +)
                    for j in 0..<nk where ex[j] > 0 {
                        for c in h * dh..<(h + 1) * dh { out[(s * nq + i) * d + c] += ex[j] / sum * Double(v[s * nk + j, c]) }
                    }
                }
            }
        }
        return out
    }

    @Test func attentionWithEightHeadsOfWidthEightMatchesTheReferenceAndFiniteDifferences() {
        let inputs = Self.attentionInputs(seed: 10)
        let out = Self.withThreads(2) { let t = Tape(); return t.value(Self.attention(t, inputs.map { t.constant($0) })) }
        // The kernel's exp is a polynomial approximation (`FastMath.exp`): a few 1e-7 relative.
        #expect(Self.relativeMaxError(out.data, Self.referenceAttention(inputs[0], inputs[1], inputs[2])) < 1e-5)
        let e = Self.withThreads(2) {
            GradientCheck.relativeError(inputs: inputs, coordinates: 48, Self.attention)
        }
        #expect(e < tolerance)
    }

    @Test func attentionGivesBitwiseEqualValuesAndGradientsOnOneAndTwoThreads() {
        let inputs = Self.attentionInputs(seed: 20)
        let one = Self.withThreads(1) { Self.valueAndGradients(inputs, Self.attention) }
        let two = Self.withThreads(2) { Self.valueAndGradients(inputs, Self.attention) }
        #expect(one == two)
    }

    // MARK: Cross attention (the fusion blocks' shape: keys and values in two parts)

    /// Keys and values of 40 sequences in two parts of 8 positions each (own and other stream):
    /// nk = 16, one 16-lane key block; in every fifth sequence the last two positions of each part
    /// are masked, and in sequence 7 every key is (its queries get zeros).
    static let partPositions = 8
    static let crossMask: [Bool] = (0..<sequences * 2 * partPositions).map { k in
        let s = k / (2 * partPositions), j = k % partPositions
        return s != 7 && !(s % 5 == 0 && j >= 6)
    }

    /// q `[40·nq, 64]`, then k₀, k₁, v₀, v₁ `[40·8, 64]`.
    static func crossInputs(queries nq: Int, seed: UInt64) -> [Matrix] {
        [GradientCheck.random(sequences * nq, d, seed: seed)]
            + (1...4).map { GradientCheck.random(sequences * partPositions, d, seed: seed + UInt64($0)) }
    }

    static func crossAttention(_ t: Tape, _ v: [Tape.Var]) -> Tape.Var {
        t.attention(query: v[0], keys: [v[1], v[2]], values: [v[3], v[4]], heads: heads, sequences: sequences,
                    keyMask: crossMask)
    }

    /// Per-sequence concatenation of a and b `[40·8, 64]` → `[40·16, 64]`.
    static func concatenated(_ a: Matrix, _ b: Matrix) -> Matrix {
        var out = Matrix(rows: 2 * a.rows, cols: d)
        for s in 0..<sequences {
            for j in 0..<2 * partPositions {
                let src = j < partPositions ? a : b, r = s * partPositions + j % partPositions
                for c in 0..<d { out[s * 2 * partPositions + j, c] = src[r, c] }
            }
        }
        return out
    }

    @Test(arguments: [8, 1])
    func crossAttentionOverTwoKeyPartsMatchesTheReferenceAndFiniteDifferences(queries nq: Int) {
        let inputs = Self.crossInputs(queries: nq, seed: 50)
        let out = Self.withThreads(2) { let t = Tape(); return t.value(Self.crossAttention(t, inputs.map { t.constant($0) })) }
        let ref = Self.referenceAttention(inputs[0], Self.concatenated(inputs[1], inputs[2]),
                                          Self.concatenated(inputs[3], inputs[4]), queries: nq,
                                          keys: 2 * Self.partPositions, mask: Self.crossMask)
        #expect(Self.relativeMaxError(out.data, ref) < 1e-5)
        #expect(out.data[(7 * nq * Self.d)..<(8 * nq * Self.d)].allSatisfy { $0 == 0 })
        let e = Self.withThreads(2) { GradientCheck.relativeError(inputs: inputs, coordinates: 48, Self.crossAttention) }
        #expect(e < tolerance)
    }

    @Test func crossAttentionIsBitwiseTheSameOnOneAndTwoThreadsAndOverConcatenatedKeys() {
        let inputs = Self.crossInputs(queries: Self.partPositions, seed: 60)
        let one = Self.withThreads(1) { Self.valueAndGradients(inputs, Self.crossAttention) }
        let two = Self.withThreads(2) { Self.valueAndGradients(inputs, Self.crossAttention) }
        #expect(one == two)
        let joint = Self.withThreads(2) {
            Self.valueAndGradients(inputs) { t, v in
                t.attention(query: v[0], key: t.concatSequences(v[1], v[2], sequences: Self.sequences),
                            value: t.concatSequences(v[3], v[4], sequences: Self.sequences), heads: Self.heads,
                            sequences: Self.sequences, keyMask: Self.crossMask)
            }
        }
        #expect(joint == two)
    }

    // MARK: Fused fusion-block nodes (LayerNorm with its residual, linear with its ReLU)

    /// x, r `[2100, 64]` (three blocks of 1,024 rows for the parameter-gradient sums), γ, β `[1, 64]`.
    static let normInputs = [GradientCheck.random(2100, d, seed: 70), GradientCheck.random(2100, d, seed: 71),
                             GradientCheck.random(1, d, seed: 72), GradientCheck.random(1, d, seed: 73)]

    static func residualNorm(_ t: Tape, _ v: [Tape.Var]) -> Tape.Var {
        t.layerNorm(v[0], residual: v[1], gamma: v[2], beta: v[3])
    }

    @Test func layerNormOverAResidualMatchesFiniteDifferencesAndTheUnfusedOpsOnOneAndTwoThreads() {
        let e = Self.withThreads(2) { GradientCheck.relativeError(inputs: Self.normInputs, coordinates: 32, Self.residualNorm) }
        #expect(e < tolerance)
        let one = Self.withThreads(1) { Self.valueAndGradients(Self.normInputs, Self.residualNorm) }
        let two = Self.withThreads(2) { Self.valueAndGradients(Self.normInputs, Self.residualNorm) }
        #expect(one == two)
        let unfused = Self.withThreads(2) {
            Self.valueAndGradients(Self.normInputs) { t, v in t.layerNorm(t.add(v[0], v[1]), gamma: v[2], beta: v[3]) }
        }
        #expect(unfused == two)
        // Against the definition in Double: y = γ (s − μ)/σ + β with s = x + r.
        let (x, r, g, b) = (Self.normInputs[0], Self.normInputs[1], Self.normInputs[2], Self.normInputs[3])
        var ref = [Double]()
        for row in 0..<x.rows {
            let sum = (0..<Self.d).map { Double(x[row, $0] + r[row, $0]) }
            let mu = sum.reduce(0, +) / Double(Self.d)
            let sigma = (sum.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(Self.d) + 1e-5).squareRoot()
            ref += (0..<Self.d).map { Double(g.data[$0]) * (sum[$0] - mu) / sigma + Double(b.data[$0]) }
        }
        #expect(Self.relativeMaxError(two[0].data, ref) < 1e-5)
    }

    /// x `[2048, 64]` in [−1, 1), W1 `[64, 128]` in [−1/32, 1/32), so |x·W1| < 2; b1 alternates ±3, so
    /// every pre-activation lies in (1, 5) or (−5, −1): a finite-difference step of 0.01 on any input
    /// never crosses the ReLU kink, and half the columns are active.
    static let reluInputs: [Matrix] = {
        var b = Matrix(rows: 1, cols: 128)
        for c in 0..<128 { b.data[c] = c % 2 == 0 ? 3 : -3 }
        return [GradientCheck.random(2048, d, seed: 80), GradientCheck.random(d, 128, seed: 81, -1.0 / 32, 1.0 / 32), b]
    }()

    @Test func linearReLUMatchesTheReferenceFiniteDifferencesAndTheUnfusedOpsOnOneAndTwoThreads() {
        let fused: (Tape, [Tape.Var]) -> Tape.Var = { t, v in t.linearReLU(v[0], v[1], v[2]) }
        let e = Self.withThreads(2) { GradientCheck.relativeError(inputs: Self.reluInputs, coordinates: 32, fused) }
        #expect(e < tolerance)
        let one = Self.withThreads(1) { Self.valueAndGradients(Self.reluInputs, fused) }
        let two = Self.withThreads(2) { Self.valueAndGradients(Self.reluInputs, fused) }
        #expect(one[0] == two[0] && one[1] == two[1] && one[3] == two[3])  // dw = xᵀ·g: per-thread partial sums
        #expect(Self.relativeMaxError(one[2].data, two[2].data.map(Double.init)) < 1e-5)
        let unfused = Self.withThreads(2) {
            Self.valueAndGradients(Self.reluInputs) { t, v in t.relu(t.linear(v[0], v[1], v[2])) }
        }
        #expect(unfused == two)
        // Against the definition in Double: y = max(x·W + b, 0).
        let (x, w, b) = (Self.reluInputs[0], Self.reluInputs[1], Self.reluInputs[2])
        var ref = [Double](repeating: 0, count: x.rows * w.cols)
        for r in 0..<x.rows {
            for c in 0..<w.cols {
                var s = Double(b.data[c])
                for k in 0..<Self.d { s += Double(x[r, k]) * Double(w[k, c]) }
                ref[r * w.cols + c] = max(s, 0)
            }
        }
        #expect(Self.relativeMaxError(two[0].data, ref) < 1e-6)
        #expect(two[0].data.contains { $0 == 0 } && two[0].data.contains { $0 > 0 })
    }

    // MARK: GEMM (row splits for A·B and A·Bᵀ, per-thread partial sums for Aᵀ·B)

    /// x `[2048, 64]` · w `[64, 64]` + b: forward and dx split by rows, dw = xᵀ·dy by K (2048 ≥ 4·64).
    static let gemmInputs = [GradientCheck.random(2048, d, seed: 30), GradientCheck.random(d, d, seed: 31),
                             GradientCheck.random(1, d, seed: 32)]

    @Test func linearAtWidth64MatchesFiniteDifferencesThroughTheThreadedSplits() {
        let e = Self.withThreads(2) {
            GradientCheck.relativeError(inputs: Self.gemmInputs, coordinates: 32) { t, v in t.linear(v[0], v[1], v[2]) }
        }
        #expect(e < tolerance)
    }

    /// The fusion FFN's linears (d 64 → F 128 → d 64; without the ReLU, whose kink finite differences
    /// would straddle) through the packed kernel: gradients by finite differences, and bitwise-equal
    /// values and input gradients on one and two threads.
    @Test func fusionFFNLinearsMatchFiniteDifferencesAndAreBitwiseEqualOnOneAndTwoThreads() {
        let inputs = [GradientCheck.random(2048, Self.d, seed: 40), GradientCheck.random(Self.d, 128, seed: 41),
                      GradientCheck.random(1, 128, seed: 42), GradientCheck.random(128, Self.d, seed: 43),
                      GradientCheck.random(1, Self.d, seed: 44)]
        let build: (Tape, [Tape.Var]) -> Tape.Var = { t, v in t.linear(t.linear(v[0], v[1], v[2]), v[3], v[4]) }
        let e = Self.withThreads(2) { GradientCheck.relativeError(inputs: inputs, coordinates: 32, build) }
        #expect(e < tolerance)
        let one = Self.withThreads(1) { Self.valueAndGradients(inputs, build) }
        let two = Self.withThreads(2) { Self.valueAndGradients(inputs, build) }
        #expect(one[0] == two[0])
        #expect(one[1] == two[1])
    }

    @Test func gemmRowSplitsAreBitwiseEqualAndPartialSumsAgreeOnOneAndTwoThreads() {
        let build: (Tape, [Tape.Var]) -> Tape.Var = { t, v in t.linear(v[0], v[1], v[2]) }
        let one = Self.withThreads(1) { Self.valueAndGradients(Self.gemmInputs, build) }
        let two = Self.withThreads(2) { Self.valueAndGradients(Self.gemmInputs, build) }
        #expect(one[0] == two[0])  // x·w + b: rows split
        #expect(one[1] == two[1])  // dx = dy·wᵀ: rows split
        #expect(one[3] == two[3])  // db: column sums, serial
        // dw = xᵀ·dy: one partial sum vs two summed; reference in Double.
        let x = Self.gemmInputs[0], dy = GradientCheck.random(2048, Self.d, seed: 3)
        var ref = [Double](repeating: 0, count: Self.d * Self.d)
        for p in 0..<x.rows {
            for i in 0..<Self.d { for j in 0..<Self.d { ref[i * Self.d + j] += Double(x[p, i]) * Double(dy[p, j]) } }
        }
        #expect(Self.relativeMaxError(one[2].data, ref) < 1e-5)
        #expect(Self.relativeMaxError(two[2].data, ref) < 1e-5)
        #expect(Self.relativeMaxError(one[2].data, two[2].data.map(Double.init)) < 1e-5)
    }
}
