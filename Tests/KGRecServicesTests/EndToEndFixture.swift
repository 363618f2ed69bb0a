import Foundation
import KGRecModel
import KGRecTensor
import Testing
@testable import KGRecCLI

/// A tiny trained checkpoint shared by the end-to-end tests (made once per test process with the
/// real `kgrec synth` + `kgrec train`), the release executables beside the test bundle, and the
/// offline model's scoring tables for the same checkpoint.
struct EndToEndFixture: Sendable {
    let dir: String
    let binDir: String
    let checkpoint: String
    let dataset: Dataset
    let offline: InferenceEmbeddings

    static let shared = Task { try make() }
    /// The same tiny run trained with `--aggregator gat-jk` (GAT with jumping knowledge).
    static let gatJK = Task { try make(prefix: "kgrec-e2e-gat-", train: ["--aggregator", "gat-jk"]) }

    /// The directory of the running test executable (where SwiftPM also puts the executables).
    static var buildDirectory: String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var url = URL(fileURLWithPath: exe).deletingLastPathComponent()
        // xctest bundles on Linux are plain executables, but tolerate a bundle directory too.
        while url.path.hasSuffix(".xctest") || url.lastPathComponent == "MacOS" { url.deleteLastPathComponent() }
        return url.path
    }

    static func make(prefix: String = "kgrec-e2e-", train extra: [String] = []) throws -> EndToEndFixture {
        let bin = ProcessInfo.processInfo.environment["KGREC_BIN_DIR"] ?? buildDirectory
        for exe in ["kgrec", "kgrec-encoder", "kgrec-graph", "kgrec-ranker"] where !FileManager.default.isExecutableFile(atPath: bin + "/" + exe) {
            throw FixtureError("\(bin)/\(exe) is missing: build the executables first (make build, or swift build --build-tests)")
        }
        let dir = try freshDirectory(prefix)
        // KGREC_E2E_CHECKPOINT reuses a checkpoint (for iterating on these tests by hand).
        if extra.isEmpty, let reuse = ProcessInfo.processInfo.environment["KGREC_E2E_CHECKPOINT"] {
            let (_, dataset, model) = try EvalCommand.load(reuse, dataOverride: nil)
            return EndToEndFixture(dir: dir, binDir: bin, checkpoint: reuse, dataset: dataset, offline: model.inferenceEmbeddings())
        }
        try run(bin + "/kgrec", ["synth", "--preset", "tiny", "--out", dir + "/data"], log: dir + "/synth.log")
        try run(bin + "/kgrec", ["train", "--data", dir + "/data", "--out", dir + "/run", "--epochs", "3", "--dim", "16",
                                 "--layers", "16,8", "--heads", "2", "--fusion-blocks", "1", "--batch-size", "256",
                                 "--kg-batch-size", "256", "--eval-every", "3", "--quiet"] + extra, log: dir + "/train.log")
        let checkpoint = dir + "/run/checkpoint.safetensors"
        let (_, dataset, model) = try EvalCommand.load(checkpoint, dataOverride: nil)
        return EndToEndFixture(dir: dir, binDir: bin, checkpoint: checkpoint, dataset: dataset, offline: model.inferenceEmbeddings())
    }

    /// An empty `PREFIX<pid>` in the temporary directory; first removes those of earlier test
    /// processes that are gone (no suite teardown hook to do it).
    static func freshDirectory(_ prefix: String) throws -> String {
        let tmp = FileManager.default.temporaryDirectory
        for old in (try? FileManager.default.contentsOfDirectory(atPath: tmp.path)) ?? [] where old.hasPrefix(prefix) {
            if let pid = Int32(old.dropFirst(prefix.count)), pid != getpid(), kill(pid, 0) != 0 {
                try? FileManager.default.removeItem(atPath: tmp.appendingPathComponent(old).path)
            }
        }
        let dir = tmp.appendingPathComponent("\(prefix)\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func run(_ exe: String, _ args: [String], log: String) throws {
        let p = ChildProcess(name: URL(fileURLWithPath: exe).lastPathComponent + " " + args[0], executable: exe, arguments: args, logPath: log)
        try p.start()
        var status: Int32?
        while status == nil { status = p.poll(); if status == nil { usleep(20_000) } }
        guard status == 0 else { throw FixtureError("\(exe) \(args.joined(separator: " ")) exited \(status!):\n\(p.logTail(lines: 20))") }
    }

    /// The offline score ŷ(u, i) = e_u · e_i and its visual part (the first channel block).
    func offlineScore(user u: Int, item i: Int) -> (total: Float, visual: Float) {
        let d = offline.users.cols, vw = offline.visualWidth
        var total: Float = 0, visual: Float = 0
        for c in 0..<d {
            let p = offline.users[u, c] * offline.items[i, c]
            total += p
            if c < vw { visual += p }
        }
        return (total, visual)
    }

    /// Starts a fresh topology in its own state dir, runs `body`, and always stops it.
    func withTopology(_ name: String, configure: (inout TopologyConfig) -> Void = { _ in },
                      _ body: (LocalTopology) async throws -> Void) async throws {
        var config = TopologyConfig(binDir: binDir, checkpoint: checkpoint, stateDir: dir + "/" + name)
        config.freePorts = true
        config.adminPorts = false
        config.gracePeriod = .seconds(2)
        config.startTimeout = .seconds(90)
        config.logLevel = "warn"
        configure(&config)
        let topology = try LocalTopology(config: config)
        try await topology.start(progress: { _ in })
        let result: Result<Void, Error>
        do { try await body(topology); result = .success(()) } catch { result = .failure(error) }
        await topology.stop()
        try result.get()
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
