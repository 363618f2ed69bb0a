extension ProtoWireReader {
    /// Bytes that are no protobuf encoding: a `code` saying which kind (what tests switch on) and
    /// a reason (`truncated varint`, `field number 0`).
    struct WireError: Error, CustomStringConvertible {
        struct Code: Hashable, Sendable, CustomStringConvertible {
            private enum Kind: String {
                case truncated = "truncated"
                case invalidVarint = "invalid varint"
                case invalidTag = "invalid tag"
                case unsupportedWireType = "unsupported wire type"
            }
            private let kind: Kind
            private init(_ kind: Kind) { self.kind = kind }

            /// A varint, fixed-width value or length-delimited field that runs past the end.
            static let truncated = Code(.truncated)
            /// A varint longer than 10 bytes.
            static let invalidVarint = Code(.invalidVarint)
            /// A tag with field number 0.
            static let invalidTag = Code(.invalidTag)
            /// Wire type 3, 4, 6 or 7 (groups and undefined types).
            static let unsupportedWireType = Code(.unsupportedWireType)

            var description: String { kind.rawValue }
        }

        let code: Code
        let reason: String
        var description: String { reason }

        init(_ code: Code, _ reason: String) {
            self.code = code
            self.reason = reason
        }
    }
}
