/// A configuration mistake: a `code` saying which kind (what callers and tests switch on), a
/// message that names the flag or env var and the bad value, and the error behind it, if any.
public struct ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String {
            case unknownFlag = "unknown flag"
            case missingValue = "missing value"
            case unexpectedArgument = "unexpected argument"
            case invalidValue = "invalid value"
            case missingRequired = "missing required option"
            case conflictingOptions = "conflicting options"
        }
        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// A flag no option declares.
        public static let unknownFlag = Code(.unknownFlag)
        /// A flag that takes a value came last.
        public static let missingValue = Code(.missingValue)
        /// Something that is not a flag on the command line.
        public static let unexpectedArgument = Code(.unexpectedArgument)
        /// A value of the wrong type or outside its range.
        public static let invalidValue = Code(.invalidValue)
        /// A required option set neither by flag nor env var.
        public static let missingRequired = Code(.missingRequired)
        /// Values that are each valid but do not work together (e.g. no encoder at all).
        public static let conflictingOptions = Code(.conflictingOptions)

        public var description: String { kind.rawValue }
    }

    public let code: Code
    public let message: String
    public let cause: (any Error)?

    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String { message }

    /// Same code and message (the cause is not compared).
    public static func == (a: Self, b: Self) -> Bool { a.code == b.code && a.message == b.message }

    static func unknownFlag(_ arg: String) -> Self {
        .init(.unknownFlag, "unknown flag \(arg) (see --help)")
    }
    /// `placeholder` as `--help` shows it: `<int>`, `FILE`.
    public static func missingValue(_ flag: String, _ placeholder: String) -> Self {
        .init(.missingValue, "flag \(flag) needs a value \(placeholder)")
    }
    static func unexpectedArgument(_ arg: String) -> Self {
        .init(.unexpectedArgument, "unexpected argument '\(arg)': options are flags like --name value (see --help)")
    }
    /// `source` says where the value came from: `flag --port`, `env KGREC_RANKER_PORT`; `cause`
    /// is the `ConfigValueParseFailure` when the text did not parse or broke the option's rule.
    public static func invalid(source: String, value: String, reason: String, cause: (any Error)? = nil) -> Self {
        .init(.invalidValue, "invalid value '\(value)' for \(source): \(reason)", cause: cause)
    }
    static func missingRequired(_ option: ConfigOption, env: String) -> Self {
        .init(.missingRequired, "missing required option \(option.flag) (or env \(env)): \(option.help)")
    }
}
