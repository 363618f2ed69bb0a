import Dispatch
import Foundation
import GRPCCore
import GRPCHTTP2
import GRPCInterop
import KGRecWire

/// `kgrec interop-server`: grpc.testing.TestService + grpc.health.v1.Health (+ server reflection
/// unless `--reflection false`) on our runtime, for
/// the gRPC interop cases and benchmarks. Prints `listening on HOST:PORT` once bound; SIGTERM or
/// SIGINT marks health NOT_SERVING and drains gracefully (`--grace` seconds for in-flight calls).
struct InteropServerCommand: CLICommand {
    let name = "interop-server"
    let summary = "serve grpc.testing.TestService + health (gRPC interop server)"

    static let flags: [(String, String)] = [
        ("host", "address to bind (default 0.0.0.0)"),
        ("port", "port to bind; 0 picks a free one (default 8080)"),
        ("event-loops", "event loop threads (default: one per core)"),
        ("grace", "seconds in-flight calls get after SIGTERM (default 5)"),
        ("reflection", "serve gRPC server reflection: true or false (default true)"),
    ]

    func run(_ args: [String]) -> Int32 {
        InteropFlags.run(name, summary, Self.flags, args) { f in
            var config = ServerConfig()
            config.host = f.string("host") ?? "0.0.0.0"
            config.port = try f.int("port", in: 0...65535) ?? 8080
            if let n = try f.int("event-loops", in: 1...1024) { config.eventLoops = n }
            let grace = try f.double("grace") ?? 5
            let health = HealthStatusRegistry()
            health.set(Grpc_Testing_TestService.name, .serving)
            var router = RPCRouter(services: [TestService(), HealthService(registry: health)])
            if try f.bool("reflection") ?? true { router.registerReflection() }
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

/// Flag parsing and process plumbing shared by the interop commands: `--name value` or
/// `--name=value`, `--help`; errors name the flag and exit 2.
struct InteropFlags {
    struct UsageError: Error { let message: String }

    private var values: [String: String] = [:]

    init(_ args: [String], known: [String]) throws {
        var i = 0
        while i < args.count {
            let arg = args[i]
            guard arg.hasPrefix("--") else { throw UsageError(message: "unexpected argument '\(arg)'") }
            var name = String(arg.dropFirst(2)), value: String?
            if let eq = name.firstIndex(of: "=") {
                value = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            guard known.contains(name) else { throw UsageError(message: "unknown flag --\(name)") }
            if value == nil {
                i += 1
                guard i < args.count else { throw UsageError(message: "--\(name) needs a value") }
                value = args[i]
            }
            values[name] = value
            i += 1
        }
    }

    func string(_ name: String) -> String? { values[name] }

    func int(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let s = values[name] else { return nil }
        guard let v = Int(s), range.contains(v) else {
            throw UsageError(message: "--\(name): expected an integer in \(range.lowerBound)...\(range.upperBound), got '\(s)'")
        }
        return v
    }

    func bool(_ name: String) throws -> Bool? {
        guard let s = values[name] else { return nil }
        switch s {
        case "true": return true
        case "false": return false
        default: throw UsageError(message: "--\(name): expected true or false, got '\(s)'")
        }
    }

    func double(_ name: String) throws -> Double? {
        guard let s = values[name] else { return nil }
        guard let v = Double(s), v >= 0 else { throw UsageError(message: "--\(name): expected a non-negative number, got '\(s)'") }
        return v
    }

    /// Parses `args` and runs `body`; usage errors exit 2, other errors 1.
    static func run(_ command: String, _ summary: String, _ flags: [(String, String)], _ args: [String],
                    _ body: (InteropFlags) throws -> Int32) -> Int32 {
        if args.contains("--help") || args.contains("-h") {
            var s = "usage: kgrec \(command) [flags]\n\(summary)\n\nflags:\n"
            for (n, h) in flags { s += "  --" + n.padding(toLength: 16, withPad: " ", startingAt: 0) + h + "\n" }
            printLine(s)
            return 0
        }
        do {
            return try body(InteropFlags(args, known: flags.map(\.0)))
        } catch let e as UsageError {
            FileHandleOutput.stderr("kgrec \(command): \(e.message)\n(kgrec \(command) --help lists the flags)\n")
            return 2
        } catch {
            FileHandleOutput.stderr("kgrec \(command): \(error)\n")
            return 1
        }
    }

    /// Writes one line to stdout unbuffered (so a parent process reading a pipe sees it at once).
    static func printLine(_ line: String) {
        var s = line + "\n"
        s.withUTF8 { buf in
            var off = 0
            while off < buf.count {
                let n = write(1, buf.baseAddress! + off, buf.count - off)
                if n <= 0 { break }
                off += n
            }
        }
    }

    /// Runs async work from a synchronous command and returns its exit code.
    static func runBlocking(_ body: @escaping @Sendable () async -> Int32) -> Int32 {
        let done = DispatchSemaphore(value: 0)
        let result = Box()
        Task {
            result.value = await body()
            done.signal()
        }
        done.wait()
        return result.value
    }

    private final class Box: @unchecked Sendable { var value: Int32 = 0 }
}
