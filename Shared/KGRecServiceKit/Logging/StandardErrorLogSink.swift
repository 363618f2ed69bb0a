#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Writes each line to file descriptor 2 with one `write(2)` under a lock, so lines from
/// different threads never interleave.
public final class StandardErrorLogSink: LogSink {
    private let lock = Mutex(())
    private let fd: Int32

    public init(fd: Int32 = 2) { self.fd = fd }

    public func write(_ line: [UInt8]) {
        lock.withLock { _ in
            line.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if n > 0 { offset += n } else if n < 0 && errno == EINTR { continue } else { return }
                }
            }
        }
    }
}
