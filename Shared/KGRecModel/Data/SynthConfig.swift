/// Sizes and knobs of a synthetic multimodal KG (`kgrec synth`). Codable: written beside the data.
public struct SynthConfig: Codable, Equatable, Sendable {
    /// Dataset name (file prefix).
    public var name: String = "synth"
    public var users: Int = 600
    public var items: Int = 2000
    /// Attribute entities (split evenly across the KG relations).
    public var attributes: Int = 240
    /// KG relations (each item gets 1–2 attributes per relation).
    public var relations: Int = 4
    /// Mean interactions per user (each user gets between half and 1.5× this). Sparse on purpose
    /// (about 5 per item): content features then matter, as for long-tail items in real catalogues.
    public var interactionsPerUser: Int = 16
    /// Raw feature widths. Defaults follow CLIP ViT-B/32 (512) and MiniLM (384).
    public var visualWidth: Int = 512
    public var textWidth: Int = 384
    /// Fraction of items without a visual / text vector, in [0, 1).
    public var missingVisual: Double = 0.1
    public var missingText: Double = 0.1
    /// Width of each latent preference factor (visual, text, KG).
    public var latent: Int = 8
    /// Standard deviation of the per-dimension feature noise relative to the signal.
    public var featureNoise: Float = 0.2
    /// Candidates scored per user (all items when ≥ items); keeps generation linear at scale.
    public var candidates: Int = 2000
    /// Softmax temperature of the choice among candidates (lower = more deterministic).
    public var temperature: Float = 0.25
    public var seed: UInt64 = 7

    public init() {}

    /// About `nodes` nodes in total (users 40%, items 40%, attributes 20%), 10 interactions per
    /// user, as the benchmark's 10%/50%/100%-of-a-million KGs use.
    public static func scaled(nodes: Int, seed: UInt64 = 7) -> SynthConfig {
        var c = SynthConfig()
        c.name = "synth\(nodes)"
        c.users = max(10, nodes * 4 / 10)
        c.items = max(10, nodes * 4 / 10)
        c.attributes = max(8, nodes - c.users - c.items)
        c.relations = 8
        c.interactionsPerUser = 10
        c.visualWidth = 128
        c.textWidth = 96
        c.candidates = 200
        c.seed = seed
        return c
    }

    /// The dataset of the pinned ablation test: 300 users, 800 items, 120 attributes, 64/48-d features.
    public static var ablationTest: SynthConfig {
        var c = SynthConfig()
        c.name = "ablation"
        c.users = 300
        c.items = 800
        c.attributes = 120
        c.visualWidth = 64
        c.textWidth = 48
        return c
    }

    /// A tiny dataset for unit tests (a few hundred entities, small feature widths).
    public static var tiny: SynthConfig {
        var c = SynthConfig()
        c.name = "tiny"
        c.users = 120
        c.items = 200
        c.attributes = 40
        c.interactionsPerUser = 12
        c.visualWidth = 24
        c.textWidth = 16
        return c
    }

    public func validate() throws {
        func check(_ ok: Bool, _ what: String) throws { if !ok { throw DataError(.invalidValue, file: "synth", what) } }
        try check(users > 0 && items > 1 && attributes >= relations && relations > 0, "users, items > 0 and attributes >= relations > 0")
        try check(interactionsPerUser >= 3 && interactionsPerUser * 3 / 2 < items, "interactions per user must be in [3, 2/3·items)")
        try check(visualWidth > 0 && textWidth > 0 && latent > 0 && candidates > 0, "widths, latent and candidates must be positive")
        try check((0..<1).contains(missingVisual) && (0..<1).contains(missingText), "missing fractions must be in [0, 1)")
        try check(temperature > 0, "temperature must be positive")
    }
}
