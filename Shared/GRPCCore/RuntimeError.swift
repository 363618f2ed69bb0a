/// A configuration or start-up failure of the runtime (not of one call): bind failures, bad
/// addresses, invalid configuration. Calls fail with `RPCError` instead.
public struct RuntimeError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    /// The OS error number when a system call failed, else 0.
    public var errno: Int32

    public init(_ message: String, errno: Int32 = 0) {
        self.message = message
        self.errno = errno
    }

    public var description: String {
        errno == 0 ? "RuntimeError: \(message)" : "RuntimeError: \(message) (errno \(errno))"
    }
}
