import CPOSIX
#if canImport(Glibc)
import Glibc
#endif

/// TCP sockets, written once: bind/listen, the bind probe, non-blocking connect and accept,
/// and the read/send calls of non-blocking descriptors. Addresses are IPv4 or IPv6 literals or
/// names (first `getaddrinfo` answer).
public enum TCPSocket {
    /// A listening socket on `host:port` (0 picks a free port); returns it and the bound port.
    public static func listen(host: String, port: Int, reusePort: Bool = false, backlog: Int32 = 1024,
                              nonBlocking: Bool = true) throws(SystemError) -> (fd: Int32, port: Int) {
        guard (0...65535).contains(port) else { throw SystemError("bind port \(port)", errno: EINVAL) }
        var bound: Int32 = 0
        let fd = try Syscall.checkNegated("bind \(host):\(port)") {
            kg_tcp_bind(host, Int32(port), nonBlocking ? 1 : 0, reusePort ? 1 : 0, max(1, backlog), &bound)
        }
        return (fd, Int(bound))
    }

    /// Fails with EADDRINUSE when `host:port` cannot be bound WITHOUT SO_REUSEPORT, i.e. when
    /// any other socket (another process's SO_REUSEPORT listener included) holds the port.
    public static func probeBind(host: String, port: Int) throws(SystemError) {
        guard (0...65535).contains(port) else { throw SystemError("bind port \(port)", errno: EINVAL) }
        var bound: Int32 = 0
        let fd = try Syscall.checkNegated("bind \(host):\(port)") {
            kg_tcp_bind(host, Int32(port), 0, 0, 0, &bound)
        }
        close(fd)
    }

    /// A port that is free on `host` right now (bind to port 0, then close).
    public static func freePort(host: String) throws(SystemError) -> Int {
        var bound: Int32 = 0
        let fd = try Syscall.checkNegated("bind \(host):0") { kg_tcp_bind(host, 0, 0, 0, 0, &bound) }
        close(fd)
        return Int(bound)
    }

    /// Starts a non-blocking connect (TCP_NODELAY); the socket reports writable once it is done,
    /// then `pendingError` says how it went.
    public static func connect(host: String, port: Int) throws(SystemError) -> Int32 {
        try Syscall.checkNegated("connect \(host):\(port)") { kg_tcp_connect(host, Int32(port)) }
    }

    /// The pending error of a socket (0 when a non-blocking connect succeeded).
    public static func pendingError(_ fd: Int32) -> Int32 { kg_socket_error(fd) }

    /// accept4 (non-blocking, close-on-exec, TCP_NODELAY): the new descriptor or `-errno`; the
    /// peer as "ip:port" into `peer`.
    @inlinable
    public static func accept(_ listenFD: Int32, peer: UnsafeMutableBufferPointer<CChar>) -> Int32 {
        Syscall.retrying { kg_accept(listenFD, peer.baseAddress, peer.count) }
    }

    /// One read: bytes read (0 at EOF) or `-errno` (EINTR retried).
    @inlinable @inline(__always)
    public static func read(_ fd: Int32, into buf: UnsafeMutableRawPointer?, count: Int) -> Int {
        Syscall.retrying { kg_read(fd, buf, count) }
    }

    /// One send without SIGPIPE: bytes written or `-errno` (EINTR retried).
    @inlinable @inline(__always)
    public static func send(_ fd: Int32, _ buf: UnsafeRawPointer?, count: Int) -> Int {
        Syscall.retrying { kg_send(fd, buf, count) }
    }
}
