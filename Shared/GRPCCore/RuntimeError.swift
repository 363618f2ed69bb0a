/// A configuration or start-up failure of the runtime (not of one call): bind failures, bad
/// addresses, invalid configuration. Calls fail with `RPCError` instead.
public struct RuntimeError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure (a struct, so new kinds can be added without breaking switches).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case invalidConfiguration, alreadyStarted, listenFailed, systemCallFailed
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// A configuration value or target that cannot work (e.g. a target that is not host:port).
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// `start` on a server that was already started.
        public static let alreadyStarted = Code(.alreadyStarted)
        /// The listen address could not be bound (in use, not local, not resolvable).
        public static let listenFailed = Code(.listenFailed)
        /// Another system call the runtime needs failed (epoll, eventfd).
        public static let systemCallFailed = Code(.systemCallFailed)

        public var description: String { "\(value)" }
    }

    public var code: Code
    public var message: String
    /// The underlying error (e.g. the `SystemError` of a failed `bind`), if any.
    public var cause: (any Error)?

    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        cause.map { "RuntimeError: \(message) (\($0))" } ?? "RuntimeError: \(message)"
    }
}
