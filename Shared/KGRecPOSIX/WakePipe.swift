#if canImport(Glibc)
import Glibc
#endif

/// A non-blocking pipe used to wake a thread blocked in `poll`/`read` (self-pipe trick).
/// `wake` is async-signal-safe.
public final class WakePipe: Sendable {
    public let readFD: Int32
    public let writeFD: Int32

    public init() throws(SystemError) {
        var fds: [Int32] = [0, 0]
        try Syscall.check("pipe") { pipe(&fds) }
        for fd in fds { FileDescriptorFlags.setNonBlockingCloseOnExec(fd) }
        readFD = fds[0]
        writeFD = fds[1]
    }

    deinit {
        close(readFD)
        close(writeFD)
    }

    /// Writes one byte; a full pipe already means "wake up", so EAGAIN is fine.
    public func wake(_ byte: UInt8 = 1) {
        var b = byte
        _ = write(writeFD, &b, 1)
    }

    /// Reads everything pending and returns the bytes (empty if none).
    @discardableResult
    public func drain() -> [UInt8] {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 64)
        while true {
            let n = buf.withUnsafeMutableBytes { read(readFD, $0.baseAddress, $0.count) }
            if n > 0 { out += buf[..<n] } else if n < 0 && errno == EINTR { continue } else { break }
        }
        return out
    }
}
