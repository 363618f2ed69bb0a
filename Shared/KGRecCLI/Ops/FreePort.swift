import KGRecPOSIX
#if canImport(Glibc)
import Glibc
#endif

/// A currently free TCP port on `host`, found by binding port 0 and closing the socket. The
/// port could in principle be taken before the service binds it; fine for tests and local runs.
enum FreePort {
    /// Whether `port` can be bound on `host` right now (without SO_REUSEPORT, so a listener that
    /// set it still counts as taking the port).
    static func isFree(_ port: Int, host: String = "127.0.0.1") -> Bool {
        do {
            try TCPSocket.probeBind(host: host, port: port)
            return true
        } catch {
            return error.errno != EADDRINUSE
        }
    }

    static func pick(host: String = "127.0.0.1") throws(SystemError) -> Int {
        try TCPSocket.freePort(host: host == "0.0.0.0" ? "127.0.0.1" : host)
    }
}
