extension JSONParser {
    /// Text that is no JSON: a `code` saying which kind (what tests switch on), the 1-based line
    /// and column, and what was expected there.
    struct ParseError: Error, CustomStringConvertible {
        struct Code: Hashable, Sendable, CustomStringConvertible {
            private enum Kind: String {
                case syntax = "syntax"
                case invalidNumber = "invalid number"
                case invalidString = "invalid string"
                case tooDeep = "too deep"
            }
            private let kind: Kind
            private init(_ kind: Kind) { self.kind = kind }

            /// A character (or the end) where the grammar allows none: a missing `:` or `,`, an
            /// unterminated object, array or string, a misspelt literal, text after the value.
            static let syntax = Code(.syntax)
            /// A number without digits where it needs them (`01.`, `1e`).
            static let invalidNumber = Code(.invalidNumber)
            /// A bad escape, a lone surrogate or a raw control character inside a string.
            static let invalidString = Code(.invalidString)
            /// Arrays and objects nested deeper than 128.
            static let tooDeep = Code(.tooDeep)

            var description: String { kind.rawValue }
        }

        let code: Code
        let line: Int
        let column: Int
        let reason: String
        var description: String { "line \(line), column \(column): \(reason)" }

        init(_ code: Code, line: Int, column: Int, reason: String) {
            self.code = code
            self.line = line
            self.column = column
            self.reason = reason
        }
    }
}
