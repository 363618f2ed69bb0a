import Synchronization

/// A counting semaphore for async code: `acquire` suspends (in arrival order) while no permit is
/// free; a waiting task that is cancelled leaves the queue and throws `CancellationError`.
final class AsyncSemaphore: Sendable {
    private let state: Mutex<State>

    private struct State {
        var free: Int
        var nextID = 0
        var waiters: [(id: Int, continuation: CheckedContinuation<Void, any Error>)] = []
        var cancelled: Set<Int> = []
    }

    init(permits: Int) {
        precondition(permits > 0)
        state = Mutex(State(free: permits))
    }

    func acquire() async throws {
        let id = try state.withLock { s -> Int? in
            if s.free > 0 { s.free -= 1; return nil }
            if Task.isCancelled { throw CancellationError() }
            defer { s.nextID += 1 }
            return s.nextID
        }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                enum Outcome { case queued, acquired, cancelled }
                let outcome = state.withLock { s -> Outcome in
                    if s.cancelled.remove(id) != nil { return .cancelled }
                    if s.free > 0 { s.free -= 1; return .acquired }
                    s.waiters.append((id, c))
                    return .queued
                }
                switch outcome {
                case .acquired: c.resume()
                case .cancelled: c.resume(throwing: CancellationError())
                case .queued: break
                }
            }
        } onCancel: {
            let w = state.withLock { s -> CheckedContinuation<Void, any Error>? in
                guard let i = s.waiters.firstIndex(where: { $0.id == id }) else {
                    s.cancelled.insert(id)
                    return nil
                }
                return s.waiters.remove(at: i).continuation
            }
            w?.resume(throwing: CancellationError())
        }
    }

    /// Returns a permit (to the first waiter, if any).
    func release() {
        let next = state.withLock { s -> CheckedContinuation<Void, any Error>? in
            if s.waiters.isEmpty { s.free += 1; return nil }
            return s.waiters.removeFirst().continuation
        }
        next?.resume()
    }
}
