import Foundation
import GRPCCore
import GRPCHTTP2
@testable import KGRecModel
import KGRecWire
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The real `kgrec-graph` executable as a child process: started on a free port, its stderr (JSON
/// log lines) collected, stopped by a signal. Path: `KGREC_GRAPH_BIN`, else next to the test
/// bundle (`swift build --build-tests` builds every product into the same directory).
final class GraphProcess: @unchecked Sendable {
    let process = Process()
    private final class Buffer: Sendable { let text = Mutex<String>("") }
    private let output = Buffer()
    private let reader: Thread

    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["KGREC_GRAPH_BIN"], !path.isEmpty { return path }
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = (exe as NSString).deletingLastPathComponent
        while dir.hasSuffix(".xctest") || dir.contains(".xctest/") { dir = (dir as NSString).deletingLastPathComponent }
        return (dir as NSString).appendingPathComponent("kgrec-graph")
    }

    init(arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        let handle = pipe.fileHandleForReading
        let sink = output
        reader = Thread {
            while true {
                let data = handle.availableData
                if data.isEmpty { return }
                sink.text.withLock { $0 += String(decoding: data, as: UTF8.self) }
            }
        }
        try process.run()
        reader.start()
    }

    var log: String { output.text.withLock { $0 } }

    /// Waits (up to `seconds`) for a log line containing `text`; returns it.
    func waitForLine(containing text: String, seconds: Double = 120) async throws -> String {
        for _ in 0..<Int(seconds * 20) {
            if let line = log.split(separator: "\n").first(where: { $0.contains(text) }) { return String(line) }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw RPCError(.deadlineExceeded, "kgrec-graph never logged '\(text)'; its log:\n\(log)")
    }

    /// The gRPC port from the `listening` line.
    func port() async throws -> Int {
        let line = try await waitForLine(containing: "\"msg\":\"listening\"")
        guard let r = line.range(of: "\"port\":"), let port = Int(line[r.upperBound...].prefix { $0.isNumber }) else {
            throw RPCError(.internal, "no port in '\(line)'")
        }
        return port
    }

    /// Sends `signal` and waits for the process to exit; returns its status.
    @discardableResult
    func stop(_ signal: Int32) -> Int32 {
        if process.isRunning { kill(process.processIdentifier, signal) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() } }
}

@Suite(.serialized) struct GraphCrashRecoveryTests {
    /// Starts kgrec-graph on the fixture and waits until its health says SERVING.
    static func start(_ f: ServingFixture, log: String) async throws -> (GraphProcess, GRPCChannel) {
        let p = try GraphProcess(arguments: ["--checkpoint", f.checkpointPath, "--log", log, "--local-encoder",
                                             "--host", "127.0.0.1", "--port", "0", "--admin-port", "-1"])
        let channel = GRPCChannel(host: "127.0.0.1", port: try await p.port())
        for _ in 0..<2400 {
            let r = try? await channel.unary(Grpc_Health_V1_Health.Method.check,
                                             request: Grpc_Health_V1_HealthCheckRequest(service: Kgrec_V1_Graph.name),
                                             responseType: Grpc_Health_V1_HealthCheckResponse.self,
                                             options: CallOptions(timeout: .seconds(2))).message
            if r?.status == .serving { return (p, channel) }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw RPCError(.deadlineExceeded, "kgrec-graph never became SERVING; its log:\n\(p.log)")
    }

    static func add(_ channel: GRPCChannel, _ r: Kgrec_V1_AddInteractionsRequest) async throws -> UInt64 {
        try await channel.unary(Kgrec_V1_Graph.Method.addInteractions, request: r,
                                responseType: Kgrec_V1_AddInteractionsResponse.self,
                                options: CallOptions(timeout: .seconds(60))).message.version
    }

    @Test func everyAcknowledgedUpdateSurvivesSIGKILLRightAfterTheAck() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: GraphProcess.binary),
                     "kgrec-graph not built at \(GraphProcess.binary) (swift build --build-tests, or set KGREC_GRAPH_BIN)")
        let f = try ServingFixture()
        let d = f.dataset
        let log = (f.directory as NSString).appendingPathComponent("state/graph/crash.log")  // directories made at start
        let (first, channel) = try await Self.start(f, log: log)
        let cold = Kgrec_V1_AddInteractionsRequest(
            newItems: [Kgrec_V1_NewItem(itemId: "crash-item", raw: Kgrec_V1_ModalityVectors(
                visual: Kgrec_V1_Vector(values: (0..<12).map { Float($0) / 12 }), text: nil),
                links: [Kgrec_V1_KGLink(relation: d.relations[1], entityId: d.entities[d.itemCount])])],
            interactions: [Kgrec_V1_Interaction(userId: "crash-user-1", itemId: "crash-item")])
        #expect(try await Self.add(channel, cold) == 2)
        let second = Kgrec_V1_AddInteractionsRequest(interactions: [
            Kgrec_V1_Interaction(userId: "crash-user-2", itemId: d.items[4]),
            Kgrec_V1_Interaction(userId: d.users[1], itemId: "crash-item")])
        #expect(try await Self.add(channel, second) == 3)
        first.stop(SIGKILL)  // no drain, no flush: only what was fsynced before each ack remains
        channel.close()

        let (again, channel2) = try await Self.start(f, log: log)
        let r = try await channel2.unary(Kgrec_V1_Graph.Method.getEmbeddings,
                                         request: Kgrec_V1_GetEmbeddingsRequest(userIds: ["crash-user-1", "crash-user-2"],
                                                                                itemIds: ["crash-item"]),
                                         responseType: Kgrec_V1_GetEmbeddingsResponse.self).message
        #expect(r.version == 3 && r.unknownUserIds.isEmpty && r.unknownItemIds.isEmpty)
        var seen: [String: [String]] = [:]
        let export = channel2.serverStreaming(Kgrec_V1_Graph.Method.exportEmbeddings,
                                              request: Kgrec_V1_ExportEmbeddingsRequest(includeUsers: true),
                                              responseType: Kgrec_V1_EmbeddingBatch.self)
        for try await batch in export {
            for (u, s) in zip(batch.users, batch.seen) { seen[u.id] = s.itemIds }
        }
        #expect(seen["crash-user-1"] == ["crash-item"] && seen["crash-user-2"] == [d.items[4]])
        #expect(seen[d.users[1]]?.contains("crash-item") == true)
        #expect(again.log.contains("\"replayed_records\":2"))
        channel2.close()
        #expect(again.stop(SIGTERM) == 0)  // graceful drain exits 0
    }
}
