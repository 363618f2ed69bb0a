extension ProtoSchema {
    /// File descriptors that do not make a schema: a `code` saying which kind (what tests switch
    /// on), a description naming the message, field or rpc, and the wire error behind a
    /// `malformed` one.
    typealias ParseError = CodedError<ParseErrorCode>

    /// What a `ParseError`'s `code` says.
    struct ParseErrorCode: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String {
            case malformed = "malformed"
            case unknownType = "unknown type"
            case unknownMessage = "unknown message"
        }
        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// Bytes that are no `FileDescriptorProto`; `cause` is the `ProtoWireReader.WireError`.
        static let malformed = Self(.malformed)
        /// A field whose message or enum type no file defines.
        static let unknownType = Self(.unknownType)
        /// An rpc whose input or output message no file defines.
        static let unknownMessage = Self(.unknownMessage)

        var description: String { kind.rawValue }
    }
}
