import Foundation
import GRPCCore
import GRPCHTTP2
import KGRecWire

/// Starts and stops the three services as local processes, health-gated, in dependency order
/// (encoders → graph → ranker), and stops them in reverse. Used by `kgrec up`, the services demo,
/// the end-to-end tests and `Benchmarks/load.sh` (through `kgrec up`).
final class LocalTopology: Sendable {
    let config: TopologyConfig
    let endpoints: [ServiceEndpoint]
    private let children: [ChildProcess]

    /// Plans ports, directories and command lines; starts nothing.
    init(config: TopologyConfig) throws {
        self.config = config
        let fm = FileManager.default
        let logs = config.stateDir + "/logs"
        try fm.createDirectory(atPath: logs, withIntermediateDirectories: true)
        try fm.createDirectory(atPath: config.stateDir + "/graph", withIntermediateDirectories: true)
        for exe in ["kgrec-encoder", "kgrec-graph", "kgrec-ranker"] where !fm.isExecutableFile(atPath: config.binDir + "/" + exe) {
            throw StartError(.missingExecutable, "\(config.binDir)/\(exe) not found or not executable (build with `swift build -c release`, or pass --bin-dir)")
        }
        func port(_ fixed: Int) throws -> Int { config.freePorts ? try FreePort.pick(host: config.host) : fixed }
        func admin(_ fixed: Int) throws -> Int { config.adminPorts ? try port(fixed) : -1 }
        var eps: [ServiceEndpoint] = []
        for i in 0..<config.encoders {
            eps.append(ServiceEndpoint(name: "encoder-\(i)", role: "encoder", healthService: "kgrec.v1.Encoder",
                                       grpcPort: try port(config.encoderPort + 100 * i), adminPort: try admin(9461 + 100 * i),
                                       logPath: "\(logs)/encoder-\(i).log"))
        }
        eps.append(ServiceEndpoint(name: "graph", role: "graph", healthService: "kgrec.v1.Graph",
                                   grpcPort: try port(config.graphPort), adminPort: try admin(9462), logPath: "\(logs)/graph.log"))
        eps.append(ServiceEndpoint(name: "ranker", role: "ranker", healthService: "kgrec.v1.Ranker",
                                   grpcPort: try port(config.rankerPort), adminPort: try admin(9463), logPath: "\(logs)/ranker.log"))
        endpoints = eps
        children = eps.map { ep in
            ChildProcess(name: ep.name, executable: "\(config.binDir)/kgrec-\(ep.role)",
                         arguments: Self.arguments(for: ep, all: eps, config: config), logPath: ep.logPath)
        }
    }

    /// The command line of one service: common flags, then the role's own, then pass-through.
    static func arguments(for ep: ServiceEndpoint, all: [ServiceEndpoint], config c: TopologyConfig) -> [String] {
        var a = ["--host", c.host, "--port", String(ep.grpcPort), "--admin-host", c.host, "--admin-port", String(ep.adminPort),
                 "--log-level", c.logLevel, "--grace-period", "\(Int(c.gracePeriod.components.seconds))s"]
        switch ep.role {
        case "encoder":
            a += ["--checkpoint", c.checkpoint]
            if let d = c.data { a += ["--data", d] }
        case "graph":
            a += ["--checkpoint", c.checkpoint, "--log", c.stateDir + "/graph/interactions.log"]
            if let d = c.data { a += ["--data", d] }
            if let x = c.fusedItems { a += ["--fused-items", x] }
            for e in all where e.role == "encoder" { a += ["--encoder", "\(c.host):\(e.grpcPort)"] }
        default:
            let graph = all.first { $0.role == "graph" }!
            a += ["--graph", "\(c.host):\(graph.grpcPort)"]
        }
        return a + (c.extraArguments[ep.role] ?? [])
    }

    /// The child processes' environment: ours, plus the auth token through the graph's env var
    /// (never a flag: flags show up in `ps`); the graph is the only service with a mutating RPC.
    private func environment(for ep: ServiceEndpoint) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        if let t = config.authToken, ep.role == "graph" { env["KGREC_GRAPH_AUTH_TOKEN"] = t }
        return env
    }

    func child(_ name: String) -> ChildProcess? { children.first { $0.name == name } }
    func endpoint(_ role: String) -> ServiceEndpoint? { endpoints.first { $0.role == role } }
    var pids: [(String, pid_t)] { children.map { ($0.name, $0.pid) } }

    /// Starts every service in order, each only after the previous is SERVING. On failure stops
    /// what was started and throws an error naming the service and its log file. `shouldStop`
    /// (a signal arrived) aborts the start the same way.
    func start(progress: @Sendable (String) -> Void, shouldStop: @Sendable () -> Bool = { false }) async throws {
        try await startFrom(endpoints[0].name, progress: progress, shouldStop: shouldStop)
    }

    /// `start` beginning at service `first` (the ones before it are assumed running elsewhere).
    func startFrom(_ first: String, progress: @Sendable (String) -> Void, shouldStop: @Sendable () -> Bool = { false }) async throws {
        let skip = endpoints.firstIndex { $0.name == first } ?? 0
        for (ep, child) in zip(endpoints, children).dropFirst(skip) {
            do {
                for port in [ep.grpcPort, ep.adminPort] where port > 0 && !FreePort.isFree(port, host: config.host) {
                    throw StartError(.portInUse, "\(ep.name): port \(port) on \(config.host) is already in use "
                                     + "(another kgrec up? pick other ports, or --free-ports)")
                }
                try start(child, ep)
                try await waitHealthy(ep, child, shouldStop: shouldStop)
            } catch {
                await stop()
                throw error
            }
            progress("\(ep.name) SERVING on \(config.host):\(ep.grpcPort)"
                     + (ep.adminPort >= 0 ? " (admin http://\(config.host):\(ep.adminPort)/healthz)" : "")
                     + " pid \(child.pid), log \(ep.logPath)")
        }
    }

    /// Restarts one stopped service with the same command line (fault tests, demos).
    func restart(_ name: String, shouldStop: @Sendable () -> Bool = { false }) async throws {
        guard let i = children.firstIndex(where: { $0.name == name }) else { throw StartError(.unknownService, "no service \(name)") }
        let fresh = children[i]
        guard !fresh.isRunning else { return }
        try start(fresh, endpoints[i])
        try await waitHealthy(endpoints[i], fresh, shouldStop: shouldStop)
    }

    private func start(_ child: ChildProcess, _ ep: ServiceEndpoint) throws(StartError) {
        do { try child.start(environment: environment(for: ep)) } catch {
            throw StartError(.spawnFailed, error.description, cause: error)
        }
    }

    private func waitHealthy(_ ep: ServiceEndpoint, _ child: ChildProcess, shouldStop: @Sendable () -> Bool) async throws {
        let channel = GRPCChannel(host: config.host == "0.0.0.0" ? "127.0.0.1" : config.host, port: ep.grpcPort)
        defer { channel.close() }
        let clock = ContinuousClock()
        let deadline = clock.now + config.startTimeout
        var last = "no answer yet"
        var lastError: RPCError?
        while clock.now < deadline {
            if shouldStop() { throw StartError(.interrupted, "interrupted while waiting for \(ep.name)") }
            if let code = child.poll() {
                throw StartError(.exited, "\(ep.name) exited with status \(code) before becoming healthy; log \(ep.logPath):\n"
                                 + child.logTail())
            }
            do {
                let r = try await channel.unary(Grpc_Health_V1_Health.Method.check,
                                                request: Grpc_Health_V1_HealthCheckRequest(service: ep.healthService),
                                                responseType: Grpc_Health_V1_HealthCheckResponse.self,
                                                options: CallOptions(timeout: .seconds(1)))
                if r.message.status == .serving { return }
                last = "health \(r.message.status)"
                lastError = nil
            } catch let e as RPCError {
                last = "\(e.code): \(e.message)"
                lastError = e
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        throw StartError(.unhealthy, "\(ep.name) did not become SERVING within \(config.startTimeout) (last: \(last)); log \(ep.logPath):\n"
                         + child.logTail(), cause: lastError)
    }

    /// The first service that died on its own, with its exit status.
    func firstExited() -> (ServiceEndpoint, Int32)? {
        for (ep, c) in zip(endpoints, children) where c.pid > 0 { if let e = c.poll() { return (ep, e) } }
        return nil
    }

    /// Graceful stop in reverse start order: SIGTERM, wait up to the grace period (+2 s), then
    /// SIGKILL. Returns each service's exit status.
    @discardableResult
    func stop(progress: @Sendable (String) -> Void = { _ in }) async -> [(String, Int32?)] {
        var out: [(String, Int32?)] = []
        for c in children.reversed() where c.pid > 0 {
            let wasRunning = c.isRunning
            let code = await c.stop(grace: config.gracePeriod + .seconds(2))
            if wasRunning { progress("\(c.name) stopped (exit \(code.map(String.init) ?? "?"))") }
            out.append((c.name, code))
        }
        return out
    }

    /// Stops one service (fault tests): SIGTERM (or SIGKILL when `hard`), then waits.
    func stopOne(_ name: String, hard: Bool = false) async {
        guard let c = child(name) else { return }
        if hard { c.send(SIGKILL); _ = await c.wait(timeout: .seconds(5)) } else { await c.stop(grace: config.gracePeriod + .seconds(2)) }
    }
}
