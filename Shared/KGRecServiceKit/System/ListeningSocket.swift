#if canImport(Glibc)
import Glibc
#endif

/// A non-blocking TCP listening socket bound to `host:port` (IPv4 or IPv6 literal, or a name).
public final class ListeningSocket: Sendable {
    public let fd: Int32
    /// The bound port (the real one when 0 was asked for).
    public let port: Int

    public init(host: String, port: Int, backlog: Int32 = 128) throws(SystemError) {
        guard (0...65535).contains(port) else { throw SystemError("bind port \(port)", errno: EINVAL) }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let ai = list else { throw SystemError("getaddrinfo \(host)", errno: EADDRNOTAVAIL) }
        defer { freeaddrinfo(list) }
        let fd = try SystemError.check("socket") {
            socket(ai.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
                | Int32(SOCK_CLOEXEC.rawValue), 0)
        }
        do {
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            try SystemError.check("bind \(host):\(port)") { bind(fd, ai.pointee.ai_addr, ai.pointee.ai_addrlen) }
            try SystemError.check("listen") { listen(fd, backlog) }
            var storage = sockaddr_storage()
            var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
            try withUnsafeMutablePointer(to: &storage) { p throws(SystemError) in
                try p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa throws(SystemError) in
                    _ = try SystemError.check("getsockname") { getsockname(fd, sa, &len) }
                }
            }
            self.port = withUnsafeBytes(of: storage) { raw in
                // sin_port and sin6_port sit at the same offset, in network byte order.
                Int(UInt16(raw[2]) << 8 | UInt16(raw[3]))
            }
        } catch {
            close(fd)
            throw error
        }
        self.fd = fd
    }

    deinit { close(fd) }
}
