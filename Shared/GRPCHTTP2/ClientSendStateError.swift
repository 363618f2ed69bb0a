/// An event the request half cannot take in its state (a caller or transport bug, not a peer's).
struct ClientSendStateError: Error, Hashable, Sendable, CustomStringConvertible {
    struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable { case streamAlreadyOpen, callOver, sendAfterClose, noStream }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The stream was opened a second time.
        static let streamAlreadyOpen = Code(.streamAlreadyOpen)
        /// A stream was opened for a call that is already over.
        static let callOver = Code(.callOver)
        /// A message came after the caller closed the request.
        static let sendAfterClose = Code(.sendAfterClose)
        /// nghttp2 asked for DATA before the stream existed.
        static let noStream = Code(.noStream)

        var description: String { "\(value)" }
    }

    let code: Code
    let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    var description: String { "\(message) (\(code))" }
}
