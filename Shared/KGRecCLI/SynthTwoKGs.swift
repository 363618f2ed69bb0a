import Foundation
import KGRecModel

/// `kgrec synth --two-kgs`: a seeded synthetic alignment task (`SyntheticTwoKG`) written as
/// `TwoKGFiles`.
enum SynthTwoKGs {
    static func run(_ f: CommandFlags, out: String) throws -> Int32 {
        var c: TwoKGSynthConfig
        switch f.string("preset") {
        case "tiny": c = .tiny
        case "ablation": throw CommandFlags.UsageError("--preset ablation does not go with --two-kgs, which takes tiny or none")
        default: c = TwoKGSynthConfig()
        }
        if let v = f.string("name") { c.name = v }
        if let v = f.int("items") { c.items = v }
        if let v = f.int("attributes") { c.attributes = v }
        if let v = f.int("relations") { c.relations = v }
        if let v = f.int("text-width") { c.textWidth = v }
        if let v = f.int("latent") { c.latent = v }
        if let v = f.double("missing-text") { c.missingText = v }
        if let v = f.double("noise") { c.noise = v }
        if let v = f.double("overlap") { c.overlap = v }
        if let v = f.seed("seed") { c.seed = v }
        let task = try SyntheticTwoKG.make(c)
        let files = try TwoKGFiles.write(task, to: out)
        print("synthesised \(task.summary), noise \(c.noise), overlap \(c.overlap)")
        print("wrote \(files.count) files to \(out)")
        return 0
    }
}
