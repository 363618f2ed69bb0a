import Foundation

/// Sizes and knobs of a synthetic alignment task (`kgrec synth --two-kgs`).
public struct TwoKGSynthConfig: Codable, Equatable, Sendable {
    public var name = "synth2"
    /// Items of the hidden world; each is in both KGs with probability `overlap`, else in exactly one.
    public var items = 1500
    /// Attribute entities of the world (split evenly over the relations); both KGs have all of them.
    public var attributes = 150
    public var relations = 4
    /// Probability that a world item is in both KGs (an aligned pair), in (0, 1].
    public var overlap = 0.8
    public var textWidth = 32
    public var latent = 8
    /// Fraction of each KG's items without a text vector (independently per KG), in [0, 1).
    public var missingText = 0.1
    /// Noise ν in [0, 1], drawn independently for each KG: each world triple is dropped with
    /// probability ν, ν·T random triples are added, and each feature dimension gets Gaussian noise of
    /// standard deviation 2ν (the signal's is about 1).
    public var noise = 0.0
    /// Ratios of the pairs' train/valid/test split.
    public var splitRatios = [0.3, 0.1, 0.6]
    public var seed: UInt64 = 7

    public init() {}

    /// A few hundred entities, for unit tests.
    public static var tiny: TwoKGSynthConfig {
        var c = TwoKGSynthConfig()
        c.name = "synth2-tiny"
        c.items = 160
        c.attributes = 24
        c.textWidth = 16
        return c
    }

    public func validate() throws {
        func check(_ ok: Bool, _ what: String) throws { if !ok { throw DataError(.invalidValue, file: "synth --two-kgs", what) } }
        try check(items > 1 && relations > 0 && attributes >= relations, "items > 1 and attributes >= relations > 0")
        try check(overlap > 0 && overlap <= 1, "overlap must be in (0, 1]")
        try check(textWidth > 0 && latent > 0, "widths must be positive")
        try check((0..<1).contains(missingText), "missing-text must be in [0, 1)")
        try check((0...1).contains(noise), "noise must be in [0, 1]")
        try check(splitRatios.count == 3 && splitRatios.allSatisfy { $0 >= 0 } && splitRatios[0] > 0, "split ratios: three, train > 0")
    }
}

/// A seeded synthetic alignment task with a known alignment (all draws from one `SplitMix64`).
///
/// A hidden world of items (latent `a(i)` ∈ R^k) and attributes; item i links to 1–2 attributes per
/// relation (skewed popularity). Each KG is a noisy view of it: its own subset of the items (partial
/// overlap), all attributes, its own shuffled entity tokens (`e17`, `t3`; the index order says nothing
/// about the alignment), its own relation names (A `rel_r`, B `prop_π(r)` for a random permutation π),
/// the world's triples with noise (dropped and random triples), and text `normalize(P a(i) + 2ν ε)`
/// with the same P but its own noise ε and missing rows. The pairs are the items in both KGs.
public enum SyntheticTwoKG {
    public static func make(_ c: TwoKGSynthConfig) throws -> TwoKG {
        try c.validate()
        var rng = SplitMix64(seed: c.seed)
        let k = c.latent, nI = c.items, nA = c.attributes, nR = c.relations
        let scale = 1 / Float(k).squareRoot()
        let latent = (0..<nI * k).map { _ in rng.gaussian() * scale }
        var world = [(Int32, Int32, Int32)]()  // (item, relation, attribute)
        let pool = nA / nR
        for i in 0..<nI {
            for r in 0..<nR {
                var last = -1
                for _ in 0..<(1 + rng.below(2)) {
                    let u = rng.unit()
                    let a = r * pool + min(pool - 1, Int(u * u * Float(pool)))
                    if a == last { continue }
                    last = a
                    world.append((Int32(i), Int32(r), Int32(a)))
                }
            }
        }
        // Membership: 0 = both, 1 = A only, 2 = B only.
        let membership = (0..<nI).map { _ in rng.unit() < Float(c.overlap) ? 0 : 1 + rng.below(2) }
        let projection = (0..<c.textWidth * k).map { _ in rng.gaussian() }
        var permutation = Array(0..<nR)
        rng.shuffle(&permutation)

        var views = [KGSide]()
        var viewOfItem = [[Int32]]()  // per side: world item → view entity, −1 when absent
        for s in 0..<2 {
            let present = (0..<nI).filter { membership[$0] == 0 || membership[$0] == 1 + s }
            var order = present
            rng.shuffle(&order)
            var attrOrder = Array(0..<nA)
            rng.shuffle(&attrOrder)
            var side = KGSide()
            var index = [Int32](repeating: -1, count: nI)
            for (v, i) in order.enumerated() { index[i] = Int32(v); side.entities.insert("e\(v)") }
            side.itemCount = order.count
            var attrIndex = [Int32](repeating: 0, count: nA)
            for (v, a) in attrOrder.enumerated() { attrIndex[a] = Int32(side.itemCount + v) }
            for v in 0..<nA { side.entities.insert("t\(v)") }
            side.triples.relationNames = (0..<nR).map { s == 0 ? "rel_\($0)" : "prop_\(permutation[$0])" }
            let noise = Float(c.noise)
            var kept = 0
            for (i, r, a) in world where index[Int(i)] >= 0 {
                kept += 1
                if rng.unit() < noise { continue }
                side.triples.append(index[Int(i)], r, attrIndex[Int(a)])
            }
            for _ in 0..<Int((Float(kept) * noise).rounded()) {
                let r = rng.below(nR)
                side.triples.append(Int32(rng.below(side.itemCount)), Int32(r), attrIndex[r * pool + rng.below(pool)])
            }
            // Text: row per present item in view order.
            var rows = [Int32](repeating: -1, count: side.entities.count)
            var values = [Float]()
            var next: Int32 = 0
            var vec = [Float](repeating: 0, count: c.textWidth)
            for (v, i) in order.enumerated() {
                if Double(rng.unit()) < c.missingText { continue }
                var norm: Float = 0
                for w in 0..<c.textWidth {
                    var x: Float = 0
                    for d in 0..<k { x += projection[w * k + d] * latent[i * k + d] }
                    x += rng.gaussian() * 2 * noise
                    vec[w] = x
                    norm += x * x
                }
                let inv = 1 / max(norm.squareRoot(), 1e-6)
                values += vec.map { $0 * inv }
                rows[v] = next
                next += 1
            }
            side.features.text = ModalityFeatures(width: c.textWidth, values: values, rowOfEntity: rows)
            views.append(side)
            viewOfItem.append(index)
        }
        var pairs = AlignmentPairs()
        for i in 0..<nI where membership[i] == 0 { pairs.append(viewOfItem[0][i], viewOfItem[1][i], .train) }
        pairs.phase = TwoKGFiles.randomSplit(pairs.count, seed: c.seed &+ 1, ratios: c.splitRatios)
        return TwoKG(name: c.name, a: views[0], b: views[1], pairs: pairs)
    }
}
