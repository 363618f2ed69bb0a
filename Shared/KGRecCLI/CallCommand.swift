import Foundation
import GRPCCore
import GRPCHTTP2
import Synchronization

/// `kgrec call`: a grpcurl-like client. The schema comes from the server by gRPC server reflection
/// when it offers it, else from the descriptors built in from `Protos/` (kgrec.v1, grpc.health.v1,
/// grpc.testing, grpc.reflection). JSON (or `--field name=value`) in, one JSON line per reply out;
/// a non-OK status prints `ERROR: CODE: message` on stderr and exits 1.
struct CallCommand: CLICommand {
    let name = "call"
    let summary = "call a service method with JSON input (grpcurl-like); --list shows the methods"

    /// Deadline of a call when `--timeout` is not given.
    static let defaultTimeout: Duration = .seconds(30)

    static let flags: [CommandFlags.Flag] = [
        .init("data", short: "d", "JSON|@FILE|@-", "request(s): JSON text, a file, or stdin; streaming methods take several values (one per line)"),
        .init("field", short: "f", "NAME=VALUE", "set a top-level request field (VALUE is JSON, or else a string); repeat for lists", repeatable: true),
        .init("header", short: "H", "'KEY: VALUE'", "request metadata", repeatable: true),
        .init("token", "TOKEN", "send authorization: Bearer TOKEN (or env KGREC_TOKEN)"),
        .init("timeout", "DURATION", "deadline of the call, e.g. 5s, 500ms (0 = none)", default: Self.defaultTimeout),
        .init("pretty", nil, "indent the JSON output"),
        .init("list", nil, "list the services and methods (the server's by reflection with HOST:PORT, else the built-in ones)"),
        .init("require-serving", nil, "with grpc.health.v1.Health/Check: exit 1 unless the status is SERVING (for probes)"),
    ]

    func run(_ args: [String]) -> Int32 {
        runCommand(name) {
            let f = try CommandFlags(args, flags: Self.flags)
            if f.helpRequested {
                print(CommandFlags.usage(synopsis: "kgrec call [flags] HOST:PORT SERVICE/METHOD [JSON]", summary, Self.flags))
                print("examples:\n  kgrec call 127.0.0.1:50063 kgrec.v1.Ranker/Recommend '{\"user_id\":\"u1\",\"k\":5}'\n"
                      + "  kgrec call 127.0.0.1:50063 grpc.health.v1.Health/Check --require-serving\n"
                      + "  kgrec call 127.0.0.1:50063 kgrec.v1.Ranker/ScoreStream < requests.jsonl")
                return 0
            }
            if f.has("list"), f.positional.isEmpty { print(Self.listing(ProtoSchema.builtIn)); return 0 }
            guard f.has("list") ? f.positional.count == 1 : (2...3).contains(f.positional.count) else {
                throw CommandFlags.UsageError(f.has("list") ? "expected [HOST:PORT] with --list" : "expected HOST:PORT SERVICE/METHOD [JSON]")
            }
            let target = f.positional[0]
            if f.positional.count == 3, f.has("data") { throw CommandFlags.UsageError("give the request either as an argument or with -d, not both") }
            let channel: GRPCChannel
            do { channel = try GRPCChannel(target: target) } catch { throw CommandFlags.UsageError("target: \(error)") }
            let options = try Self.callOptions(f)
            // The server's own schema when it offers reflection, else the one built from Protos/.
            let symbol = f.positional.count > 1 ? Self.symbol(of: f.positional[1]) : nil
            let reflected = blockingAsync {
                await ReflectionClient(channel: channel, options: options).schema(symbols: symbol.map { [$0] })
            }
            if f.has("list") {
                defer { channel.close() }
                if reflected == nil { OpsOutput.error("kgrec call: \(target) offers no server reflection; these are the built-in services") }
                print(Self.listing(reflected ?? ProtoSchema.builtIn))
                return 0
            }
            let schema = reflected.flatMap { $0.method(f.positional[1]) != nil ? $0 : nil } ?? ProtoSchema.builtIn
            guard let method = schema.method(f.positional[1]) else {
                channel.close()
                throw CommandFlags.UsageError("unknown method '\(f.positional[1])' (kgrec call --list shows them)")
            }
            let requests = try Self.requests(f, method: method, schema: schema)
            let pretty = f.has("pretty"), requireServing = f.has("require-serving")
            if requireServing, method.path != "/grpc.health.v1.Health/Check" {
                throw CommandFlags.UsageError("--require-serving works with grpc.health.v1.Health/Check only")
            }
            let runner = CallRunner(codec: ProtoJSONCodec(schema: schema), channel: channel, method: method, options: options)
            return blockingAsync {
                defer { channel.close() }
                final class Last: @unchecked Sendable { var value: JSONValue? }
                let last = Last()
                do {
                    try await runner.run(requests: requests) { json in
                        last.value = json
                        OpsOutput.line(json.render(pretty: pretty))
                    }
                } catch let e as RPCError {
                    OpsOutput.error("ERROR: \(e.code): \(e.message)")
                    return 1
                } catch {
                    OpsOutput.error("ERROR: \(error)")
                    return 1
                }
                if Self.badStdin.withLock({ $0 }) { return 1 }
                if requireServing, last.value?["status"]?.stringValue != "SERVING" {
                    OpsOutput.error("ERROR: not serving")
                    return 1
                }
                return 0
            }
        }
    }

    /// The reflection symbol of a method spec (`pkg.Service/Method`, `/pkg.Service/Method` or
    /// `pkg.Service.Method`): `pkg.Service.Method`.
    static func symbol(of spec: String) -> String {
        String(spec.drop(while: { $0 == "/" })).replacingOccurrences(of: "/", with: ".")
    }

    static func listing(_ schema: ProtoSchema) -> String {
        var lines: [String] = []
        for s in schema.services {
            lines.append(s)
            for m in schema.methods where m.service == s {
                let shape = m.shape == .unary ? "" : " (\(m.shape.rawValue))"
                lines.append("  \(s)/\(m.name)\(shape): \(m.input) -> \(m.output)")
            }
        }
        return lines.joined(separator: "\n")
    }

    static func callOptions(_ f: CommandFlags) throws -> CallOptions {
        var md = Metadata()
        for h in f.strings("header") {
            guard let colon = h.firstIndex(of: ":") else { throw CommandFlags.UsageError("-H '\(h)': expected 'key: value'") }
            let key = h[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = h[h.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty else { throw CommandFlags.UsageError("-H '\(h)': empty key") }
            if key.hasSuffix("-bin") {
                guard let b = Base64.decode(value) else { throw CommandFlags.UsageError("-H '\(h)': a -bin value must be base64") }
                md.add(key, binary: b)
            } else {
                md.add(key, value)
            }
        }
        if let token = f.string("token") ?? ProcessInfo.processInfo.environment["KGREC_TOKEN"], !token.isEmpty {
            md.add("authorization", "Bearer \(token)")
        }
        let timeout = f.duration("timeout") ?? Self.defaultTimeout
        return CallOptions(timeout: timeout == .zero ? nil : timeout, metadata: md)
    }

    /// The requests as a stream: `-d`/argument values at once, else stdin lines for streaming
    /// requests (as they arrive), else one request from `--field`s (or `{}`).
    static func requests(_ f: CommandFlags, method: ProtoSchema.Method, schema: ProtoSchema) throws -> AsyncStream<JSONValue> {
        var text: String? = f.positional.count == 3 ? f.positional[2] : nil
        if let d = f.string("data") {
            if d == "@-" {
                text = nil
                if !method.clientStreams { text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) }
            } else if d.hasPrefix("@") {
                let path = String(d.dropFirst())
                guard let data = FileManager.default.contents(atPath: path) else { throw CommandFlags.UsageError("-d @\(path): cannot read the file") }
                text = String(decoding: data, as: UTF8.self)
            } else {
                text = d
            }
        }
        let fields = try f.strings("field").map { try Self.field($0) }
        if text == nil, method.clientStreams, fields.isEmpty { return stdinLines() }
        var values: [JSONValue]
        do { values = try JSONParser.parseSequence(text ?? "") } catch {
            throw CommandFlags.UsageError("request JSON: \(error)")
        }
        if !fields.isEmpty {
            var base: [(String, JSONValue)] = []
            if values.count == 1, case .object(let o) = values[0] { base = o } else if !values.isEmpty {
                throw CommandFlags.UsageError("--field combines with a single JSON object only")
            }
            let input = schema.messages[method.input]
            for (k, v) in fields {
                if input?.field(named: k)?.repeated == true, v.arrayValue == nil {
                    // A repeated field: every --field adds one element.
                    if let i = base.firstIndex(where: { $0.0 == k }), case .array(let a) = base[i].1 { base[i].1 = .array(a + [v]) } else { base.append((k, .array([v]))) }
                } else if let i = base.firstIndex(where: { $0.0 == k }) {
                    if case .array(let a) = base[i].1 { base[i].1 = .array(a + [v]) } else { base[i].1 = .array([base[i].1, v]) }
                } else {
                    base.append((k, v))
                }
            }
            values = [.object(base)]
        }
        let stream = AsyncStream<JSONValue>.makeStream()
        for v in values { stream.continuation.yield(v) }
        stream.continuation.finish()
        return stream.stream
    }

    static func field(_ s: String) throws -> (String, JSONValue) {
        guard let eq = s.firstIndex(of: "=") else { throw CommandFlags.UsageError("--field '\(s)': expected NAME=VALUE") }
        let value = String(s[s.index(after: eq)...])
        return (String(s[..<eq]), (try? JSONParser.parse(value)) ?? .string(value))
    }

    /// Set when a stdin line was not JSON (the call then exits 1 after what was sent finished).
    static let badStdin = Mutex(false)

    /// One JSON value per stdin line, read on a thread so the call streams while input arrives.
    /// A line that is not JSON ends the stream with an error message.
    static func stdinLines() -> AsyncStream<JSONValue> {
        let (stream, cont) = AsyncStream<JSONValue>.makeStream()
        badStdin.withLock { $0 = false }
        Thread.detachNewThread {
            var n = 0
            while let line = readLine(strippingNewline: true) {
                n += 1
                if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
                do { cont.yield(try JSONParser.parse(line)) } catch {
                    OpsOutput.error("kgrec call: stdin line \(n): \(error)")
                    badStdin.withLock { $0 = true }
                    break
                }
            }
            cont.finish()
        }
        return stream
    }
}
