import GRPCCore

/// Retries an operation that failed with UNAVAILABLE, with exponential backoff and jitter, a
/// bounded number of attempts, and never past a deadline: when the next wait would end after the
/// deadline, the last error is thrown at once.
struct RetryPolicy: Sendable {
    /// Total attempts, at least 1.
    var attempts: Int
    /// Wait before the second attempt; doubles each time, capped at `maxBackoff`.
    var backoff: Duration
    var maxBackoff: Duration

    /// The wait after failed attempt `n` (1-based): `min(max, backoff·2^(n−1))` scaled by a
    /// jitter factor `j` in [0.5, 1] ("equal jitter": never less than half, spreads retries).
    func delay(afterAttempt n: Int, jitter j: Double) -> Duration {
        let base = Double(backoff.components.seconds) + Double(backoff.components.attoseconds) * 1e-18
        let cap = Double(maxBackoff.components.seconds) + Double(maxBackoff.components.attoseconds) * 1e-18
        let exp = min(cap, base * Double(1 << min(n - 1, 30)))
        return .nanoseconds(Int64(exp * (0.5 + 0.5 * min(max(j, 0), 1)) * 1e9))
    }

    /// Runs `op` with the time left before `deadline`; retries only `RPCError(.unavailable)`.
    func run<T: Sendable>(deadline: ContinuousClock.Instant,
                          onFailure: (RPCError) -> Void = { _ in },
                          _ op: (Duration) async throws -> T) async throws -> T
    {
        var attempt = 1
        while true {
            let left = deadline - .now
            guard left > .zero else { throw RPCError(.deadlineExceeded, "no time left for the call") }
            do {
                return try await op(left)
            } catch let e as RPCError {
                onFailure(e)
                guard e.code == .unavailable, attempt < attempts else { throw e }
                let wait = delay(afterAttempt: attempt, jitter: Double.random(in: 0...1))
                guard ContinuousClock.now + wait < deadline else { throw e }
                try await Task.sleep(for: wait)
                attempt += 1
            }
        }
    }
}
