#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// UTC wall-clock timestamps like `2026-11-22T10:31:11.123Z`, without Foundation, `gmtime` or
/// allocation (the civil date comes from Howard Hinnant's days-to-date algorithm).
public enum RFC3339Timestamp {
    /// Appends the timestamp for `seconds` + `millis` since the Unix epoch (seconds ≥ 0).
    static func append(seconds: Int, millis: Int, to out: inout [UInt8]) {
        let days = seconds / 86400
        let secOfDay = seconds % 86400
        // Civil date from days since 1970-01-01 (proleptic Gregorian).
        let z = days + 719_468
        let era = z / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        put(year, 4, &out); out.append(45)
        put(month, 2, &out); out.append(45)
        put(day, 2, &out); out.append(84)
        put(secOfDay / 3600, 2, &out); out.append(58)
        put(secOfDay / 60 % 60, 2, &out); out.append(58)
        put(secOfDay % 60, 2, &out); out.append(46)
        put(millis, 3, &out); out.append(90)
    }

    @inline(__always)
    private static func put(_ v: Int, _ width: Int, _ out: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var x = v
        while divisor > 0 {
            out.append(UInt8(48 + (x / divisor) % 10))
            x %= divisor
            divisor /= 10
        }
    }

    /// Appends the current time.
    static func appendNow(to out: inout [UInt8]) {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        append(seconds: Int(ts.tv_sec), millis: Int(ts.tv_nsec) / 1_000_000, to: &out)
    }

    /// The timestamp as a string.
    public static func string(seconds: Int, millis: Int) -> String {
        var out: [UInt8] = []
        append(seconds: seconds, millis: millis, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
