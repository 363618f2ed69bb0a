import Foundation
import KGRecModel

/// A `--flag value` / `--switch` parser for the model commands (synth, train, eval, ablate,
/// breakdown, demo). Errors name the flag.
struct ModelFlags {
    struct Spec {
        let name: String
        let help: String
        let takesValue: Bool
        init(_ name: String, _ help: String, value: Bool = true) { self.name = name; self.help = help; takesValue = value }
    }

    struct UsageError: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }

    private(set) var values: [String: String] = [:]
    private(set) var switches: Set<String> = []
    var helpRequested = false

    init(_ args: [String], specs: [Spec]) throws {
        var i = 0
        while i < args.count {
            var a = args[i]
            i += 1
            if a == "--help" || a == "-h" { helpRequested = true; continue }
            guard a.hasPrefix("--") else { throw UsageError("unexpected argument '\(a)'") }
            var inline: String? = nil
            if let eq = a.firstIndex(of: "=") { inline = String(a[a.index(after: eq)...]); a = String(a[..<eq]) }
            let name = String(a.dropFirst(2))
            guard let spec = specs.first(where: { $0.name == name }) else { throw UsageError("unknown flag --\(name)") }
            if spec.takesValue {
                if let v = inline { values[name] = v; continue }
                guard i < args.count else { throw UsageError("--\(name) needs a value") }
                values[name] = args[i]
                i += 1
            } else {
                switches.insert(name)
            }
        }
    }

    static func usage(_ command: String, _ summary: String, _ specs: [Spec]) -> String {
        var s = "usage: kgrec \(command) [flags]\n\(summary)\n\nflags:\n"
        for f in specs {
            let left = "--" + f.name + (f.takesValue ? " X" : "")
            s += "  " + left.padding(toLength: 26, withPad: " ", startingAt: 0) + f.help + "\n"
        }
        return s
    }

    func string(_ n: String) -> String? { values[n] }
    func has(_ n: String) -> Bool { switches.contains(n) }

    func int(_ n: String) throws -> Int? {
        guard let v = values[n] else { return nil }
        guard let x = Int(v) else { throw UsageError("--\(n): expected an integer, got '\(v)'") }
        return x
    }

    /// A non-negative integer seed.
    func seed(_ n: String) throws -> UInt64? {
        guard let v = values[n] else { return nil }
        guard let x = UInt64(v) else { throw UsageError("--\(n): expected a non-negative integer, got '\(v)'") }
        return x
    }

    func double(_ n: String) throws -> Double? {
        guard let v = values[n] else { return nil }
        guard let x = Double(v) else { throw UsageError("--\(n): expected a number, got '\(v)'") }
        return x
    }

    func ints(_ n: String) throws -> [Int]? {
        guard let v = values[n] else { return nil }
        let parts = v.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else { throw UsageError("--\(n): expected integers like 64,32,16, got '\(v)'") }
        return parts.map { $0! }
    }

    func choice<T: RawRepresentable>(_ n: String, _ type: T.Type) throws -> T? where T.RawValue == String, T: CaseIterable {
        guard let v = values[n] else { return nil }
        guard let x = T(rawValue: v) else {
            throw UsageError("--\(n): expected one of \(T.allCases.map(\.rawValue).joined(separator: ", ")), got '\(v)'")
        }
        return x
    }
}

/// Runs a command body, printing errors as `kgrec NAME: message` and mapping them to exit codes.
func runCommand(_ name: String, _ body: () throws -> Int32) -> Int32 {
    do { return try body() } catch let e as ModelFlags.UsageError {
        FileHandleOutput.stderr("kgrec \(name): \(e.description)\n(kgrec \(name) --help lists the flags)\n")
        return 2
    } catch {
        FileHandleOutput.stderr("kgrec \(name): \(error)\n")
        return 1
    }
}
