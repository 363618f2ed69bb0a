#if canImport(Glibc)
import Glibc
#endif

/// A failed system call: its name and errno, with the C library's message.
public struct SystemError: Error, Hashable, Sendable, CustomStringConvertible {
    public let call: String
    public let errno: Int32

    public init(_ call: String, errno: Int32) {
        self.call = call
        self.errno = errno
    }

    public var description: String {
        "\(call) failed: \(String(cString: strerror(errno))) (errno \(errno))"
    }

    /// Runs `body` until it does not fail with EINTR; a -1 result becomes a thrown `SystemError`.
    @discardableResult
    static func check<T: BinaryInteger>(_ call: String, _ body: () -> T) throws(SystemError) -> T {
        while true {
            let r = body()
            if r != -1 { return r }
            let e = Glibc.errno
            if e != EINTR { throw SystemError(call, errno: e) }
        }
    }
}
