import GRPCCore
import Synchronization

/// Batches concurrent cache misses into few downstream calls. A miss that arrives while
/// `maxInFlight` calls are already running waits and joins the next batch (up to `maxBatch` ids,
/// in arrival order; one request with more ids than that goes alone). Each waiter gets the whole
/// batch's result and picks its own ids from it. A waiter whose task is cancelled (its caller
/// went away or its deadline passed) leaves at once; the batch carries on for the others.
///
/// A batch's call gets the latest deadline among its waiters: no waiter is cut shorter than its
/// own budget, and the call never outlives all of them.
final class MissCoalescer<Result: Sendable>: Sendable {
    typealias Fetch = @Sendable (_ users: [String], _ items: [String], _ deadline: ContinuousClock.Instant)
        async throws -> Result

    let maxBatch: Int
    let maxInFlight: Int
    private let fetch: Fetch
    private let state = Mutex(State())

    init(maxBatch: Int, maxInFlight: Int, fetch: @escaping Fetch) {
        precondition(maxBatch > 0 && maxInFlight > 0)
        self.maxBatch = maxBatch
        self.maxInFlight = maxInFlight
        self.fetch = fetch
    }

    /// The result of a batch that covered `users` and `items`.
    func fetch(users: [String], items: [String], deadline: ContinuousClock.Instant) async throws -> Result {
        let id = state.withLock { s -> Int in
            defer { s.nextID += 1 }
            return s.nextID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Result, any Error>) in
                let batch = state.withLock { s -> Batch? in
                    if s.cancelled.remove(id) != nil {
                        c.resume(throwing: RPCError(.cancelled, "call cancelled"))
                        return nil
                    }
                    s.waiters[id] = Waiter(users: users, items: items, deadline: deadline, continuation: c)
                    s.queue.append(id)
                    return s.takeBatch(maxBatch: maxBatch, maxInFlight: maxInFlight)
                }
                if let batch { launch(batch) }
            }
        } onCancel: {
            let w = state.withLock { s -> Waiter? in
                guard let w = s.waiters.removeValue(forKey: id) else {
                    s.cancelled.insert(id)
                    return nil
                }
                s.queue.removeAll { $0 == id }
                return w
            }
            w?.continuation.resume(throwing: RPCError(.cancelled, "call cancelled"))
        }
    }

    /// Downstream calls running now (for tests).
    var inFlight: Int { state.withLock { $0.inFlight } }

    private func launch(_ batch: Batch) {
        Task {
            let outcome: Swift.Result<Result, any Error>
            do {
                outcome = .success(try await fetch(batch.users, batch.items, batch.deadline))
            } catch {
                outcome = .failure(error)
            }
            let (waiters, next) = state.withLock { s -> ([Waiter], Batch?) in
                s.inFlight -= 1
                let ws = batch.waiterIDs.compactMap { s.waiters.removeValue(forKey: $0) }
                return (ws, s.takeBatch(maxBatch: maxBatch, maxInFlight: maxInFlight))
            }
            if let next { launch(next) }
            for w in waiters { w.continuation.resume(with: outcome) }
        }
    }

    private struct Waiter {
        let users: [String]
        let items: [String]
        let deadline: ContinuousClock.Instant
        let continuation: CheckedContinuation<Result, any Error>
    }

    private struct Batch {
        var waiterIDs: [Int] = []
        var users: [String] = []
        var items: [String] = []
        var deadline: ContinuousClock.Instant
    }

    private struct State {
        var nextID = 0
        var queue: [Int] = []
        var waiters: [Int: Waiter] = [:]
        /// Ids cancelled before they were enqueued.
        var cancelled: Set<Int> = []
        var inFlight = 0

        /// The next batch (queued waiters in order while their distinct ids fit `maxBatch`), or
        /// nil when nothing waits or no call slot is free. Marks the call in flight.
        mutating func takeBatch(maxBatch: Int, maxInFlight: Int) -> Batch? {
            guard inFlight < maxInFlight, let firstID = queue.first, let first = waiters[firstID] else { return nil }
            var batch = Batch(deadline: first.deadline)
            var users = Set<String>(), items = Set<String>()
            var taken = 0
            for id in queue {
                guard let w = waiters[id] else { taken += 1; continue }
                let newUsers = w.users.filter { !users.contains($0) }
                let newItems = w.items.filter { !items.contains($0) }
                if !batch.waiterIDs.isEmpty && users.count + items.count + newUsers.count + newItems.count > maxBatch {
                    break
                }
                for u in newUsers where users.insert(u).inserted { batch.users.append(u) }
                for i in newItems where items.insert(i).inserted { batch.items.append(i) }
                batch.waiterIDs.append(id)
                batch.deadline = max(batch.deadline, w.deadline)
                taken += 1
            }
            queue.removeFirst(taken)
            inFlight += 1
            return batch
        }
    }
}
