import Foundation
import KGRecModel
import Testing
@testable import KGRecCLI

/// A default a flag's help shows is the value the command really starts from: passing it
/// explicitly changes nothing. (Prose defaults, "(default: the checkpoint's)", are not values.)
@Suite struct FlagDefaultTests {
    /// `(name, value)` for every flag whose line in `usage` ends in "(default VALUE)".
    static func shownDefaults(_ flags: [CommandFlags.Flag]) -> [(name: String, value: String)] {
        let lines = CommandFlags.usage("x", "", flags).split(separator: "\n")
        return flags.compactMap { f in
            let left = (f.short.map { "  -\($0), --" } ?? "  --") + f.name + " "
            guard f.value != nil, let line = lines.first(where: { $0.hasPrefix(left) }), line.hasSuffix(")"),
                  let r = line.range(of: " (default ", options: .backwards) else { return nil }
            return (f.name, String(line[r.upperBound...].dropLast()))
        }
    }

    @Test func everyTrainingDefaultShownInHelpIsTheOneTrainingUses() throws {
        func settings(_ extra: [String]) throws -> String {
            var s = try RunSettings(flags: CommandFlags(["--data", "/x"] + extra, specs: RunSettings.specs))
            s.train.propagation = s.train.propagationMode   // unset means full
            s.train.fusionTapeBudgetGiB = Double(s.train.fusionTapeBudget) / 1_073_741_824   // unset means the default
            s.train.fusionItemsPerBatchLimit = s.train.fusionItemsPerBatch   // unset means the default
            let e = JSONEncoder()
            e.outputFormatting = .sortedKeys
            return "\(s.kind) \(String(describing: s.ablation)) " + [try e.encode(s.model), try e.encode(s.train), try e.encode(s.data)]
                .map { String(decoding: $0, as: UTF8.self) }.joined(separator: " ")
        }
        let shown = Self.shownDefaults(RunSettings.specs)
        #expect(shown.count >= 20)
        let base = try settings([])
        for (name, value) in shown {
            #expect(try settings(["--\(name)", value]) == base, "--\(name) \(value)")
        }
        // The check can fail: a value other than the default changes the settings.
        #expect(try settings(["--epochs", "7"]) != base)
    }

    @Test func everyUpDefaultShownInHelpIsTheOneUpUses() throws {
        let dir = try EndToEndFixture.freshDirectory("kgrec-up-defaults-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let checkpoint = dir + "/checkpoint.safetensors"
        FileManager.default.createFile(atPath: checkpoint, contents: Data())
        func config(_ extra: [String]) throws -> String {
            var c = try UpCommand.topologyConfig(CommandFlags(["--checkpoint", checkpoint] + extra, flags: UpCommand.flags))
            #expect(c.extraArguments.values.allSatisfy { $0.isEmpty })
            c.extraArguments = [:]   // a dictionary: its description's order varies
            return String(describing: c)
        }
        let shown = Self.shownDefaults(UpCommand.flags).filter { $0.name != "restart" && $0.name != "restart-limit" }
        #expect(shown.count >= 8)
        let base = try config([])
        for (name, value) in shown {
            #expect(try config(["--\(name)", value]) == base, "--\(name) \(value)")
        }
        #expect(try config(["--graph-port", "1234"]) != base)
        // The restart flags feed RestartPolicy, whose defaults the help renders.
        #expect(Self.shownDefaults(UpCommand.flags).first { $0.name == "restart-limit" }?.value == String(RestartPolicy().crashLoopLimit))
    }
}
