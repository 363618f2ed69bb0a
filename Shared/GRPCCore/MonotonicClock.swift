#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Nanoseconds on the monotonic clock: the time base of every deadline in the runtime.
public enum MonotonicClock {
    @inline(__always)
    public static func nanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// The monotonic time `nanoseconds` from now, saturating instead of wrapping.
    public static func deadline(after nanoseconds: UInt64) -> UInt64 {
        let (d, overflow) = Self.nanoseconds().addingReportingOverflow(nanoseconds)
        return overflow ? UInt64.max - 1 : d
    }

    /// `Duration` → nanoseconds, clamped at 0 and `UInt64.max`.
    public static func nanoseconds(of d: Duration) -> UInt64 {
        let (s, atto) = d.components
        if s < 0 { return 0 }
        let (a, o1) = UInt64(s).multipliedReportingOverflow(by: 1_000_000_000)
        let (b, o2) = a.addingReportingOverflow(UInt64(atto / 1_000_000_000))
        return o1 || o2 ? UInt64.max : b
    }
}
