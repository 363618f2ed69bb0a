/// A `ServiceComponent` made of closures, for small pieces of wiring.
public struct ClosureComponent: ServiceComponent {
    public let name: String
    private let onStart: @Sendable () async throws -> Void
    private let onDrain: @Sendable () async -> Void
    private let onForceStop: @Sendable () async -> Void

    /// `forceStop` defaults to doing nothing (right when `drain` cannot block).
    public init(name: String, start: @escaping @Sendable () async throws -> Void = {},
                drain: @escaping @Sendable () async -> Void = {},
                forceStop: @escaping @Sendable () async -> Void = {})
    {
        self.name = name
        self.onStart = start
        self.onDrain = drain
        self.onForceStop = forceStop
    }

    public func start() async throws { try await onStart() }
    public func drain() async { await onDrain() }
    public func forceStop() async { await onForceStop() }
}
