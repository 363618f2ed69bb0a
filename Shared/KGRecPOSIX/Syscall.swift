#if canImport(Glibc)
import Glibc
#endif

/// The one place system calls are retried on EINTR.
public enum Syscall {
    /// Runs `body`, a call returning its result or `-errno` (the CPOSIX helpers' convention),
    /// until it does not fail with EINTR; returns the result or `-errno`.
    @inlinable @inline(__always)
    public static func retrying<T: SignedInteger & FixedWidthInteger>(_ body: () -> T) -> T {
        while true {
            let r = body()
            if r != -T(EINTR) { return r }
        }
    }

    /// Runs `body`, a libc call returning -1 and setting `errno` on failure, until it does not
    /// fail with EINTR; a failure becomes a thrown `SystemError` named `call`.
    @discardableResult
    public static func check<T: BinaryInteger>(_ call: String, _ body: () -> T) throws(SystemError) -> T {
        while true {
            let r = body()
            if r != -1 { return r }
            let e = Glibc.errno
            if e != EINTR { throw SystemError(call, errno: e) }
        }
    }

    /// `check` for the CPOSIX helpers (result or `-errno`).
    @discardableResult
    public static func checkNegated<T: SignedInteger & FixedWidthInteger>(_ call: String, _ body: () -> T) throws(SystemError) -> T {
        let r = retrying(body)
        if r < 0 { throw SystemError(call, errno: Int32(truncatingIfNeeded: -r)) }
        return r
    }

    /// True for the "try again later" errnos of non-blocking descriptors (as `-errno`).
    @inlinable @inline(__always)
    public static func wouldBlock(_ negatedErrno: Int) -> Bool {
        negatedErrno == -Int(EAGAIN) || negatedErrno == -Int(EWOULDBLOCK)
    }
}
