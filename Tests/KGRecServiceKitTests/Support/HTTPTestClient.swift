#if canImport(Glibc)
import Glibc
#endif

/// A blocking loopback TCP client for admin-server tests. Every read has a 10 s safety timeout
/// so a broken server fails the test instead of hanging it.
final class HTTPTestClient {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: errno \(errno)") }
        var tv = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0 else { close(fd); throw TestFailure("connect: errno \(errno)") }
    }

    deinit { close(fd) }

    /// Sends all of `bytes` (ignoring EPIPE: the server may already have answered and closed).
    func send(_ bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + off, $0.count - off, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            off += n
        }
    }

    func send(_ text: String) { send(Array(text.utf8)) }

    /// Reads until the server closes; throws on the safety timeout.
    func readToEnd() throws -> String {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { out += buf[..<n]; continue }
            if n == 0 || errno == ECONNRESET { break }
            if errno == EINTR { continue }
            throw TestFailure("recv: errno \(errno) after \(out.count) bytes")
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// One request, whole response.
    static func get(_ port: Int, _ request: String) throws -> String {
        let c = try HTTPTestClient(port: port)
        c.send(request)
        return try c.readToEnd()
    }
}
