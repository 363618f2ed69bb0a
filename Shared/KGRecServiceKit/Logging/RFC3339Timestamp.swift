#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// UTC wall-clock timestamps like `2026-11-22T10:31:11.123Z`, without Foundation.
public enum RFC3339Timestamp {
    /// Appends the timestamp for `seconds` + `millis` since the Unix epoch.
    static func append(seconds: Int, millis: Int, to out: inout [UInt8]) {
        var t = time_t(seconds)
        var tm = tm()
        gmtime_r(&t, &tm)
        func put(_ v: Int32, _ width: Int) {
            var digits = [UInt8](repeating: 48, count: width)
            var x = Int(v)
            for i in stride(from: width - 1, through: 0, by: -1) { digits[i] = UInt8(48 + x % 10); x /= 10 }
            out.append(contentsOf: digits)
        }
        put(tm.tm_year + 1900, 4); out.append(45)
        put(tm.tm_mon + 1, 2); out.append(45)
        put(tm.tm_mday, 2); out.append(84)
        put(tm.tm_hour, 2); out.append(58)
        put(tm.tm_min, 2); out.append(58)
        put(tm.tm_sec, 2); out.append(46)
        put(Int32(millis), 3); out.append(90)
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
