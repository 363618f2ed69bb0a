extension ServicesDemo {
    /// A demo step whose answer was not what the demo shows: a `code` saying which step and a
    /// description of what came back instead.
    struct DemoError: Error, CustomStringConvertible {
        struct Code: Hashable, Sendable, CustomStringConvertible {
            private enum Kind: String {
                case streamEndedEarly = "stream ended early"
                case coldItemNotServed = "cold item not served"
            }
            private let kind: Kind
            private init(_ kind: Kind) { self.kind = kind }

            /// ScoreStream ended before answering every request sent on it.
            static let streamEndedEarly = Code(.streamEndedEarly)
            /// The ranker still did not score the item added through AddInteractions after 50 tries.
            static let coldItemNotServed = Code(.coldItemNotServed)

            var description: String { kind.rawValue }
        }

        let code: Code
        let description: String

        init(_ code: Code, _ description: String) {
            self.code = code
            self.description = description
        }
    }
}
