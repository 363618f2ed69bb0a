import Synchronization

/// A monotonically increasing count: one relaxed atomic add per update.
public final class Counter: Sendable {
    private let count = Atomic<UInt64>(0)

    public init() {}

    @inline(__always)
    public func increment(by n: UInt64 = 1) {
        count.wrappingAdd(n, ordering: .relaxed)
    }

    public var value: UInt64 { count.load(ordering: .relaxed) }
}
