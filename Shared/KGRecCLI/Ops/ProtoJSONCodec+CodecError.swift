extension ProtoJSONCodec {
    /// JSON the codec cannot turn into a request, or reply bytes it cannot turn into JSON: a `code`
    /// saying which kind (what tests switch on) and a description naming the field path
    /// (`kgrec.v1.RecommendRequest.userId: expected a string, got a number`), and the wire error
    /// behind a `malformedProtobuf` one.
    typealias CodecError = CodedError<CodecErrorCode>

    /// What a `CodecError`'s `code` says.
    struct CodecErrorCode: Hashable, Sendable, CustomStringConvertible {
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
        static let unknownType = Self(.unknownType)
        /// A JSON key that is no field of its message.
        static let unknownField = Self(.unknownField)
        /// A JSON value of another kind than the field takes (an object for a string, …).
        static let wrongKind = Self(.wrongKind)
        /// A value of the right kind that is no value of the field's type: an integer out of
        /// range, an unknown enum name, text that is not base64.
        static let invalidValue = Self(.invalidValue)
        /// Reply bytes that do not decode as the message (truncated, a field of the wrong wire type).
        static let malformedProtobuf = Self(.malformedProtobuf)
        /// More than one request for a unary or server-streaming method.
        static let tooManyRequests = Self(.tooManyRequests)

        var description: String { kind.rawValue }
    }
}
