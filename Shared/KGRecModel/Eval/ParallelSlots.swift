import Foundation

/// One result slot per parallel task: task `c` writes only slot `c` (no sharing, so no locks).
/// Owns its memory; `@unchecked Sendable` because the disjoint-slot rule makes the writes race-free.
final class ParallelSlots<T>: @unchecked Sendable {
    private let base: UnsafeMutablePointer<T>
    let count: Int

    init(repeating value: T, count: Int) {
        self.count = count
        base = .allocate(capacity: count)
        base.initialize(repeating: value, count: count)
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    subscript(c: Int) -> T {
        get { base[c] }
        set { base[c] = newValue }
    }

    var values: [T] { (0..<count).map { base[$0] } }

    /// Runs `body(c)` for c in `0..<count` across threads and returns the slots.
    static func run(_ count: Int, initial: T, _ body: @Sendable (Int) -> T) -> [T] {
        let slots = ParallelSlots(repeating: initial, count: count)
        DispatchQueue.concurrentPerform(iterations: count) { c in slots[c] = body(c) }
        return slots.values
    }
}
