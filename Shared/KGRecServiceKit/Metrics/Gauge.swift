import Synchronization

/// A value that goes up and down; a `Double` kept as its bit pattern in one atomic word.
public final class Gauge: Sendable {
    private let bits = Atomic<UInt64>(0)

    public init() {}

    public func set(_ v: Double) { bits.store(v.bitPattern, ordering: .relaxed) }
    public func set(_ v: Int) { set(Double(v)) }

    /// Adds `delta` with a compare-and-swap loop (lock-free).
    public func add(_ delta: Double) {
        var old = bits.load(ordering: .relaxed)
        while true {
            let new = (Double(bitPattern: old) + delta).bitPattern
            let (done, seen) = bits.weakCompareExchange(expected: old, desired: new, ordering: .relaxed)
            if done { return }
            old = seen
        }
    }

    public var value: Double { Double(bitPattern: bits.load(ordering: .relaxed)) }
}
