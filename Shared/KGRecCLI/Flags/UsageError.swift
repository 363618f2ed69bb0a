/// A `kgrec` command-line mistake (exit code 2): a message that names the flag, a `code` that
/// says which kind of mistake (what tests assert on), and the error behind it, if any.
struct UsageError: Error, CustomStringConvertible {
    struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String {
            case unknownFlag = "unknown flag"
            case missingValue = "missing value"
            case invalidValue = "invalid value"
            case unexpectedArgument = "unexpected argument"
            case missingRequired = "missing required flag"
            case invalidUsage = "invalid usage"
        }
        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// A flag the command does not declare.
        static let unknownFlag = Code(.unknownFlag)
        /// A flag that takes a value came last.
        static let missingValue = Code(.missingValue)
        /// A value of the wrong type or out of range.
        static let invalidValue = Code(.invalidValue)
        /// A positional argument the command does not take.
        static let unexpectedArgument = Code(.unexpectedArgument)
        /// A required flag is absent.
        static let missingRequired = Code(.missingRequired)
        /// Flags that do not go together, or another command-specific mistake.
        static let invalidUsage = Code(.invalidUsage)

        var description: String { kind.rawValue }
    }

    let code: Code
    let message: String
    let cause: (any Error)?

    init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// A command-specific mistake (`invalidUsage`), e.g. two flags that exclude each other.
    init(_ message: String) { self.init(.invalidUsage, message) }

    var description: String { message }
}

extension CommandFlags {
    typealias UsageError = KGRecCLI.UsageError
}
