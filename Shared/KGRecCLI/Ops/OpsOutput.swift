#if canImport(Glibc)
import Glibc
#endif

/// Unbuffered line output for the ops commands (so a piped `kgrec call` stream or `kgrec up`
/// banner reaches the reader at once).
enum OpsOutput {
    static func line(_ s: String) { write(fd: 1, s + "\n") }
    static func error(_ s: String) { write(fd: 2, s + "\n") }

    static func write(fd: Int32, _ s: String) {
        var s = s
        s.withUTF8 { buf in
            var off = 0
            while off < buf.count {
                let n = Glibc.write(fd, buf.baseAddress! + off, buf.count - off)
                if n < 0 { if errno == EINTR { continue }; return }
                off += n
            }
        }
    }
}
