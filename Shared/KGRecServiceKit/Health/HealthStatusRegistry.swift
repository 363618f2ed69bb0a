import GRPCCore
import KGRecWire
import Synchronization

/// The serving status of each service a server hosts, behind `grpc.health.v1.Health`. The empty
/// name is the server as a whole. Thread-safe; watchers (Health.Watch calls) hear every change.
public final class HealthStatusRegistry: Sendable {
    public typealias ServingStatus = Grpc_Health_V1_HealthCheckResponse.ServingStatus

    private struct State {
        var statuses: [String: ServingStatus] = [:]
        var watchers: [Int: (service: String, continuation: AsyncStream<ServingStatus>.Continuation)] = [:]
        var nextWatcher = 0
        var shutDown = false
    }

    private let state = Mutex(State())

    /// A registry in which the server as a whole ("") has `overall` status.
    public init(overall: ServingStatus = .serving) {
        state.withLock { $0.statuses[""] = overall }
    }

    /// The status of `service`, nil if it was never registered.
    public func status(of service: String) -> ServingStatus? {
        state.withLock { $0.statuses[service] }
    }

    /// Sets a service's status and tells its watchers. Ignored after `shutDown()`.
    public func set(_ service: String, _ status: ServingStatus) {
        let listeners = state.withLock { s -> [AsyncStream<ServingStatus>.Continuation] in
            guard !s.shutDown else { return [] }
            s.statuses[service] = status
            return s.watchers.values.filter { $0.service == service }.map(\.continuation)
        }
        for l in listeners { l.yield(status) }
    }

    /// Marks every service NOT_SERVING and freezes the registry: what a server does when it
    /// starts to drain, so load balancers stop sending it work. Watchers of a registered service
    /// get NOT_SERVING; then every watch stream ends, so open Watch calls finish (OK) and do not
    /// hold up a graceful drain.
    public func shutDown() {
        let watchers = state.withLock { s -> [(known: Bool, continuation: AsyncStream<ServingStatus>.Continuation)] in
            s.shutDown = true
            for key in s.statuses.keys { s.statuses[key] = .notServing }
            return s.watchers.values.map { (s.statuses[$0.service] != nil, $0.continuation) }
        }
        for w in watchers {
            if w.known { w.continuation.yield(.notServing) }
            w.continuation.finish()
        }
    }

    /// Whether `shutDown()` was called.
    public var isShutDown: Bool { state.withLock { $0.shutDown } }

    /// A stream of `service`'s status: the current one first (SERVICE_UNKNOWN if it is not
    /// registered), then every change. Only the latest undelivered status is kept for a slow
    /// reader. Ends when the consumer stops iterating or the registry shuts down.
    public func watch(_ service: String) -> AsyncStream<ServingStatus> {
        let (stream, continuation) = AsyncStream.makeStream(of: ServingStatus.self,
                                                            bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { s -> Int? in
            continuation.yield(s.statuses[service] ?? .serviceUnknown)
            guard !s.shutDown else { return nil }
            let id = s.nextWatcher
            s.nextWatcher += 1
            s.watchers[id] = (service, continuation)
            return id
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.watchers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Watch calls currently open (for tests and metrics).
    public var watcherCount: Int { state.withLock { $0.watchers.count } }
}
