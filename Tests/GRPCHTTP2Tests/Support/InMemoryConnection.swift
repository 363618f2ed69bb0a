import GRPCCore
@testable import GRPCHTTP2

/// A server connection with the control service and a client, joined in memory: no socket and
/// no event-loop thread. The client is a `RawH2Client` (`init(settings:…)`, frame-level tests) or
/// the production `ClientConnection` (`init(clientConfig:…)`, calls through `ClientCall`), both on
/// the same loop. Each round feeds the client's output to the server connection (`chunk` bytes
/// per `receive`), runs the loop once on the calling task (queued closures, due timers, flushes),
/// and feeds what the server sent to the client, in chunks too. Task handlers run on Swift's pool
/// and post to the loop as in production; a round in which nothing moved sleeps 1 ms so they can.
final class InMemoryConnection {
    let service = ControlService()
    let loop: EventLoop
    let server: ServerConnection
    /// Bytes per `receive` call in each direction; nil: all that is pending at once.
    var chunk: Int?
    private let peer: any InMemoryPeer
    private let owner: ServerLoopState
    private let sink = MemoryByteSink()

    /// The raw client of a harness made with `init(settings:openWindows:)`.
    var client: RawH2Client { peer as! RawH2Client }
    /// The production client of a harness made with `init(clientConfig:)`.
    var connection: ClientConnection { (peer as! ProductionClient).connection }

    convenience init(settings: [RawH2Client.Setting: UInt32] = [:], openWindows: Bool = false,
                     _ configure: (inout ServerConfig) -> Void = { _ in }) throws {
        try self.init(configure) { _ in RawH2Client(inMemory: settings, openWindows: openWindows) }
    }

    convenience init(clientConfig: ClientConfig, _ configure: (inout ServerConfig) -> Void = { _ in }) throws {
        try self.init(configure) { loop in ProductionClient(config: clientConfig, loop: loop) }
    }

    private init(_ configure: (inout ServerConfig) -> Void, peer makePeer: (EventLoop) -> any InMemoryPeer) throws {
        var config = ServerConfig()
        configure(&config)
        let shared = ServerShared(router: RPCRouter(services: [service]), config: config)
        loop = try EventLoop(name: "in-memory")
        owner = try ServerLoopState(loop: loop, shared: shared, listenFD: -1)
        shared.connectionCount.add(1, ordering: .relaxed)
        server = ServerConnection(io: .memory(sink), loop: loop, shared: shared, owner: owner, peer: "in-memory")
        guard server.start() else { throw NoServerSession() }
        peer = makePeer(loop)
    }

    /// A call on the production client (start it, send, then `run` until it is over).
    func call(_ method: MethodDescriptor, options: CallOptions = CallOptions()) -> ClientCall {
        ClientCall(method: method, options: options, config: connection.config, connection: connection)
    }

    deinit {
        (peer as? ProductionClient)?.connection.shutdown()
        server.closeNow()
    }

    /// One round; true when bytes moved or the loop had work.
    @discardableResult
    func exchange() -> Bool {
        let toServer = peer.output()
        forEachChunk(of: toServer) { bytes in
            server.receive(bytes)
            loop.runOnce()
        }
        let busy = loop.runOnce()
        let toClient = sink.take()
        forEachChunk(of: toClient) { peer.receive($0) }
        return busy || !toServer.isEmpty || !toClient.isEmpty
    }

    /// Rounds until `done` holds (or 5,000 rounds pass); the final value of `done`.
    @discardableResult
    func run(until done: () -> Bool) async -> Bool {
        for _ in 0..<5000 where !done() {
            if !exchange() { try? await Task.sleep(for: .milliseconds(1)) }
        }
        return done()
    }

    /// Rounds until `stream` closes on the client (or the server connection does).
    func runUntilClosed(stream id: Int32) async throws -> RawH2Client.StreamResult {
        await run { client.streams[id]?.closed == true || server.isClosed }
        guard let r = client.streams[id] else { throw NoSuchStream(id: id) }
        return r
    }

    private func forEachChunk(of bytes: [UInt8], _ body: (UnsafeRawBufferPointer) -> Void) {
        bytes.withUnsafeBytes { all in
            let step = max(1, chunk ?? all.count)
            var i = 0
            while i < all.count {
                body(UnsafeRawBufferPointer(rebasing: all[i..<min(all.count, i + step)]))
                i += step
            }
        }
    }
}

/// The client end of an in-memory connection: what it wants to send, and what it is given.
protocol InMemoryPeer: AnyObject {
    func output() -> [UInt8]
    func receive(_ bytes: UnsafeRawBufferPointer)
}

extension RawH2Client: InMemoryPeer {}

/// The production `ClientConnection` with its bytes in a memory sink.
final class ProductionClient: InMemoryPeer {
    let connection: ClientConnection
    private let sink = MemoryByteSink()

    init(config: ClientConfig, loop: EventLoop) {
        connection = ClientConnection(host: "in-memory", port: 0, config: config, loop: loop, memory: sink)
    }

    func output() -> [UInt8] { sink.take() }
    func receive(_ bytes: UnsafeRawBufferPointer) { connection.receive(bytes) }
}

/// nghttp2 could not create the server session (out of memory).
struct NoServerSession: Error {}
