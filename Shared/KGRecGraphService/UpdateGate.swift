import GRPCCore

/// A FIFO async mutex with a bounded queue: one update at a time, in arrival order, without
/// blocking a thread. At most `maxWaiting` callers wait behind the holder; one more is refused
/// with RESOURCE_EXHAUSTED, and a waiter whose task is cancelled (its client went away) leaves
/// the queue at once with CANCELLED.
actor UpdateGate {
    private let maxWaiting: Int
    private var busy = false
    private var waiters: [(ticket: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
    private var nextTicket: UInt64 = 0

    init(maxWaiting: Int = .max) { self.maxWaiting = maxWaiting }

    /// Callers queued behind the holder.
    var waiting: Int { waiters.count }

    func acquire() async throws {
        if !busy { busy = true; return }
        guard waiters.count < maxWaiting else {
            throw RPCError(.resourceExhausted, "\(waiters.count) updates are already queued (limit \(maxWaiting)); retry later")
        }
        let ticket = nextTicket
        nextTicket += 1
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                if Task.isCancelled {
                    c.resume(throwing: RPCError(.cancelled, "the update was cancelled while queued"))
                } else {
                    waiters.append((ticket, c))
                }
            }
        } onCancel: {
            Task { await self.leave(ticket) }
        }
    }

    private func leave(_ ticket: UInt64) {
        guard let k = waiters.firstIndex(where: { $0.ticket == ticket }) else { return }
        waiters.remove(at: k).continuation.resume(throwing: RPCError(.cancelled, "the update was cancelled while queued"))
    }

    func release() {
        if waiters.isEmpty { busy = false } else { waiters.removeFirst().continuation.resume() }
    }

    /// Runs `body` holding the gate.
    func withGate<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await acquire()
        defer { release() }
        return try await body()
    }
}
