#if canImport(Glibc)
import Glibc
#endif

/// Seconds spent per tape op (forward: time since the previous node was appended, so it includes
/// the caller's glue; backward: the op's backward closure). Attach with `Tape(profile:)`.
public final class TapeProfile {
    public private(set) var forward: [String: Double] = [:]
    public private(set) var backward: [String: Double] = [:]
    public private(set) var calls: [String: Int] = [:]

    public init() {}

    func add(_ name: StaticString, forward seconds: Double) {
        let k = "\(name)"
        forward[k, default: 0] += seconds
        calls[k, default: 0] += 1
    }

    func add(_ name: StaticString, backward seconds: Double) {
        backward["\(name)", default: 0] += seconds
    }

    /// Rows `op  calls  forward s  backward s`, most expensive first.
    public func report() -> String {
        let keys = Set(forward.keys).union(backward.keys)
        let rows = keys.map { ($0, forward[$0] ?? 0, backward[$0] ?? 0) }.sorted { $0.1 + $0.2 > $1.1 + $1.2 }
        var out = "op                                   calls   forward s  backward s\n"
        for (k, f, b) in rows {
            let name = k.count > 36 ? String(k.prefix(36)) : k + String(repeating: " ", count: 36 - k.count)
            out += "\(name) \(String(calls[k] ?? 0).leftPad(6)) \(fmt(f).leftPad(11)) \(fmt(b).leftPad(11))\n"
        }
        return out
    }

    private func fmt(_ x: Double) -> String {
        let v = (x * 1000).rounded() / 1000
        return "\(v)"
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}

extension String {
    fileprivate func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
