import Dispatch
import Foundation
import GRPCCore
import GRPCHTTP2
import GRPCInterop
import KGRecServiceKit
import KGRecWire

/// `kgrec interop-server`: grpc.testing.TestService + grpc.health.v1.Health (+ server reflection
/// unless `--reflection false`) on our runtime, for
/// the gRPC interop cases and benchmarks. Prints `listening on HOST:PORT` once bound; SIGTERM or
/// SIGINT marks health NOT_SERVING and drains gracefully (`--grace` seconds for in-flight calls).
struct InteropServerCommand: CLICommand {
    let name = "interop-server"
    let summary = "serve grpc.testing.TestService + health (gRPC interop server)"

    /// What the interop server binds and how it stops when the flags do not say.
    enum Defaults {
        static let host = "0.0.0.0"
        static let port = 8080
        static let graceSeconds = 5.0
        static let reflection = true
    }

    static let flags: [CommandFlags.Flag] = [
        .init("host", "address to bind", default: Defaults.host),
        .init("port", "port to bind; 0 picks a free one", default: Defaults.port, rule: .range(0...65535)),
        .init("event-loops", "event loop threads (default: one per core)", kind: .int, rule: .range(1...1024)),
        .init("grace", "seconds in-flight calls get after SIGTERM", default: Defaults.graceSeconds, rule: .nonNegative),
        .init("reflection", "serve gRPC server reflection: true or false", default: Defaults.reflection),
    ]

    func run(_ args: [String]) -> Int32 {
        InteropFlags.run(name, summary, Self.flags, args) { f in
            var config = ServerConfig()
            config.host = f.string("host") ?? Defaults.host
            config.port = f.int("port") ?? Defaults.port
            if let n = f.int("event-loops") { config.eventLoops = n }
            let grace = f.double("grace") ?? Defaults.graceSeconds
            let health = HealthStatusRegistry()
            health.set(Grpc_Testing_TestService.name, .serving)
            var router = RPCRouter(services: [TestService(), HealthService(registry: health)])
            if f.bool("reflection") ?? Defaults.reflection { router.registerReflection() }
            let server = GRPCServer(router: router, config: config)
            // Swift's executor (libdispatch) creates its epoll descriptors when its first worker
            // thread starts and traps if that fails: run one task before the listener exists, so
            // a later EMFILE cannot take down the signal-driven shutdown (issue 10).
            _ = InteropFlags.runBlocking { 0 }
            let port = try server.start()
            // SIGTERM/SIGINT: health goes NOT_SERVING (and Watch calls end), then a graceful drain.
            try server.shutdownOnSignals(grace: .milliseconds(Int(grace * 1000))) { health.shutDown() }
            InteropFlags.printLine("kgrec interop-server listening on \(config.host):\(port)")
            return InteropFlags.runBlocking {
                await server.waitUntilStopped()
                return 0
            }
        }
    }
}
