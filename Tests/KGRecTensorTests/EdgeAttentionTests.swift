import Foundation
import KGRecTensor
import Testing

/// `Tape.edgeAttentionLogits` (GAT-JK's attention with gradient): forward against a Double
/// reference, finite differences w.r.t. queries, keys and relation embeddings (alone and through
/// the segment softmax and the weighted SpMM, with dropped edges), and 1 vs 2 threads at d = 64.
@Suite(.serialized) struct EdgeAttentionTests {
    let tolerance = 1e-2

    /// `s[e] = z[t] · tanh(q[h] + ρ[r])` in Double.
    static func reference(_ g: SparseGraph, _ q: Matrix, _ z: Matrix, _ rho: Matrix, _ rel: [Int32]) -> [Double] {
        let k = q.cols
        return (0..<g.edgeCount).map { e in
            let h = Int(g.heads[e]), t = Int(g.tails[e]), r = Int(rel[e])
            return (0..<k).reduce(0.0) { s, c in
                s + Double(z.data[t * k + c]) * Foundation.tanh(Double(q.data[h * k + c]) + Double(rho.data[r * k + c]))
            }
        }
    }

    static func relations(_ g: SparseGraph, count: Int, seed: UInt64) -> [Int32] {
        var rng = Xoshiro256(seed: seed)
        return (0..<g.edgeCount).map { _ in Int32(rng.below(count)) }
    }

    @Test func edgeAttentionLogitsMatchTheReferenceAndFiniteDifferences() {
        // 7 nodes, width 5 (not a multiple of 16: the scalar tanh tail), 3 relations; node 6 has no edges.
        let g = SparseGraph(offsets: [0, 2, 5, 6, 8, 9, 11, 11], tails: [1, 2, 0, 3, 6, 4, 5, 0, 2, 1, 3], tailCount: 7)
        let rel = Self.relations(g, count: 3, seed: 1)
        let q = GradientCheck.random(7, 5, seed: 2), z = GradientCheck.random(7, 5, seed: 3)
        let rho = GradientCheck.random(3, 5, seed: 4)
        let t = Tape()
        let s = t.value(t.edgeAttentionLogits(g, queries: t.constant(q), keys: t.constant(z), relations: t.constant(rho),
                                              edgeRelations: rel))
        let want = Self.reference(g, q, z, rho, rel)
        #expect(zip(s.data, want).map { abs(Double($0) - $1) }.max()! < 1e-5)
        #expect(GradientCheck.relativeError(inputs: [q, z, rho], epsilon: 1e-3) { t, v in
            t.edgeAttentionLogits(g, queries: v[0], keys: v[1], relations: v[2], edgeRelations: rel)
        } < tolerance)
    }

    @Test func droppedEdgesGetNoWeightAndNoGradientThroughTheSoftmaxAndSpMM() {
        let g = SparseGraph(offsets: [0, 2, 5, 6, 8, 9, 11, 11], tails: [1, 2, 0, 3, 6, 4, 5, 0, 2, 1, 3], tailCount: 7)
        let rel = Self.relations(g, count: 3, seed: 1)
        // Edge 5 is node 2's only edge: node 2 then gets no message at all.
        var dropped = [Bool](repeating: false, count: g.edgeCount)
        dropped[1] = true; dropped[5] = true
        let q = GradientCheck.random(7, 5, seed: 2), z = GradientCheck.random(7, 5, seed: 3)
        let rho = GradientCheck.random(3, 5, seed: 4)
        func layer(_ t: Tape, _ v: [Tape.Var]) -> Tape.Var {
            let a = t.segmentSoftmax(g, t.edgeAttentionLogits(g, queries: v[0], keys: v[1], relations: v[2],
                                                              edgeRelations: rel, dropped: dropped))
            return t.spmm(g, weights: a, v[1])
        }
        let t = Tape()
        let a = t.segmentSoftmax(g, t.edgeAttentionLogits(g, queries: t.constant(q), keys: t.constant(z),
                                                          relations: t.constant(rho), edgeRelations: rel, dropped: dropped))
        #expect(t.value(a).data[1] == 0 && t.value(a).data[5] == 0 && t.value(a).data[0] == 1)
        #expect(GradientCheck.relativeError(inputs: [q, z, rho], epsilon: 1e-3, layer) < tolerance)
        // Node 2's query reaches nothing: its gradient row is zero.
        let tape = Tape()
        let vars = [q, z, rho].map { tape.variable($0) }
        tape.backward(from: tape.sum(layer(tape, vars)))
        #expect(tape.gradient(vars[0]).row(2).allSatisfy { $0 == 0 })
        #expect(tape.gradient(vars[0]).row(1).contains { $0 != 0 })
    }

    @Test func edgeAttentionAtWidth64MatchesFiniteDifferencesAndIsEqualOnOneAndTwoThreads() {
        let g = ProductionShapeNumericsTests.graph(heads: 2600, tails: 2600, maxDegree: 12, seed: 5)
        let rel = Self.relations(g, count: 24, seed: 6)
        let q = GradientCheck.random(2600, 64, seed: 7), z = GradientCheck.random(2600, 64, seed: 8)
        let rho = GradientCheck.random(24, 64, seed: 9)
        let t = Tape()
        let s = t.value(t.edgeAttentionLogits(g, queries: t.constant(q), keys: t.constant(z), relations: t.constant(rho),
                                              edgeRelations: rel))
        #expect(ProductionShapeNumericsTests.relativeMaxError(s.data, Self.reference(g, q, z, rho, rel)) < 1e-5)
        func build(_ t: Tape, _ v: [Tape.Var]) -> Tape.Var {
            t.edgeAttentionLogits(g, queries: v[0], keys: v[1], relations: v[2], edgeRelations: rel)
        }
        let err = ProductionShapeNumericsTests.withThreads(2) {
            GradientCheck.relativeError(inputs: [q, z, rho], epsilon: 1e-3, coordinates: 48, build)
        }
        #expect(err < tolerance)
        let one = ProductionShapeNumericsTests.withThreads(1) { ProductionShapeNumericsTests.valueAndGradients([q, z, rho], build) }
        let two = ProductionShapeNumericsTests.withThreads(2) { ProductionShapeNumericsTests.valueAndGradients([q, z, rho], build) }
        // Values, dq and dz are per row: bitwise equal. dρ sums one partial table per thread.
        for k in 0..<3 { #expect(one[k].data == two[k].data) }
        let scale = max(two[3].data.map(abs).max() ?? 0, 1e-6)
        #expect(zip(one[3].data, two[3].data).map { abs($0 - $1) }.max()! / scale < 1e-5)
    }
}
