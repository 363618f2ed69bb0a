extension ProtoSchema {
    /// File descriptors that do not make a schema: a `code` saying which kind (what tests switch
    /// on), a description naming the message, field or rpc, and the wire error behind a
    /// `malformed` one.
    struct ParseError: Error, CustomStringConvertible {
        struct Code: Hashable, Sendable, CustomStringConvertible {
            private enum Kind: String {
                case malformed = "malformed"
                case unknownType = "unknown type"
                case unknownMessage = "unknown message"
            }
            private let kind: Kind
            private init(_ kind: Kind) { self.kind = kind }

            /// Bytes that are no `FileDescriptorProto`; `cause` is the `ProtoWireReader.WireError`.
            static let malformed = Code(.malformed)
            /// A field whose message or enum type no file defines.
            static let unknownType = Code(.unknownType)
            /// An rpc whose input or output message no file defines.
            static let unknownMessage = Code(.unknownMessage)

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
