/// An HDR-style latency histogram: log-linear buckets (128 exact values, then 64 sub-buckets per
/// power of two, so every recorded value is within 1/64 ≈ 1.6 % of its bucket's upper bound)
/// over nanoseconds, with exact count, sum and max. One per load worker; `merge` them at the end.
struct LatencyHistogram: Sendable {
    static let bucketCount = 128 + 57 * 64
    private(set) var counts = [UInt64](repeating: 0, count: bucketCount)
    private(set) var count: UInt64 = 0
    private(set) var sum: Double = 0
    private(set) var max: UInt64 = 0

    init() {}

    static func index(of v: UInt64) -> Int {
        if v < 128 { return Int(v) }
        let msb = 63 - v.leadingZeroBitCount
        let shift = msb - 6
        return 128 + (shift - 1) * 64 + Int(v >> UInt64(shift)) - 64
    }

    /// The largest value that falls into bucket `i`.
    static func upperBound(of i: Int) -> UInt64 {
        if i < 128 { return UInt64(i) }
        let shift = (i - 128) / 64 + 1
        let top = UInt64((i - 128) % 64 + 64)
        let (v, overflow) = (top + 1).multipliedReportingOverflow(by: UInt64(1) << UInt64(shift))
        return overflow ? .max : v - 1
    }

    mutating func record(nanoseconds v: UInt64) {
        counts[Self.index(of: v)] += 1
        count += 1
        sum += Double(v)
        if v > max { max = v }
    }

    mutating func merge(_ o: LatencyHistogram) {
        for i in 0..<counts.count { counts[i] += o.counts[i] }
        count += o.count
        sum += o.sum
        if o.max > max { max = o.max }
    }

    /// The value at quantile `q` (0...1): the upper bound of the bucket holding the
    /// ⌈q·count⌉-th smallest value, capped at the exact maximum. 0 when empty.
    func quantile(_ q: Double) -> UInt64 {
        guard count > 0 else { return 0 }
        let rank = Swift.max(1, UInt64((q * Double(count)).rounded(.up)))
        var seen: UInt64 = 0
        for (i, c) in counts.enumerated() where c > 0 {
            seen += c
            if seen >= rank { return Swift.min(Self.upperBound(of: i), max) }
        }
        return max
    }

    var mean: Double { count == 0 ? 0 : sum / Double(count) }
}
