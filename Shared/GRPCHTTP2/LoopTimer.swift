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

/// Min-heap of timers by deadline; cancelled timers are dropped lazily when they surface.
struct TimerHeap {
    private var heap: [LoopTimer] = []

    var isEmpty: Bool { heap.isEmpty }

    var nextDeadline: UInt64? {
        heap.first?.deadline
    }

    mutating func insert(_ t: LoopTimer) {
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

    /// Drops cancelled timers from the top so `nextDeadline` is meaningful.
    mutating func pruneCancelled() {
        while let f = heap.first, f.isCancelled { _ = popExpired(now: UInt64.max) }
    }
}
