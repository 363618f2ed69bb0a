import Foundation
import KGRecModel
import KGRecServiceKit

/// The flag parser of every `kgrec` subcommand: long flags (`--name value`, `--name=value`),
/// short aliases (`-d`, `-H`), switches (`--quiet`, `--quiet=false`), repeatable flags and, where
/// the command allows them, positional arguments (`--` ends the flags). Each command declares its
/// flags once, in its own file, as a `[Flag]`; `usage` prints them. Errors are `UsageError`s
/// naming the flag; `runCommand` turns them into exit code 2.
struct CommandFlags {
    /// One declared flag.
    struct Flag: Sendable {
        let name: String
        let short: Character?
        /// Placeholder of the value in `usage` (`X`, `FILE`, `HOST:PORT`); nil for a switch.
        let value: String?
        let help: String
        let repeatable: Bool

        /// `.init("out", "output directory")`, `.init("quiet", "no progress lines", value: false)`.
        init(_ name: String, _ help: String, value: Bool = true) {
            self.init(name, value ? "X" : nil, help)
        }

        /// A flag whose help ends with `(default X)`, X rendered from the value the command
        /// really starts from, so help cannot drift from behaviour:
        /// `.init("epochs", "maximum epochs", default: TrainConfig().epochs)`.
        init(_ name: String, _ help: String, default value: some DefaultText) {
            self.init(name, "X", help, default: value)
        }

        /// `.init("graph-port", "PORT", "graph gRPC port", default: TopologyConfig.defaultGraphPort)`.
        init(_ name: String, short: Character? = nil, _ placeholder: String, _ help: String, default value: some DefaultText) {
            self.init(name, short: short, placeholder, help + " (default \(value.defaultText))")
        }

        /// `.init("data", short: "d", "JSON", "request body")`, `.init("list", nil, "list methods")`.
        init(_ name: String, short: Character? = nil, _ value: String?, _ help: String, repeatable: Bool = false) {
            self.name = name
            self.short = short
            self.value = value
            self.help = help
            self.repeatable = repeatable
        }
    }

    typealias Spec = Flag

    /// A value a flag's help can show as its default.
    protocol DefaultText { var defaultText: String { get } }

    private(set) var values: [String: [String]] = [:]
    private(set) var positional: [String] = []
    private(set) var helpRequested = false

    /// Parses `args`; a positional argument is a usage error unless `allowsPositional`.
    init(_ args: [String], flags: [Flag], allowsPositional: Bool = true) throws(UsageError) {
        var scanner = FlagScanner(args)
        while let token = scanner.next() {
            let flag: Flag, inline: String?
            switch token {
            case .word(let a):
                guard allowsPositional else { throw UsageError(.unexpectedArgument, "unexpected argument '\(a)'") }
                positional.append(a)
                continue
            case .endOfFlags:
                continue
            case .long("help", nil), .short("h", nil):
                helpRequested = true
                continue
            case .long(let name, let value):
                guard let f = flags.first(where: { $0.name == name }) else { throw UsageError(.unknownFlag, "unknown flag --\(name)") }
                (flag, inline) = (f, value)
            case .short(let c, let value):
                guard let f = flags.first(where: { $0.short == c }) else { throw UsageError(.unknownFlag, "unknown flag -\(c)") }
                (flag, inline) = (f, value)
            }
            guard let placeholder = flag.value else {
                switch inline {
                case nil, "true"?: values[flag.name] = ["true"]
                case "false"?: values[flag.name] = nil
                default: throw UsageError(.invalidValue, "--\(flag.name) is a switch (=true or =false)")
                }
                continue
            }
            let v: String
            if let inline { v = inline } else {
                guard let next = scanner.value() else { throw UsageError(.missingValue, "--\(flag.name) needs a value (\(placeholder))") }
                v = next
            }
            if flag.repeatable { values[flag.name, default: []].append(v) } else { values[flag.name] = [v] }
        }
    }

    /// The model commands' form: flags only, no positional arguments.
    init(_ args: [String], specs: [Flag]) throws(UsageError) {
        try self.init(args, flags: specs, allowsPositional: false)
    }

    func string(_ n: String) -> String? { values[n]?.last }
    func strings(_ n: String) -> [String] { values[n] ?? [] }
    func has(_ n: String) -> Bool { values[n] != nil }

    func int(_ n: String, in range: ClosedRange<Int>? = nil) throws(UsageError) -> Int? {
        guard let s = string(n) else { return nil }
        guard let v = Int(s), range.map({ $0.contains(v) }) ?? true else {
            throw invalid(n, s, "an integer\(range.map { " in \($0.lowerBound)...\($0.upperBound)" } ?? "")")
        }
        return v
    }

    /// A non-negative integer seed.
    func seed(_ n: String) throws(UsageError) -> UInt64? {
        guard let s = string(n) else { return nil }
        guard let v = UInt64(s) else { throw invalid(n, s, "a non-negative integer") }
        return v
    }

    func double(_ n: String, nonNegative: Bool = false) throws(UsageError) -> Double? {
        guard let s = string(n) else { return nil }
        guard let v = Double(s), !nonNegative || v >= 0 else {
            throw invalid(n, s, nonNegative ? "a non-negative number" : "a number")
        }
        return v
    }

    /// `true` or `false` as a value (`--reflection false`).
    func bool(_ n: String) throws(UsageError) -> Bool? {
        switch string(n) {
        case nil: return nil
        case "true"?: return true
        case "false"?: return false
        case let s?: throw invalid(n, s, "true or false")
        }
    }

    /// Comma-separated integers, e.g. `64,32,16`.
    func ints(_ n: String) throws(UsageError) -> [Int]? {
        guard let s = string(n) else { return nil }
        let parts = s.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else { throw invalid(n, s, "integers like 64,32,16") }
        return parts.map { $0! }
    }

    func choice<T: RawRepresentable & CaseIterable>(_ n: String, _ type: T.Type) throws(UsageError) -> T?
        where T.RawValue == String
    {
        guard let s = string(n) else { return nil }
        guard let v = T(rawValue: s) else {
            throw invalid(n, s, "one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return v
    }

    /// A duration in the services' grammar (`30s`, `500ms`, `2m`, `1.5s`, `250us`), or plain seconds.
    func duration(_ n: String) throws(UsageError) -> Duration? {
        guard let s = string(n) else { return nil }
        if let seconds = Double(s), seconds >= 0, seconds.isFinite, seconds < 9.2e9 {
            return .nanoseconds(Int64(seconds * 1e9))
        }
        guard case .duration(let d)? = try? ConfigValueParser.parse(s, as: .duration) else {
            throw invalid(n, s, "a duration like 10s, 500ms, 2m")
        }
        return d
    }

    private func invalid(_ n: String, _ s: String, _ expected: String) -> UsageError {
        UsageError(.invalidValue, "--\(n): expected \(expected), got '\(s)'")
    }

    /// `usage: SYNOPSIS`, the summary, then one line per flag.
    static func usage(synopsis: String, _ summary: String, _ flags: [Flag]) -> String {
        let lefts = flags.map { f in (f.short.map { "-\($0), " } ?? "") + "--" + f.name + (f.value.map { " " + $0 } ?? "") }
        let width = max(26, (lefts.map(\.count).max() ?? 0) + 2)
        var s = "usage: \(synopsis)\n\(summary)\n\nflags:\n"
        for (f, left) in zip(flags, lefts) {
            s += "  " + left.padding(toLength: width, withPad: " ", startingAt: 0) + f.help + (f.repeatable ? " (repeatable)" : "") + "\n"
        }
        return s
    }

    /// `usage: kgrec COMMAND [flags]`, the summary, then one line per flag.
    static func usage(_ command: String, _ summary: String, _ flags: [Flag]) -> String {
        usage(synopsis: "kgrec \(command) [flags]", summary, flags)
    }
}

extension Int: CommandFlags.DefaultText { var defaultText: String { String(self) } }
extension UInt64: CommandFlags.DefaultText { var defaultText: String { String(self) } }
extension String: CommandFlags.DefaultText { var defaultText: String { self } }
extension Bool: CommandFlags.DefaultText { var defaultText: String { self ? "true" : "false" } }
/// Whole numbers without a fraction (0, 75), others as the shortest text that reads back as the
/// same value (0.1, 1e-05).
extension Float: CommandFlags.DefaultText {
    var defaultText: String { self == rounded() && abs(self) < 1e15 ? String(Int(self)) : "\(self)" }
}
extension Double: CommandFlags.DefaultText {
    var defaultText: String { self == rounded() && abs(self) < 1e15 ? String(Int(self)) : "\(self)" }
}
/// Comma-separated, as list flags are written: 64,32,16.
extension Array: CommandFlags.DefaultText where Element: CommandFlags.DefaultText {
    var defaultText: String { map(\.defaultText).joined(separator: ",") }
}
/// In the flags' duration grammar: 10s, 500ms, 300s.
extension Duration: CommandFlags.DefaultText {
    var defaultText: String {
        let (s, atto) = components
        if atto == 0 { return "\(s)s" }
        let ms = Double(s) * 1e3 + Double(atto) / 1e15
        return ms == ms.rounded() ? "\(Int(ms))ms" : "\(Double(s) + Double(atto) / 1e18)s"
    }
}
/// Enumerations are shown as their flag spelling.
extension CommandFlags.DefaultText where Self: RawRepresentable, RawValue == String {
    var defaultText: String { rawValue }
}
extension DataOptions.Format: CommandFlags.DefaultText {}
extension PropagationMode: CommandFlags.DefaultText {}
extension ModelConfig.Aggregator: CommandFlags.DefaultText {}
extension RestartPolicy.Mode: CommandFlags.DefaultText {}
extension EvalPhase: CommandFlags.DefaultText {}
extension ModelConfig.Modalities: CommandFlags.DefaultText {}
