import GRPCCore
import Synchronization

/// What every connection of one server shares: routes, limits, counters. Immutable apart from
/// the atomics.
final class ServerShared: Sendable {
    let router: RPCRouter
    let config: ServerConfig
    let connectionCount = Atomic<Int>(0)
    /// Set when graceful shutdown begins.
    let shuttingDown = Atomic<Bool>(false)
    let keepaliveIntervalNanos: UInt64
    let keepaliveTimeoutNanos: UInt64
    let idleTimeoutNanos: UInt64
    let streamProgressTimeoutNanos: UInt64
    let resetWindowNanos: UInt64

    init(router: RPCRouter, config: ServerConfig) {
        self.router = router
        self.config = config
        keepaliveIntervalNanos = config.keepaliveInterval.map(MonotonicClock.nanoseconds(of:)) ?? 0
        keepaliveTimeoutNanos = MonotonicClock.nanoseconds(of: config.keepaliveTimeout)
        idleTimeoutNanos = config.idleTimeout.map(MonotonicClock.nanoseconds(of:)) ?? 0
        streamProgressTimeoutNanos = config.streamProgressTimeout.map(MonotonicClock.nanoseconds(of:)) ?? 0
        resetWindowNanos = MonotonicClock.nanoseconds(of: config.resetWindow)
    }
}
