import Foundation
import KGRecModel

/// `kgrec synth`: writes a seeded synthetic multimodal KG as RecBole atomic files + .npy features.
struct SynthCommand: CLICommand {
    let name = "synth"
    let summary = "generate a seeded synthetic multimodal KG dataset (RecBole files + .npy features)"

    /// Defaults shown are `SynthConfig()`'s (the `default` preset).
    static let specs: [CommandFlags.Spec] = { let d = SynthConfig(); return [
        .init("out", "output directory (required)"),
        .init("preset", "tiny: unit tests; ablation: the pinned ablation test (not with --two-kgs)",
              rule: .choices(["default", "tiny", "ablation"])),
        .init("nodes", "scale preset: about N nodes (40% users, 40% items, 20% attributes)", kind: .int),
        .init("name", "dataset name / file prefix", default: d.name),
        .init("users", "users", default: d.users),
        .init("items", "items", default: d.items),
        .init("attributes", "attribute entities", default: d.attributes),
        .init("relations", "KG relations", default: d.relations),
        .init("interactions-per-user", "mean interactions per user", default: d.interactionsPerUser),
        .init("visual-width", "visual feature width (CLIP-like)", default: d.visualWidth),
        .init("text-width", "text feature width (MiniLM-like)", default: d.textWidth),
        .init("missing-visual", "fraction of items without a visual vector", default: d.missingVisual),
        .init("missing-text", "fraction of items without a text vector", default: d.missingText),
        .init("latent", "latent factor width per signal", default: d.latent),
        .init("noise", "feature noise", default: d.featureNoise),
        .init("candidates", "items scored per user when choosing", default: d.candidates),
        .init("temperature", "choice temperature", default: d.temperature),
        .init("seed", "seed", default: d.seed),
        .init("two-kgs", "write an alignment task instead: two noisy views of one world with known pairs (kgrec align; flags items, attributes, relations, text-width, latent, missing-text, noise = ν, overlap, seed, preset tiny; their defaults are the alignment task's own, not the ones shown here)", value: false),
        .init("overlap", "with --two-kgs: fraction of the world's items in both KGs", default: TwoKGSynthConfig().overlap),
    ] }()

    func run(_ args: [String]) -> Int32 {
        runCommand(name) {
            let f = try CommandFlags(args, specs: Self.specs)
            if f.helpRequested { print(CommandFlags.usage(name, summary, Self.specs)); return 0 }
            guard let out = f.string("out") else { throw CommandFlags.UsageError("--out DIR is required") }
            if f.has("two-kgs") { return try SynthTwoKGs.run(f, out: out) }
            var c = try Self.config(f)
            if let v = f.string("name") { c.name = v }
            let t0 = ProgressLine.now()
            let synth = try SyntheticKG(c)
            let files = try synth.write(to: out)
            print("synthesised \(c.name): \(c.users) users, \(c.items) items, \(c.attributes) attributes, "
                  + "\(c.relations) relations, \(synth.raw.interactionUsers.count) interactions, "
                  + "\(synth.raw.knowledge.count) KG triples, visual \(c.visualWidth)-d, text \(c.textWidth)-d "
                  + "in \(ProgressLine.fmt(ProgressLine.now() - t0, 2))s")
            print("wrote \(files.count) files to \(out)")
            return 0
        }
    }

    /// The config from `--preset`/`--nodes` and the individual flags.
    static func config(_ f: CommandFlags) throws -> SynthConfig {
        var c: SynthConfig
        if let n = f.int("nodes") {
            c = .scaled(nodes: n)
        } else {
            switch f.string("preset") {
            case "tiny": c = .tiny
            case "ablation": c = .ablationTest
            default: c = SynthConfig()
            }
        }
        if let v = f.int("users") { c.users = v }
        if let v = f.int("items") { c.items = v }
        if let v = f.int("attributes") { c.attributes = v }
        if let v = f.int("relations") { c.relations = v }
        if let v = f.int("interactions-per-user") { c.interactionsPerUser = v }
        if let v = f.int("visual-width") { c.visualWidth = v }
        if let v = f.int("text-width") { c.textWidth = v }
        if let v = f.double("missing-visual") { c.missingVisual = v }
        if let v = f.double("missing-text") { c.missingText = v }
        if let v = f.int("latent") { c.latent = v }
        if let v = f.double("noise") { c.featureNoise = Float(v) }
        if let v = f.int("candidates") { c.candidates = v }
        if let v = f.double("temperature") { c.temperature = Float(v) }
        if let v = f.seed("seed") { c.seed = v }
        return c
    }
}
