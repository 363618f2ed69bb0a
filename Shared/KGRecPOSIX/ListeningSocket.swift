#if canImport(Glibc)
import Glibc
#endif

/// A non-blocking TCP listening socket bound to `host:port` (IPv4 or IPv6 literal, or a name),
/// closed when released.
public final class ListeningSocket: Sendable {
    public let fd: Int32
    /// The bound port (the real one when 0 was asked for).
    public let port: Int

    public init(host: String, port: Int, backlog: Int32 = 128) throws(SystemError) {
        (fd, self.port) = try TCPSocket.listen(host: host, port: port, backlog: backlog)
    }

    deinit { close(fd) }
}
