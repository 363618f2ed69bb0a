/// A configuration mistake, with a message that names the flag or env var and the bad value.
public struct ConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }

    static func unknownFlag(_ arg: String) -> Self {
        .init("unknown flag \(arg) (see --help)")
    }
    static func missingValue(_ flag: String, _ kind: ConfigValueKind) -> Self {
        .init("flag \(flag) needs a value \(kind.placeholder)")
    }
    static func unexpectedArgument(_ arg: String) -> Self {
        .init("unexpected argument '\(arg)': options are flags like --name value (see --help)")
    }
    static func invalid(source: String, value: String, reason: String) -> Self {
        .init("invalid value '\(value)' for \(source): \(reason)")
    }
    static func missingRequired(_ option: ConfigOption, env: String) -> Self {
        .init("missing required option \(option.flag) (or env \(env)): \(option.help)")
    }
}
