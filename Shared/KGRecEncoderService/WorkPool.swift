import Dispatch

/// Runs CPU-heavy synchronous work on Dispatch threads — off the gRPC event loops and off Swift's
/// cooperative pool, so a long encode never stalls other calls' I/O — with at most `width` jobs
/// running at once across all callers (the rest wait their turn in arrival order).
final class WorkPool: Sendable {
    let width: Int
    private let queue = DispatchQueue(label: "kgrec.encoder.work", qos: .userInitiated, attributes: .concurrent)
    private let permits: AsyncSemaphore

    init(width: Int) {
        self.width = width
        permits = AsyncSemaphore(permits: width)
    }

    /// `body()` on a pool thread, once a slot is free (CancellationError if cancelled while waiting).
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await permits.acquire()
        defer { permits.release() }
        return try await withCheckedThrowingContinuation { c in
            queue.async { c.resume(with: Result { try body() }) }
        }
    }
}
