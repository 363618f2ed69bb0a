import Foundation

/// A seeded synthetic multimodal KG whose user preferences depend on the visual content, the text
/// content and the KG attributes of items, so each signal is needed to rank well.
///
/// Generative story (all draws from one `SplitMix64(seed)`):
/// - item i has latent factors `a_v(i)`, `a_t(i)` ∈ R^k; attribute entity e has `b(e)` ∈ R^k; item i
///   links to 1–2 attributes per KG relation (skewed popularity) and `c(i)` = mean of their `b`;
/// - raw features `x_v(i) = normalize(P_v a_v(i) + noise)` (`[visualWidth]`) and likewise
///   `x_t(i)` with `P_t` (`[textWidth]`), each missing for a configured fraction of items;
/// - user u has factors `p_v, p_t, p_a` ∈ R^k and modality weights `(w_v, w_t, w_kg)` ~ Dirichlet(1,1,1)
///   (so some users lean visual, others text); utility
///   `s(u,i) = √3·(w_v p_v·a_v(i) + w_t p_t·a_t(i) + w_kg p_a·c(i)) + pop(i)`;
/// - u picks its items among `candidates` random items by Gumbel-top-k sampling at `temperature`.
/// A model that sees the features recovers `a_v`, `a_t` even for items with few interactions.
public struct SyntheticKG: Sendable {
    public let config: SynthConfig
    public var raw: RawData
    public var features: MultimodalFeatures
    /// True modality weights per user, `[U, 3]` (visual, text, KG), for checking explanations.
    public var userWeights: [Float]

    public init(_ config: SynthConfig) throws {
        try config.validate()
        self.config = config
        var rng = SplitMix64(seed: config.seed)
        let k = config.latent, nI = config.items, nA = config.attributes, nR = config.relations
        let scale = 1 / Float(k).squareRoot()
        func gaussians(_ n: Int, _ s: Float) -> [Float] { (0..<n).map { _ in rng.gaussian() * s } }

        var raw = RawData()
        for u in 0..<config.users { raw.users.insert("u\(u)") }
        for i in 0..<nI { raw.items.insert("i\(i)") }
        for i in 0..<nI { raw.entities.insert("E\(i)") }
        for a in 0..<nA { raw.entities.insert("A\(a)") }
        let names = ["has_genre", "has_director", "has_actor", "has_studio", "has_tag", "has_era"]
        for r in 0..<nR { raw.relations.insert(r < names.count ? names[r] : "rel_\(r)") }
        raw.knowledge.relationNames = raw.relations.tokens
        raw.itemTitles = (0..<nI).map { "item \($0)" }

        // Item and attribute latents, KG links.
        let av = gaussians(nI * k, scale), at = gaussians(nI * k, scale), b = gaussians(nA * k, scale)
        var c = [Float](repeating: 0, count: nI * k)
        let pool = nA / nR
        for i in 0..<nI {
            var linked = 0
            for r in 0..<nR {
                let n = 1 + rng.below(2)
                var last = -1
                for _ in 0..<n {
                    let u = rng.unit()
                    let a = r * pool + min(pool - 1, Int(u * u * Float(pool)))
                    if a == last { continue }
                    last = a
                    raw.knowledge.append(Int32(i), Int32(r), Int32(nI + a))
                    for d in 0..<k { c[i * k + d] += b[a * k + d] }
                    linked += 1
                }
            }
            var norm: Float = 0
            for d in 0..<k { norm += c[i * k + d] * c[i * k + d] }
            let s = 1 / max(norm.squareRoot(), 1e-6)
            for d in 0..<k { c[i * k + d] *= s }
        }
        let pop = gaussians(nI, 0.3)

        // Features.
        func modality(_ width: Int, _ latent: [Float], _ missing: Double) -> ModalityFeatures {
            let p = (0..<width * k).map { _ in rng.gaussian() }
            var rows = [Int32](repeating: -1, count: nI + nA)
            var values = [Float]()
            values.reserveCapacity(nI * width)
            var vec = [Float](repeating: 0, count: width)
            var next: Int32 = 0
            for i in 0..<nI {
                if Double(rng.unit()) < missing { continue }
                var norm: Float = 0
                for w in 0..<width {
                    var s: Float = 0
                    for d in 0..<k { s += p[w * k + d] * latent[i * k + d] }
                    s += rng.gaussian() * config.featureNoise
                    vec[w] = s
                    norm += s * s
                }
                let inv = 1 / max(norm.squareRoot(), 1e-6)
                for w in 0..<width { values.append(vec[w] * inv) }
                rows[i] = next
                next += 1
            }
            return ModalityFeatures(width: width, values: values, rowOfEntity: rows)
        }
        features = MultimodalFeatures(visual: modality(config.visualWidth, av, config.missingVisual),
                                      text: modality(config.textWidth, at, config.missingText))

        // Users and their choices.
        var weights = [Float](repeating: 0, count: config.users * 3)
        let useAll = config.candidates >= nI
        let root3 = Float(3).squareRoot()
        var cand = [Int](), keys = [(Float, Int32)]()
        for u in 0..<config.users {
            let g = (0..<3).map { _ in -logf(max(rng.unit(), 1e-7)) }
            let gs = g.reduce(0, +)
            for m in 0..<3 { weights[u * 3 + m] = g[m] / gs }
            let pv = gaussians(k, 1), pt = gaussians(k, 1), pa = gaussians(k, 1)
            let n = config.interactionsPerUser / 2 + rng.below(config.interactionsPerUser + 1)
            cand = useAll ? Array(0..<nI) : (0..<config.candidates).map { _ in rng.below(nI) }
            keys.removeAll(keepingCapacity: true)
            for i in cand {
                var sv: Float = 0, st: Float = 0, sa: Float = 0
                for d in 0..<k {
                    sv += pv[d] * av[i * k + d]
                    st += pt[d] * at[i * k + d]
                    sa += pa[d] * c[i * k + d]
                }
                let s = root3 * (weights[u * 3] * sv + weights[u * 3 + 1] * st + weights[u * 3 + 2] * sa) + pop[i]
                let gumbel = -logf(-logf(max(rng.unit(), 1e-7)))
                keys.append((s / config.temperature + gumbel, Int32(i)))
            }
            keys.sort { $0.0 > $1.0 }
            var taken = Set<Int32>()
            for (_, i) in keys where taken.count < n && !taken.contains(i) {
                taken.insert(i)
                raw.interactionUsers.append(Int32(u))
                raw.interactionItems.append(i)
            }
        }
        self.raw = raw
        userWeights = weights
    }

    /// The dataset (random 8:1:1 split with `splitSeed`), without going through files.
    public func dataset(splitSeed: UInt64 = 2020, sequenceLength: Int = 8) -> Dataset {
        let split = InteractionSplit.random(userCount: raw.users.count, itemCount: raw.items.count,
                                            users: raw.interactionUsers, items: raw.interactionItems, seed: splitSeed)
        var d = Dataset(name: config.name, users: raw.users, items: raw.items, entities: raw.entities,
                        relations: raw.relations, split: split, knowledge: raw.knowledge, features: features,
                        sequenceLength: sequenceLength)
        d.itemTitles = raw.itemTitles
        return d
    }
}
