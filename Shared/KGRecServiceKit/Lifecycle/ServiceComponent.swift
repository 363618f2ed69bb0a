/// A part of a service the runner starts and stops: a gRPC server, the admin server, a
/// background loader, a downstream client pool.
public protocol ServiceComponent: Sendable {
    /// For logs, e.g. `"grpc-server"`.
    var name: String { get }
    /// Starts and returns once running (e.g. bound). A throw aborts start-up: components
    /// already started are stopped in reverse order.
    func start() async throws
    /// Graceful stop: refuse new work, finish in-flight work, release resources; returns when done.
    func drain() async
    /// Hard stop after the grace period (or a second signal): abandon what is left. May be
    /// called while `drain()` is still running and must make it return promptly.
    func forceStop() async
}
