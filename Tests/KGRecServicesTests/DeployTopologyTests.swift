import Foundation
import KGRecGraphService
import KGRecPOSIX
import KGRecRankerService
import KGRecServiceKit
import Testing
@testable import KGRecCLI

/// `kgrec up`'s process supervision: the command lines it builds parse with the services' own
/// declarations, and failures name the service and its log file.
@Suite struct DeployTopologyTests {
    static func tempDir() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kgrec-ops-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A bin dir of shell-script stand-ins for the three executables.
    static func fakeBinDir(_ scripts: [String: String]) throws -> String {
        let dir = try tempDir()
        for exe in ["kgrec-encoder", "kgrec-graph", "kgrec-ranker"] {
            let path = dir + "/" + exe
            try ("#!/bin/sh\n" + (scripts[exe] ?? "exec sleep 30\n")).write(toFile: path, atomically: true, encoding: .utf8)
            chmod(path, 0o755)
        }
        return dir
    }

    static let specs: [String: ServiceConfigSpec] = [
        "graph": ServiceConfigSpec(service: "graph", options: ConfigOption.common(port: 50062, adminPort: 9462) + GraphOptions.configOptions),
        "ranker": ServiceConfigSpec(service: "ranker", options: ConfigOption.common(port: 50063, adminPort: 9463) + RankerOptions.configOptions),
    ]

    @Test func commandLinesParseWithTheServicesOwnDeclarations() throws {
        var config = TopologyConfig(binDir: try Self.fakeBinDir([:]), checkpoint: "/m/checkpoint.safetensors", stateDir: try Self.tempDir())
        config.encoders = 3
        config.data = "/d"
        config.fusedItems = "/m/fused-items.kgrf"
        let t = try LocalTopology(config: config)
        #expect(t.endpoints.map(\.name) == ["encoder-0", "encoder-1", "encoder-2", "graph", "ranker"])
        #expect(t.endpoints.map(\.grpcPort) == [50061, 50161, 50261, 50062, 50063])
        for ep in t.endpoints {
            let args = LocalTopology.arguments(for: ep, all: t.endpoints, config: config)
            guard let spec = Self.specs[ep.role] else { continue }
            guard case .run(let parsed) = try spec.parse(arguments: args, environment: [:]) else {
                Issue.record("\(ep.name): arguments did not parse to a run: \(args)")
                continue
            }
            #expect(parsed.int("port") == ep.grpcPort)
            if ep.role == "graph" {
                #expect(parsed.strings("encoder") == ["127.0.0.1:50061", "127.0.0.1:50161", "127.0.0.1:50261"])
                #expect(parsed.string("checkpoint") == "/m/checkpoint.safetensors")
                #expect(parsed.string("log").hasPrefix(config.stateDir))
                #expect(parsed.optionalString("fused-items") == "/m/fused-items.kgrf")
            }
            if ep.role == "ranker" { #expect(parsed.string("graph") == "127.0.0.1:50062") }
        }
    }

    @Test func freePortsAreDistinct() throws {
        var config = TopologyConfig(binDir: try Self.fakeBinDir([:]), checkpoint: "/c", stateDir: try Self.tempDir())
        config.freePorts = true
        config.encoders = 2
        let t = try LocalTopology(config: config)
        let ports = t.endpoints.flatMap { [$0.grpcPort, $0.adminPort] }
        #expect(Set(ports).count == ports.count)
        #expect(ports.allSatisfy { $0 > 0 })
    }

    @Test func aServiceThatDiesAtStartIsNamedWithItsLogTail() async throws {
        let bin = try Self.fakeBinDir(["kgrec-graph": "echo 'graph: cannot read checkpoint' >&2\nexit 3\n"])
        var config = TopologyConfig(binDir: bin, checkpoint: "/c", stateDir: try Self.tempDir())
        config.freePorts = true
        config.startTimeout = .seconds(60)
        // The fake encoder never answers health, so make it pass by starting only from the graph:
        // a topology whose first service is the failing one.
        let t = try LocalTopology(config: config)
        let error = await #expect(throws: LocalTopology.StartError.self) {
            try await t.startFrom("graph", progress: { _ in })
        }
        #expect(error?.code == .exited)
        let text = error?.description ?? ""
        #expect(text.contains("graph exited with status 3"))
        #expect(text.contains(config.stateDir + "/logs/graph.log"))
        #expect(text.contains("cannot read checkpoint"))
        #expect(t.pids.allSatisfy { $0.1 == 0 || kill($0.1, 0) != 0 })
    }

    @Test func aServiceThatNeverBecomesHealthyTimesOutAndIsStopped() async throws {
        var config = TopologyConfig(binDir: try Self.fakeBinDir([:]), checkpoint: "/c", stateDir: try Self.tempDir())
        config.freePorts = true
        config.startTimeout = .milliseconds(600)
        config.gracePeriod = .zero
        let t = try LocalTopology(config: config)
        let error = await #expect(throws: LocalTopology.StartError.self) { try await t.start(progress: { _ in }) }
        #expect(error?.code == .unhealthy)
        #expect(error?.description.contains("encoder-0 did not become SERVING") == true)
        #expect(error?.description.contains("encoder-0.log") == true)
        let pid = t.pids[0].1
        #expect(pid > 0)
        #expect(t.child("encoder-0")?.poll() != nil)  // stopped and reaped
    }

    @Test func childProcessReportsExitCodesSignalsAndLogs() async throws {
        let dir = try Self.tempDir()
        let quick = ChildProcess(name: "quick", executable: "/bin/sh", arguments: ["-c", "echo hello; exit 7"], logPath: dir + "/q.log")
        try quick.start()
        #expect(await quick.wait(timeout: .seconds(10)) == 7)
        #expect(quick.logTail().contains("hello"))
        let slow = ChildProcess(name: "slow", executable: "/bin/sleep", arguments: ["30"], logPath: dir + "/s.log")
        try slow.start()
        #expect(slow.isRunning)
        #expect(await slow.stop(grace: .seconds(5)) == 128 + SIGTERM)
        let missing = ChildProcess(name: "missing", executable: dir + "/nope", arguments: [], logPath: dir + "/m.log")
        let spawn = #expect(throws: ChildProcess.SpawnError.self) { try missing.start() }
        #expect(spawn?.code == .spawnFailed)
        #expect(spawn?.cause as? SystemError == SystemError("posix_spawn", errno: ENOENT))
    }

    @Test func aLogFileThatCannotBeOpenedIsALogUnwritableSpawnErrorWithTheOpenErrno() throws {
        let dir = try Self.tempDir()
        let child = ChildProcess(name: "c", executable: "/bin/true", arguments: [], logPath: dir + "/no-such-dir/c.log")
        let error = #expect(throws: ChildProcess.SpawnError.self) { try child.start() }
        #expect(error?.code == .logUnwritable)
        #expect(error?.cause as? SystemError == SystemError("open", errno: ENOENT))
        #expect(child.pid == 0)
    }

    @Test func aMissingExecutableIsFoundWhenTheTopologyIsPlanned() throws {
        let bin = try Self.fakeBinDir([:])
        try FileManager.default.removeItem(atPath: bin + "/kgrec-ranker")
        let error = #expect(throws: LocalTopology.StartError.self) {
            try LocalTopology(config: TopologyConfig(binDir: bin, checkpoint: "/c", stateDir: try Self.tempDir()))
        }
        #expect(error?.code == .missingExecutable)
        #expect(error?.description.contains("kgrec-ranker not found") == true)
    }

    @Test func aServiceThatCannotBeSpawnedIsASpawnFailedStartErrorWrappingTheSpawnError() async throws {
        let bin = try Self.fakeBinDir([:])
        var config = TopologyConfig(binDir: bin, checkpoint: "/c", stateDir: try Self.tempDir())
        config.freePorts = true
        let t = try LocalTopology(config: config)
        // Executable when planned, gone when started: posix_spawn fails with ENOENT.
        try FileManager.default.removeItem(atPath: bin + "/kgrec-encoder")
        let error = await #expect(throws: LocalTopology.StartError.self) { try await t.start(progress: { _ in }) }
        #expect(error?.code == .spawnFailed)
        #expect((error?.cause as? ChildProcess.SpawnError)?.code == .spawnFailed)
        #expect(error?.description.contains("encoder-0: cannot start") == true)
    }

    @Test func restartingANameThatIsNoServiceIsAnUnknownServiceError() async throws {
        let t = try LocalTopology(config: TopologyConfig(binDir: try Self.fakeBinDir([:]), checkpoint: "/c", stateDir: try Self.tempDir()))
        let error = await #expect(throws: LocalTopology.StartError.self) { try await t.restart("nope") }
        #expect(error?.code == .unknownService)
    }
}

extension DeployTopologyTests {
    @Test func aPortAlreadyInUseFailsBeforeStartingTheService() async throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        listen(fd, 1)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        let taken = Int(UInt16(bigEndian: addr.sin_port))
        #expect(!FreePort.isFree(taken))
        var config = TopologyConfig(binDir: try Self.fakeBinDir([:]), checkpoint: "/c", stateDir: try Self.tempDir())
        config.encoderPort = taken
        config.adminPorts = false
        let t = try LocalTopology(config: config)
        let error = await #expect(throws: LocalTopology.StartError.self) { try await t.start(progress: { _ in }) }
        #expect(error?.code == .portInUse)
        #expect(error?.description.contains("encoder-0: port \(taken) on 127.0.0.1 is already in use") == true)
        #expect(t.pids.allSatisfy { $0.1 == 0 })
    }
}
