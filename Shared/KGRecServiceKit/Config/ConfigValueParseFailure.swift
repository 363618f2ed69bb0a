/// Why a piece of option text was refused: a `code` saying which kind and a reason that says what
/// was expected (the caller adds the option's name and value and keeps this as the `cause`).
public struct ConfigValueParseFailure: Error, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String {
            case wrongType = "wrong type"
            case breaksRule = "breaks rule"
        }
        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// Text that is no value of the option's type (`eighty` for an integer, `5x` for a duration).
        public static let wrongType = Code(.wrongType)
        /// A value of the right type outside the option's `ConfigRule` (`0` for a positive integer).
        public static let breaksRule = Code(.breaksRule)

        public var description: String { kind.rawValue }
    }

    public let code: Code
    public let reason: String

    init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }
}
