/// One declared configuration option: a flag `--name`, its env-var equivalent
/// `<PREFIX><NAME>` (upper case, `-` → `_`), its type, default, the rule a value must keep
/// (checked when it is parsed, shown in `--help`) and one-line description.
/// A service declares its options once; parsing, `--help`, `--print-flags-json` and the
/// deployment-file checks all read the same declaration.
public struct ConfigOption: Hashable, Sendable {
    /// Lower-case kebab name, e.g. `admin-port`; the flag is `--admin-port`.
    public let name: String
    public let kind: ConfigValueKind
    /// The value when neither flag nor env var is given; nil means "unset" (or an error if
    /// `required`). Lists default to empty, bools to false.
    public let defaultValue: ConfigValue?
    public let required: Bool
    /// What a value must be beyond its type (a range, a sign, a set of words); nil for anything.
    public let rule: ConfigRule?
    public let help: String

    public init(_ name: String, kind: ConfigValueKind, default defaultValue: ConfigValue?,
                required: Bool = false, rule: ConfigRule? = nil, help: String)
    {
        precondition(!name.isEmpty && name.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" },
                     "option names are lower-case kebab: \(name)")
        precondition(defaultValue == nil || defaultValue!.kind == kind, "default of \(name) has wrong type")
        precondition(rule.map { $0.applies(to: kind) } ?? true, "rule of \(name) does not apply to \(kind.rawValue)")
        precondition(rule == nil || defaultValue == nil || rule!.accepts(defaultValue!), "default of \(name) breaks its rule")
        self.name = name
        self.kind = kind
        switch (defaultValue, kind) {
        case (nil, .stringList): self.defaultValue = .stringList([])
        case (nil, .bool): self.defaultValue = .bool(false)
        default: self.defaultValue = defaultValue
        }
        self.required = required
        self.rule = rule
        self.help = help
    }

    /// `--name`.
    public var flag: String { "--" + name }

    /// The env var under a service prefix such as `KGREC_RANKER_`.
    public func envVar(prefix: String) -> String {
        prefix + name.uppercased().replacingAll("-", with: "_")
    }

    public static func int(_ name: String, default d: Int?, required: Bool = false, rule: ConfigRule? = nil,
                           help: String) -> Self
    {
        .init(name, kind: .int, default: d.map { .int($0) }, required: required, rule: rule, help: help)
    }
    public static func double(_ name: String, default d: Double?, rule: ConfigRule? = nil, help: String) -> Self {
        .init(name, kind: .double, default: d.map { .double($0) }, rule: rule, help: help)
    }
    public static func string(_ name: String, default d: String?, required: Bool = false, rule: ConfigRule? = nil,
                              help: String) -> Self
    {
        .init(name, kind: .string, default: d.map { .string($0) }, required: required, rule: rule, help: help)
    }
    public static func bool(_ name: String, default d: Bool = false, help: String) -> Self {
        .init(name, kind: .bool, default: .bool(d), help: help)
    }
    public static func duration(_ name: String, default d: Duration?, rule: ConfigRule? = nil, help: String) -> Self {
        .init(name, kind: .duration, default: d.map { .duration($0) }, rule: rule, help: help)
    }
    public static func size(_ name: String, default bytes: Int?, rule: ConfigRule? = nil, help: String) -> Self {
        .init(name, kind: .size, default: bytes.map { .size($0) }, rule: rule, help: help)
    }
    public static func stringList(_ name: String, default d: [String] = [], required: Bool = false,
                                  help: String) -> Self
    {
        .init(name, kind: .stringList, default: .stringList(d), required: required, help: help)
    }
}
