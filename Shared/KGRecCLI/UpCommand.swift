import Foundation
import KGRecServiceKit
import Synchronization
import KGRecPOSIX

/// `kgrec up`: runs the three services as local processes (the topology of docker-compose.yml):
/// encoder(s) → graph → ranker, each started once the previous answers SERVING on gRPC health.
/// SIGINT/SIGTERM stop them in reverse order (graceful drain), then `kgrec up` exits 0.
struct UpCommand: CLICommand {
    let name = "up"
    let summary = "run encoder(s) → graph → ranker locally as processes, health-gated; Ctrl-C stops them"

    static let flags: [CommandFlags.Flag] = { let d = TopologyConfig.defaults, r = RestartPolicy(); return [
        .init("checkpoint", "FILE", "checkpoint.safetensors written by kgrec train (required)"),
        .init("data", "DIR", "dataset directory (default: the one recorded in the checkpoint)"),
        .init("fused-items", "FILE", "graph: fused-item artifact from kgrec export (trained items are not re-encoded at start)"),
        .init("encoders", "N", "encoder processes (scale-out; the graph balances over them)", default: d.encoders, rule: .range(1...64)),
        .init("host", "ADDR", "address every service binds", default: d.host),
        .init("encoder-port", "PORT", "first encoder's gRPC port; encoder i uses PORT+100*i", default: d.encoderPort, rule: .range(1...65535)),
        .init("graph-port", "PORT", "graph gRPC port", default: d.graphPort, rule: .range(1...65535)),
        .init("ranker-port", "PORT", "ranker gRPC port", default: d.rankerPort, rule: .range(1...65535)),
        .init("free-ports", nil, "pick free ports for every service instead of the defaults"),
        .init("no-admin", nil, "disable the admin HTTP servers (/metrics, /healthz)"),
        .init("state-dir", "DIR", "graph durable log in DIR/graph, logs in DIR/logs", default: d.stateDir),
        .init("bin-dir", "DIR", "where kgrec-encoder/graph/ranker are (default: beside this kgrec)"),
        .init("auth-token", "TOKEN", "bearer token for the graph's AddInteractions (or env KGREC_AUTH_TOKEN); passed to the graph by env"),
        .init("log-level", "LEVEL", "services' log level", default: d.logLevel, rule: .choices(LogLevel.allCases.map(\.description))),
        .init("grace", "DURATION", "drain period of each service on stop", default: d.gracePeriod),
        .init("restart", "POLICY", "on-failure restarts a crashed service with exponential back-off "
              + "(\(r.initialBackoff.flagValue) doubling to \(r.maxBackoff.flagValue)), giving up after --restart-limit crashes "
              + "within \(r.crashLoopWindow.flagValue); the others keep serving", default: r.mode),
        .init("restart-limit", "N", "crashes of one service within \(r.crashLoopWindow.flagValue) that are still restarted (the next is a crash loop)", default: r.crashLoopLimit,
              rule: .range(0...1_000_000)),
        .init("start-timeout", "DURATION", "how long each service may take to become SERVING", default: d.startTimeout),
        .init("endpoints-file", "FILE", "write the services' addresses and PIDs as JSON once all are SERVING"),
        .init("encoder-arg", "ARG", "extra argument for every encoder", repeatable: true),
        .init("graph-arg", "ARG", "extra argument for the graph", repeatable: true),
        .init("ranker-arg", "ARG", "extra argument for the ranker", repeatable: true),
    ] }()

    func run(_ args: [String]) -> Int32 {
        runCommand(name) {
            let f = try CommandFlags(args, flags: Self.flags)
            if f.helpRequested { print(CommandFlags.usage(synopsis: "kgrec up --checkpoint FILE [flags]", summary, Self.flags)); return 0 }
            guard f.positional.isEmpty else { throw CommandFlags.UsageError("unexpected argument '\(f.positional[0])'") }
            let config = try Self.topologyConfig(f)
            var restart = RestartPolicy()
            restart.mode = f.choice("restart", RestartPolicy.Mode.self) ?? restart.mode
            restart.crashLoopLimit = f.int("restart-limit") ?? restart.crashLoopLimit
            let policy = restart
            let topology = try LocalTopology(config: config)
            let endpointsFile = f.string("endpoints-file")
            let stop = Atomic<Int32>(0)
            let signals = try SignalSubscription()
            signals.forward { sig in stop.store(sig, ordering: .relaxed) }
            defer { signals.cancel() }
            return blockingAsync {
                OpsOutput.line("kgrec up: starting \(config.encoders) encoder(s), graph, ranker from \(config.checkpoint)")
                do {
                    try await topology.start(progress: { OpsOutput.line("kgrec up: " + $0) },
                                             shouldStop: { stop.load(ordering: .relaxed) != 0 })
                } catch {
                    OpsOutput.error("kgrec up: \(error)")
                    return 1
                }
                if let path = endpointsFile {
                    do { try Self.endpointsJSON(topology).write(toFile: path, atomically: true, encoding: .utf8) } catch {
                        OpsOutput.error("kgrec up: cannot write \(path): \(error)")
                    }
                }
                let ranker = topology.endpoint("ranker")!
                OpsOutput.line("kgrec up: ready; ranker at \(config.host):\(ranker.grpcPort) "
                               + "(try: kgrec call \(config.host):\(ranker.grpcPort) grpc.health.v1.Health/Check); Ctrl-C stops")
                var code: Int32 = 0
                var histories: [String: RestartPolicy.History] = [:]
                let clock = ContinuousClock(), t0 = clock.now
                supervise: while stop.load(ordering: .relaxed) == 0 {
                    if let (ep, status) = topology.firstExited() {
                        OpsOutput.error("kgrec up: \(ep.name) exited unexpectedly with status \(status); log \(ep.logPath):\n"
                                        + (topology.child(ep.name)?.logTail() ?? ""))
                        var history = histories[ep.name] ?? .init()
                        let decision = policy.decide(status: status, at: clock.now - t0, history: &history)
                        histories[ep.name] = history
                        switch decision {
                        case .giveUp(let why):
                            OpsOutput.error("kgrec up: not restarting \(ep.name): \(why); stopping everything")
                            code = 1
                            break supervise
                        case .restart(let delay, let attempt):
                            OpsOutput.line("kgrec up: restarting \(ep.name) in \(delay) (crash \(attempt) within "
                                           + "\(policy.crashLoopWindow)); the other services keep serving")
                            try? await Task.sleep(for: delay)
                            let began = clock.now
                            do {
                                try await topology.restart(ep.name, shouldStop: { stop.load(ordering: .relaxed) != 0 })
                                OpsOutput.line("kgrec up: \(ep.name) restarted, SERVING again after \(clock.now - began) "
                                               + "(pid \(topology.child(ep.name)?.pid ?? 0))")
                                if let path = endpointsFile {
                                    try? Self.endpointsJSON(topology).write(toFile: path, atomically: true, encoding: .utf8)
                                }
                            } catch {
                                OpsOutput.error("kgrec up: restarting \(ep.name) failed: \(error)")
                            }
                        }
                        continue
                    }
                    try? await Task.sleep(for: .milliseconds(100))
                }
                OpsOutput.line("kgrec up: stopping (reverse order, graceful)")
                await topology.stop(progress: { OpsOutput.line("kgrec up: " + $0) })
                return code
            }
        }
    }

    static func topologyConfig(_ f: CommandFlags) throws -> TopologyConfig {
        guard let checkpoint = f.string("checkpoint") else { throw CommandFlags.UsageError("--checkpoint FILE is required") }
        guard FileManager.default.fileExists(atPath: checkpoint) else { throw CommandFlags.UsageError("--checkpoint: \(checkpoint) does not exist") }
        let state = f.string("state-dir") ?? TopologyConfig.defaultStateDir
        var c = TopologyConfig(binDir: f.string("bin-dir") ?? executableDirectory(), checkpoint: absolute(checkpoint),
                               stateDir: absolute(state))
        c.data = f.string("data").map(absolute)
        c.fusedItems = f.string("fused-items").map(absolute)
        c.encoders = f.int("encoders") ?? c.encoders
        c.host = f.string("host") ?? c.host
        c.encoderPort = f.int("encoder-port") ?? c.encoderPort
        c.graphPort = f.int("graph-port") ?? c.graphPort
        c.rankerPort = f.int("ranker-port") ?? c.rankerPort
        c.freePorts = f.has("free-ports")
        c.adminPorts = !f.has("no-admin")
        c.authToken = f.string("auth-token") ?? ProcessInfo.processInfo.environment["KGREC_AUTH_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        c.logLevel = f.string("log-level") ?? c.logLevel
        c.gracePeriod = f.duration("grace") ?? c.gracePeriod
        c.startTimeout = f.duration("start-timeout") ?? c.startTimeout
        c.extraArguments = ["encoder": f.strings("encoder-arg"), "graph": f.strings("graph-arg"), "ranker": f.strings("ranker-arg")]
        return c
    }

    static func endpointsJSON(_ t: LocalTopology) -> String {
        let pids = Dictionary(uniqueKeysWithValues: t.pids)
        let items: [JSONValue] = t.endpoints.map { ep in
            .object([("name", .string(ep.name)), ("role", .string(ep.role)),
                     ("grpc", .string("\(t.config.host):\(ep.grpcPort)")), ("admin_port", .number(String(ep.adminPort))),
                     ("pid", .number(String(pids[ep.name] ?? 0))), ("log", .string(ep.logPath))])
        }
        return JSONValue.object([("services", .array(items))]).render(pretty: true) + "\n"
    }

    static func absolute(_ p: String) -> String {
        p.hasPrefix("/") ? p : FileManager.default.currentDirectoryPath + "/" + p
    }

    /// The directory of the running executable (`/proc/self/exe`).
    static func executableDirectory() -> String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return (absolute(exe) as NSString).deletingLastPathComponent
    }
}
