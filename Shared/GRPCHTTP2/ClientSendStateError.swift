/// An event the request half cannot take in its state (a caller or transport bug, not a peer's).
/// A caller meets `sendAfterClose` as the cause of the RPCError a `send` after `closeSend` throws.
public struct ClientSendStateError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String {
            case streamAlreadyOpen = "stream already open"
            case callOver = "call over"
            case sendAfterClose = "send after close"
            case noStream = "no stream"
        }
        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// The stream was opened a second time.
        public static let streamAlreadyOpen = Code(.streamAlreadyOpen)
        /// A stream was opened for a call that is already over.
        public static let callOver = Code(.callOver)
        /// A message came after the caller closed the request.
        public static let sendAfterClose = Code(.sendAfterClose)
        /// nghttp2 asked for DATA before the stream existed.
        public static let noStream = Code(.noStream)

        public var description: String { kind.rawValue }
    }

    public let code: Code
    public let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(message) (\(code))" }
}
