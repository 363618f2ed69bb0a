import Foundation
import KGRecModel
import KGRecServiceKit

/// The flag parser of every `kgrec` subcommand: long flags (`--name value`, `--name=value`),
/// short aliases (`-d`, `-H`), switches (`--quiet`, `--quiet=false`), repeatable flags and, where
/// the command allows them, positional arguments (`--` ends the flags). Each command declares its
/// flags once, in its own file, as a `[Flag]`; `usage` prints them through `OptionHelp`, as the
/// services print theirs. Every value is type-checked as it is parsed (`--epochs abc` fails there,
/// with the services' message), and so is its `ConfigRule` (a range, a sign, one of an
/// enumeration's spellings: `--k 0` fails there too, saying `expected a positive integer`); `usage`
/// shows each rule. Errors are `UsageError`s naming the flag; `runCommand` turns them into exit code 2.
struct CommandFlags {
    /// One declared flag: a `ConfigOption` (name, type, typed default, help), the same
    /// declaration the services use, plus what only `kgrec` has: a short alias, the placeholder
    /// `usage` shows, switches and repeatable flags.
    struct Flag: Sendable {
        let option: ConfigOption
        let short: Character?
        /// Placeholder of the value in `usage` (`X`, `FILE`, `HOST:PORT`); nil for a switch.
        let value: String?
        let repeatable: Bool

        var name: String { option.name }
        var help: String { option.help }
        /// The default `usage` shows: one given in the declaration, none for a switch.
        let shownDefault: ConfigValue?

        /// `.init("out", "output directory")`, `.init("quiet", "no progress lines", value: false)`,
        /// `.init("budget", "time budget in seconds", kind: .double, rule: .positive)`.
        init(_ name: String, _ help: String, kind: ConfigValueKind = .string, value: Bool = true, rule: ConfigRule? = nil) {
            self.init(name, value ? "X" : nil, help, kind: kind, rule: rule)
        }

        /// A flag whose type and default come from the value the command really starts from, so
        /// help cannot drift from behaviour: `.init("epochs", "maximum epochs", default: TrainConfig().epochs)`.
        /// The rule is `rule`, else the value type's (`FlagValue.flagRule`: an enumeration's
        /// spellings, non-negative seeds).
        init(_ name: String, _ help: String, default value: some FlagValue, rule: ConfigRule? = nil) {
            self.init(name, "X", help, default: value, rule: rule)
        }

        /// `.init("graph-port", "PORT", "graph gRPC port", default: TopologyConfig.defaultGraphPort, rule: .range(1...65535))`.
        init<V: FlagValue>(_ name: String, short: Character? = nil, _ placeholder: String, _ help: String, default value: V,
                           rule: ConfigRule? = nil)
        {
            let v = value.flagValue
            self.init(ConfigOption(name, kind: v.kind, default: v, rule: rule ?? V.flagRule, help: help), short: short, placeholder,
                      shownDefault: v)
        }

        /// `.init("data", short: "d", "JSON", "request body")`, `.init("list", nil, "list methods")`.
        init(_ name: String, short: Character? = nil, _ value: String?, _ help: String, kind: ConfigValueKind = .string,
             repeatable: Bool = false, rule: ConfigRule? = nil)
        {
            self.init(ConfigOption(name, kind: value == nil ? .bool : kind, default: nil, rule: rule, help: help), short: short,
                      value, repeatable: repeatable)
        }

        private init(_ option: ConfigOption, short: Character?, _ value: String?, repeatable: Bool = false,
                     shownDefault: ConfigValue? = nil)
        {
            self.option = option
            self.short = short
            self.value = value
            self.repeatable = repeatable
            self.shownDefault = shownDefault
        }

        /// The text of one value, parsed, type-checked and checked against the rule by the
        /// services' `ConfigValueParser`; `kgrec`'s durations also take plain seconds (`--grace 10`).
        func parse(_ text: String) throws(UsageError) -> ConfigValue {
            do {
                if option.kind == .duration, let s = Double(text), s >= 0, s.isFinite, s < 9.2e9 {
                    return try ConfigValueParser.checked(.duration(.nanoseconds(Int64(s * 1e9))), for: option)
                }
                return try ConfigValueParser.parse(text, for: option)
            } catch {
                throw .invalid(source: "flag --\(name)", value: text, reason: error.reason, cause: error)
            }
        }
    }

    typealias Spec = Flag

    /// A value a flag starts from; its `ConfigValue` gives the flag's type and the default help
    /// shows, its `flagRule` the rule of a flag declared with it (none unless the type has one).
    protocol FlagValue {
        var flagValue: ConfigValue { get }
        static var flagRule: ConfigRule? { get }
    }

    private let flags: [Flag]
    /// Every value given, parsed; a repeatable flag keeps them all, others the last.
    private(set) var values: [String: [ConfigValue]] = [:]
    private(set) var positional: [String] = []
    private(set) var helpRequested = false

    /// Parses `args` and type-checks every value; a positional argument is a usage error unless
    /// `allowsPositional`.
    init(_ args: [String], flags: [Flag], allowsPositional: Bool = true) throws(UsageError) {
        self.flags = flags
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
                // A switch: `--quiet`, `--quiet=true`, `--quiet=false`.
                values[flag.name] = try flag.parse(inline ?? "true") == .bool(true) ? [.bool(true)] : nil
                continue
            }
            guard let text = inline ?? scanner.value() else { throw .missingValue("--\(flag.name)", placeholder) }
            let v = try flag.parse(text)
            if flag.repeatable { values[flag.name, default: []].append(v) } else { values[flag.name] = [v] }
        }
    }

    /// The model commands' form: flags only, no positional arguments.
    init(_ args: [String], specs: [Flag]) throws(UsageError) {
        try self.init(args, flags: specs, allowsPositional: false)
    }

    func string(_ n: String) -> String? { values[n]?.last.map { "\($0)" } }
    func strings(_ n: String) -> [String] { (values[n] ?? []).map { "\($0)" } }
    func has(_ n: String) -> Bool { values[n] != nil }

    func int(_ n: String) -> Int? {
        guard case .int(let v)? = typed(n, .int) else { return nil }
        return v
    }

    /// A seed: an integer flag declared with a `UInt64` default (so its rule is `nonNegative`).
    func seed(_ n: String) -> UInt64? {
        precondition(declared(n, rule: .nonNegative), "--\(n) is read as a seed but not declared with a UInt64 default")
        guard case .int(let v)? = typed(n, .int) else { return nil }
        return UInt64(v)
    }

    func double(_ n: String) -> Double? {
        guard case .double(let v)? = typed(n, .double) else { return nil }
        return v
    }

    /// `true` or `false` as a value (`--reflection false`).
    func bool(_ n: String) -> Bool? {
        guard case .bool(let v)? = typed(n, .bool) else { return nil }
        return v
    }

    /// Comma-separated integers, e.g. `64,32,16`.
    func ints(_ n: String) -> [Int]? {
        guard case .intList(let v)? = typed(n, .intList) else { return nil }
        return v
    }

    /// One of `T`'s spellings: a flag declared with a `T` default or `rule: .choices(T.self)`, so
    /// the parse already refused any other text.
    func choice<T: RawRepresentable & CaseIterable>(_ n: String, _ type: T.Type) -> T? where T.RawValue == String {
        precondition(declared(n, rule: .choices(T.self)), "--\(n) is read as a \(T.self) but not declared with its choices")
        guard case .string(let s)? = typed(n, .string) else { return nil }
        return T(rawValue: s)
    }

    /// A duration in the services' grammar (`30s`, `500ms`, `2m`, `1.5s`, `250us`), or plain seconds.
    func duration(_ n: String) -> Duration? {
        guard case .duration(let d)? = typed(n, .duration) else { return nil }
        return d
    }

    /// The last value of flag `n`, nil if not given or not declared (commands sharing a reader
    /// such as `RunSettings` may leave some of its flags out). A declared flag must be of `kind`:
    /// reading it as another type is a bug in the command, not a usage error.
    private func typed(_ n: String, _ kind: ConfigValueKind) -> ConfigValue? {
        guard let f = flags.first(where: { $0.name == n }) else { return nil }
        precondition(f.option.kind == kind, "--\(n) is declared \(f.option.kind.rawValue) but read as \(kind.rawValue)")
        return values[n]?.last
    }

    /// Whether flag `n` is undeclared (readers shared between commands skip those) or has `rule`.
    private func declared(_ n: String, rule: ConfigRule) -> Bool {
        flags.first { $0.name == n }.map { $0.option.rule == rule } ?? true
    }

    /// `usage: SYNOPSIS`, the summary, then one line per flag.
    static func usage(synopsis: String, _ summary: String, _ flags: [Flag]) -> String {
        "usage: \(synopsis)\n\(summary)\n\nflags:\n" + OptionHelp.render(flags.map { f in
            OptionHelp.Row((f.short.map { "-\($0), " } ?? "") + "--" + f.name + (f.value.map { " " + $0 } ?? ""), f.help,
                           default: f.shownDefault, repeatable: f.repeatable, rule: f.option.rule?.expected(for: f.option.kind))
        })
    }

    /// `usage: kgrec COMMAND [flags]`, the summary, then one line per flag.
    static func usage(_ command: String, _ summary: String, _ flags: [Flag]) -> String {
        usage(synopsis: "kgrec \(command) [flags]", summary, flags)
    }
}

extension CommandFlags.FlagValue { static var flagRule: ConfigRule? { nil } }
extension Int: CommandFlags.FlagValue { var flagValue: ConfigValue { .int(self) } }
/// Seeds: an integer flag that refuses negative values (read with `seed`).
extension UInt64: CommandFlags.FlagValue {
    var flagValue: ConfigValue { .int(Int(self)) }
    static var flagRule: ConfigRule? { .nonNegative }
}
extension String: CommandFlags.FlagValue { var flagValue: ConfigValue { .string(self) } }
extension Bool: CommandFlags.FlagValue { var flagValue: ConfigValue { .bool(self) } }
/// As the shortest text that reads back as the same `Float` (0.1, not 0.10000000149011612).
extension Float: CommandFlags.FlagValue { var flagValue: ConfigValue { .double(Double("\(self)")!) } }
extension Double: CommandFlags.FlagValue { var flagValue: ConfigValue { .double(self) } }
extension Duration: CommandFlags.FlagValue { var flagValue: ConfigValue { .duration(self) } }
/// Comma-separated, as list flags are written: 64,32,16.
extension Array: CommandFlags.FlagValue where Element == Int { var flagValue: ConfigValue { .intList(self) } }
/// Enumerations are string flags shown as their flag spelling, their spellings the choices;
/// `choice` reads them.
extension CommandFlags.FlagValue where Self: RawRepresentable & CaseIterable, RawValue == String {
    var flagValue: ConfigValue { .string(rawValue) }
    static var flagRule: ConfigRule? { .choices(Self.self) }
}
extension DataOptions.Format: CommandFlags.FlagValue {}
extension PropagationMode: CommandFlags.FlagValue {}
extension ModelConfig.Aggregator: CommandFlags.FlagValue {}
extension RestartPolicy.Mode: CommandFlags.FlagValue {}
extension EvalPhase: CommandFlags.FlagValue {}
extension ModelConfig.Modalities: CommandFlags.FlagValue {}
