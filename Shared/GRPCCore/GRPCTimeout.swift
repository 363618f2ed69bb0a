/// The `grpc-timeout` header: an ASCII integer of at most 8 digits followed by a unit
/// (`H` hours, `M` minutes, `S` seconds, `m` milliseconds, `u` microseconds, `n` nanoseconds).
public enum GRPCTimeout {
    /// Parses a header value to nanoseconds; nil when malformed.
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> UInt64? {
        let n = bytes.count
        guard n >= 2, n <= 9 else { return nil }
        var value: UInt64 = 0
        for i in 0..<(n - 1) {
            let c = bytes[i]
            guard c >= 48, c <= 57 else { return nil }
            value = value * 10 + UInt64(c - 48)
        }
        let scale: UInt64
        switch bytes[n - 1] {
        case UInt8(ascii: "H"): scale = 3_600_000_000_000
        case UInt8(ascii: "M"): scale = 60_000_000_000
        case UInt8(ascii: "S"): scale = 1_000_000_000
        case UInt8(ascii: "m"): scale = 1_000_000
        case UInt8(ascii: "u"): scale = 1_000
        case UInt8(ascii: "n"): scale = 1
        default: return nil
        }
        let (r, overflow) = value.multipliedReportingOverflow(by: scale)
        return overflow ? UInt64.max : r
    }

    public static func parse(_ string: String) -> UInt64? {
        var s = string
        return s.withUTF8 { parse(UnsafeRawBufferPointer($0)) }
    }

    /// Formats nanoseconds with the finest unit that fits in 8 digits (rounding up, so the
    /// peer never sees a shorter deadline than ours).
    public static func format(nanoseconds: UInt64) -> String {
        let units: [(UInt64, Character)] = [
            (1, "n"), (1_000, "u"), (1_000_000, "m"), (1_000_000_000, "S"),
            (60_000_000_000, "M"), (3_600_000_000_000, "H"),
        ]
        for (scale, unit) in units {
            let v = (nanoseconds + scale - 1) / scale
            if v <= 99_999_999 { return "\(v)\(unit)" }
        }
        return "99999999H"
    }
}
