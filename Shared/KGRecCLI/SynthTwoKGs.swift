import Foundation
import KGRecModel

/// `kgrec synth --two-kgs`: a seeded synthetic alignment task (`SyntheticTwoKG`) written as
/// `TwoKGFiles`.
enum SynthTwoKGs {
    static func run(_ f: CommandFlags, out: String) throws -> Int32 {
        var c: TwoKGSynthConfig
        switch f.string("preset") ?? "default" {
        case "default": c = TwoKGSynthConfig()
        case "tiny": c = .tiny
        case let p: throw CommandFlags.UsageError("--preset: with --two-kgs expected default or tiny, got '\(p)'")
        }
        if let v = f.string("name") { c.name = v }
        if let v = try f.int("items") { c.items = v }
        if let v = try f.int("attributes") { c.attributes = v }
        if let v = try f.int("relations") { c.relations = v }
        if let v = try f.int("text-width") { c.textWidth = v }
        if let v = try f.int("latent") { c.latent = v }
        if let v = try f.double("missing-text") { c.missingText = v }
        if let v = try f.double("noise") { c.noise = v }
        if let v = try f.double("overlap") { c.overlap = v }
        if let v = try f.seed("seed") { c.seed = v }
        let task = try SyntheticTwoKG.make(c)
        let files = try TwoKGFiles.write(task, to: out)
        print("synthesised \(task.summary), noise \(c.noise), overlap \(c.overlap)")
        print("wrote \(files.count) files to \(out)")
        return 0
    }
}
