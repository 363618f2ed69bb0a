import Synchronization

/// Counts events (stop requests, start-up reached) and lets tasks wait until the count reaches
/// a number. Waiting ends early, without error, if the waiting task is cancelled.
public final class EventCounter: Sendable {
    private struct Waiter {
        let id: UInt64
        let target: Int
        let continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var count = 0
        var notes: [String] = []
        var waiters: [Waiter] = []
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Records one event with a note (e.g. `"SIGTERM"`) and wakes the waiters it satisfies.
    public func signal(_ note: String = "") {
        let ready = state.withLock { s -> [Waiter] in
            s.count += 1
            s.notes.append(note)
            let (done, rest) = (s.waiters.filter { $0.target <= s.count }, s.waiters.filter { $0.target > s.count })
            s.waiters = rest
            return done
        }
        for w in ready { w.continuation.resume() }
    }

    public var count: Int { state.withLock { $0.count } }
    /// The notes given to `signal`, in order.
    public var notes: [String] { state.withLock { $0.notes } }

    /// Returns once `count >= target`, or when the task is cancelled.
    public func wait(untilCount target: Int) async {
        let id = state.withLock { s -> UInt64 in s.nextID += 1; return s.nextID }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if s.count >= target || Task.isCancelled { return true }
                    s.waiters.append(Waiter(id: id, target: target, continuation: c))
                    return false
                }
                if resumeNow { c.resume() }
            }
        } onCancel: {
            let w = state.withLock { s -> Waiter? in
                guard let i = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return s.waiters.remove(at: i)
            }
            w?.continuation.resume()
        }
    }
}
