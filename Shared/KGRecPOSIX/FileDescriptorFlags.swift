#if canImport(Glibc)
import Glibc
#endif

/// `fcntl` helpers (Swift's Glibc module hides the GNU `pipe2`/`accept4` variants).
public enum FileDescriptorFlags {
    public static func setNonBlockingCloseOnExec(_ fd: Int32) {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        _ = fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC)
    }
}
