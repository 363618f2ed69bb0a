extension ProtoJSONCodec {
    /// JSON the codec cannot turn into a request, or reply bytes it cannot turn into JSON: a `code`
    /// saying which kind (what tests switch on) and a description naming the field path
    /// (`kgrec.v1.RecommendRequest.userId: expected a string, got a number`), and the wire error
    /// behind a `malformedProtobuf` one.
    struct CodecError: Error, CustomStringConvertible {
        struct Code: Hashable, Sendable, CustomStringConvertible {
            private enum Kind: String {
                case unknownType = "unknown type"
                case unknownField = "unknown field"
                case wrongKind = "wrong kind"
                case invalidValue = "invalid value"
                case malformedProtobuf = "malformed protobuf"
                case tooManyRequests = "too many requests"
            }
            private let kind: Kind
            private init(_ kind: Kind) { self.kind = kind }

            /// A message type the schema does not hold, or a field type the codec does not know.
            static let unknownType = Code(.unknownType)
            /// A JSON key that is no field of its message.
            static let unknownField = Code(.unknownField)
            /// A JSON value of another kind than the field takes (an object for a string, …).
            static let wrongKind = Code(.wrongKind)
            /// A value of the right kind that is no value of the field's type: an integer out of
            /// range, an unknown enum name, text that is not base64.
            static let invalidValue = Code(.invalidValue)
            /// Reply bytes that do not decode as the message (truncated, a field of the wrong wire type).
            static let malformedProtobuf = Code(.malformedProtobuf)
            /// More than one request for a unary or server-streaming method.
            static let tooManyRequests = Code(.tooManyRequests)

            var description: String { kind.rawValue }
        }

        let code: Code
        let description: String
        let cause: (any Error)?

        init(_ code: Code, _ description: String, cause: (any Error)? = nil) {
            self.code = code
            self.description = description
            self.cause = cause
        }
    }
}
