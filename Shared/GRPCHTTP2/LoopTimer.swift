/// A one-shot timer on an event loop. Cancel by setting `isCancelled` (loop thread only).
final class LoopTimer {
    let deadline: UInt64
    var isCancelled = false
    let action: () -> Void

    init(deadline: UInt64, action: @escaping () -> Void) {
        self.deadline = deadline
        self.action = action
    }
}

/// Min-heap of timers by deadline. Cancelled timers are dropped when they surface, and the
/// heap is compacted whenever it has doubled since the last compaction, so timers cancelled
/// long before their deadline (a finished call's `grpc-timeout: 99999999H`) cannot pile up:
/// the heap holds at most max(64, 2 × live timers).
struct TimerHeap {
    private var heap: [LoopTimer] = []
    private var compactAt = 64

    var isEmpty: Bool { heap.isEmpty }

    /// Timers held, cancelled ones included (for tests).
    var count: Int { heap.count }

    var nextDeadline: UInt64? {
        heap.first?.deadline
    }

    mutating func insert(_ t: LoopTimer) {
        if heap.count >= compactAt { compact() }
        heap.append(t)
        var i = heap.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            if heap[p].deadline <= heap[i].deadline { break }
            heap.swapAt(p, i)
            i = p
        }
    }

    /// Removes and returns the earliest timer if its deadline is at or before `now`.
    mutating func popExpired(now: UInt64) -> LoopTimer? {
        guard let first = heap.first, first.deadline <= now else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < heap.count && heap[l].deadline < heap[m].deadline { m = l }
                if r < heap.count && heap[r].deadline < heap[m].deadline { m = r }
                if m == i { break }
                heap.swapAt(i, m)
                i = m
            }
        }
        return first
    }

    /// Drops every cancelled timer (a sorted array is a valid min-heap). Amortized O(log n) per
    /// insert, as it runs only after the heap doubled.
    private mutating func compact() {
        heap.removeAll { $0.isCancelled }
        heap.sort { $0.deadline < $1.deadline }
        compactAt = max(64, heap.count * 2)
    }

    /// Drops cancelled timers from the top so `nextDeadline` is meaningful.
    mutating func pruneCancelled() {
        while let f = heap.first, f.isCancelled { _ = popExpired(now: UInt64.max) }
    }
}
