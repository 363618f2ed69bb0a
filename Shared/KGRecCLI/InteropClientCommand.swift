import GRPCCore
import GRPCHTTP2
import GRPCInterop

/// `kgrec interop-client`: runs gRPC interop client cases against any grpc.testing server and
/// prints `NAME: PASS` or `NAME: FAIL: reason` per case; exit 1 if any fails, 2 on bad usage.
struct InteropClientCommand: CLICommand {
    let name = "interop-client"
    let summary = "run gRPC interop client cases against a grpc.testing server"

    /// The `--case` that runs every case (the default).
    static let everyCase = "all"

    static let flags: [CommandFlags.Flag] = [
        .init("server", "HOST:PORT of the server (required)"),
        .init("case", "a case name or 'all': " + InteropCase.allCases.map(\.rawValue).joined(separator: ", "), default: Self.everyCase),
        .init("timeout", "how long each call may take (10s, 500ms, or plain seconds)", default: InteropClient.defaultCallTimeout),
    ]

    func run(_ args: [String]) -> Int32 {
        InteropFlags.run(name, summary, Self.flags, args) { f in
            guard let server = f.string("server") else { throw UsageError(.missingRequired, "--server HOST:PORT is required") }
            let caseName = f.string("case") ?? Self.everyCase
            let cases: [InteropCase]
            if caseName == Self.everyCase {
                cases = InteropCase.allCases
            } else if let c = InteropCase(rawValue: caseName) {
                cases = [c]
            } else {
                throw UsageError(.invalidValue, "--case: unknown case '\(caseName)'; known: all, "
                                              + InteropCase.allCases.map(\.rawValue).joined(separator: ", "))
            }
            let channel: GRPCChannel
            do {
                channel = try GRPCChannel(target: server)
            } catch {
                throw UsageError(.invalidValue, "--server: \(error)", cause: error)
            }
            var client = InteropClient(channel: channel)
            if let t = f.duration("timeout") { client.callTimeout = t }
            let runner = client
            return InteropFlags.runBlocking {
                var failed = false
                for c in cases {
                    if let failure = await runner.run(c) {
                        failed = true
                        InteropFlags.printLine("\(c.rawValue): FAIL: \(failure.reason)")
                    } else {
                        InteropFlags.printLine("\(c.rawValue): PASS")
                    }
                }
                runner.channel.close()
                return failed ? 1 : 0
            }
        }
    }
}
