#if canImport(Glibc)
import Glibc
#endif

/// A failed system call: its name and errno, with the C library's message. The one errno
/// error type of the code base (the transport, the admin server and the CLI all throw it).
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
}
