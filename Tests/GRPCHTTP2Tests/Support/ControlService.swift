import GRPCCore
import GRPCHTTP2
import Synchronization

/// A control service whose requests say what to send back, over raw bytes. Also records what
/// its handlers observed (cancellation) for the tests to await.
final class ControlService: RPCService, Sendable {
    static func m(_ name: String) -> MethodDescriptor { MethodDescriptor(service: "test.Control", method: name) }

    /// Counts handlers that saw cancellation; tests wait on it with `waitForCancellations`.
    let cancellations = Atomic<Int>(0)
    let started = Atomic<Int>(0)

    func register(in router: inout RPCRouter) {
        // Echo, inline.
        router.unaryInline(Self.m("Echo")) { (r: RawMessage, _) in r }
        // Echo as a task.
        router.unary(Self.m("AsyncEcho")) { (r: RawMessage, _) in r }
        // Fails with status code = first byte, message from the rest, plus a trailer.
        router.unaryInline(Self.m("Fail")) { (r: RawMessage, ctx) -> RawMessage in
            var t = Metadata()
            t.add("x-detail", "why")
            t.add("x-detail-bin", binary: [0, 1, 2])
            throw RPCError(StatusCode(rawValue: r.bytes.first ?? 2),
                           String(decoding: r.bytes.dropFirst(), as: UTF8.self), metadata: t)
        }
        // Echoes request metadata x-echo into initial and x-echo-bin into trailing metadata.
        router.unaryInline(Self.m("Metadata")) { (r: RawMessage, ctx) in
            if let v = ctx.requestMetadata["x-echo"] { ctx.initialMetadata.add("x-echo", v) }
            if let b = ctx.requestMetadata.binary("x-echo-bin") { ctx.trailingMetadata.add("x-echo-bin", binary: b) }
            return r
        }
        // Waits until cancelled (or 30 s), then counts the cancellation.
        router.unary(Self.m("Hang")) { [self] (r: RawMessage, ctx) -> RawMessage in
            started.add(1, ordering: .relaxed)
            do {
                try await Task.sleep(for: .seconds(30))
            } catch {
                cancellations.add(1, ordering: .relaxed)
                throw error
            }
            return r
        }
        // Sleeps for first-byte × 10 ms, then echoes (for graceful shutdown).
        router.unary(Self.m("Sleep")) { [self] (r: RawMessage, _) -> RawMessage in
            started.add(1, ordering: .relaxed)
            try await Task.sleep(for: .milliseconds(10 * Int(r.bytes.first ?? 0)))
            return r
        }
        // Responds with a payload of UInt32 big-endian size from the request.
        router.unary(Self.m("Big")) { (r: RawMessage, _) -> RawMessage in
            let n = r.bytes.prefix(4).reduce(0) { $0 << 8 | Int($1) }
            return RawMessage([UInt8](repeating: 7, count: n))
        }
        // Inline twin of Big: a payload of UInt32 big-endian size, built on the event loop.
        router.unaryInline(Self.m("BigInline")) { (r: RawMessage, _) -> RawMessage in
            let n = r.bytes.prefix(4).reduce(0) { $0 << 8 | Int($1) }
            return RawMessage([UInt8](repeating: 7, count: n))
        }
        // OK with a trailing metadata value of UInt32 big-endian size (a header block too big to send).
        router.unaryInline(Self.m("BigTrailer")) { (r: RawMessage, ctx) -> RawMessage in
            let n = r.bytes.prefix(4).reduce(0) { $0 << 8 | Int($1) }
            ctx.trailingMetadata.add("x-big", String(repeating: "t", count: n))
            return RawMessage([1])
        }
        // Server streaming: first byte n → n messages [0], [1], ... each `size` (byte 2-4) long.
        router.serverStreaming(Self.m("Count")) { (r: RawMessage, out: RPCWriter<RawMessage>, _) in
            let n = Int(r.bytes.first ?? 0)
            let size = r.bytes.count >= 4 ? r.bytes[1...3].reduce(0) { $0 << 8 | Int($1) } : 1
            for i in 0..<n { try await out.write(RawMessage([UInt8](repeating: UInt8(i & 255), count: max(1, size)))) }
        }
        // Client streaming: sum of all bytes of all messages, as 4 bytes.
        router.clientStreaming(Self.m("Sum")) { (reqs: RPCReader<RawMessage>, _) -> RawMessage in
            var sum: UInt32 = 0
            for try await m in reqs { for b in m.bytes { sum &+= UInt32(b) } }
            return RawMessage([UInt8(sum >> 24 & 255), UInt8(sum >> 16 & 255), UInt8(sum >> 8 & 255), UInt8(sum & 255)])
        }
        // Bidi echo; counts cancellation.
        router.bidiStreaming(Self.m("Bidi")) { [self] (reqs: RPCReader<RawMessage>, out: RPCWriter<RawMessage>, ctx) in
            started.add(1, ordering: .relaxed)
            do {
                for try await m in reqs { try await out.write(m) }
            } catch {
                if ctx.isCancelled { cancellations.add(1, ordering: .relaxed) }
                throw error
            }
        }
        // Bidi that never reads: used for inbound back-pressure.
        router.bidiStreaming(Self.m("Stall")) { [self] (_: RPCReader<RawMessage>, _: RPCWriter<RawMessage>, ctx) in
            started.add(1, ordering: .relaxed)
            do { try await Task.sleep(for: .seconds(30)) } catch {
                cancellations.add(1, ordering: .relaxed)
            }
        }
    }

    /// Polls (yielding, no wall-clock assertion) until `counter` reaches `n` or ~10 s pass.
    static func waitFor(_ counter: borrowing Atomic<Int>, atLeast n: Int) async -> Bool {
        for _ in 0..<2000 {
            if counter.load(ordering: .relaxed) >= n { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return counter.load(ordering: .relaxed) >= n
    }
}

/// One raw request of each call shape (inline and task unary, server and client streaming) on
/// the control service, with the DATA each must be answered with (then status OK).
func requestEveryCallShape(on c: RawH2Client) -> [(stream: Int32, answer: [UInt8])] {
    [(c.request(path: "/test.Control/Echo", body: MessageFramer.framed([4, 2])), MessageFramer.framed([4, 2])),
     (c.request(path: "/test.Control/AsyncEcho", body: MessageFramer.framed([4, 2])), MessageFramer.framed([4, 2])),
     (c.request(path: "/test.Control/Count", body: MessageFramer.framed([3, 0, 0, 2])),
      MessageFramer.framed([0, 0]) + MessageFramer.framed([1, 1]) + MessageFramer.framed([2, 2])),
     (c.request(path: "/test.Control/Sum", body: MessageFramer.framed([1, 2]) + MessageFramer.framed([3])),
      MessageFramer.framed([0, 0, 0, 6]))]
}

/// `n` as the 4 big-endian bytes the sized methods (Big, BigInline, BigTrailer) read from a request.
func bigEndian(_ n: Int) -> [UInt8] { [UInt8(n >> 24 & 255), UInt8(n >> 16 & 255), UInt8(n >> 8 & 255), UInt8(n & 255)] }

/// One event loop on a free loopback port.
func loopbackConfig() -> ServerConfig {
    var config = ServerConfig()
    config.host = "127.0.0.1"
    config.port = 0
    config.eventLoops = 1
    return config
}

/// Starts a server with the control service on a free loopback port.
func startServer(_ configure: (inout ServerConfig) -> Void = { _ in }) throws -> (GRPCServer, ControlService) {
    var config = loopbackConfig()
    configure(&config)
    let service = ControlService()
    let server = GRPCServer(services: [service], config: config)
    try server.start()
    return (server, service)
}
