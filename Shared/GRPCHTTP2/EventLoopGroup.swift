import GRPCCore

/// A fixed set of event loops (threads). Servers give each loop its own listener; clients pick
/// loops round-robin for their connections.
final class EventLoopGroup: @unchecked Sendable {
    let loops: [EventLoop]
    private var next = 0

    init(count: Int, name: String) throws {
        var ls: [EventLoop] = []
        for i in 0..<max(1, count) { ls.append(try EventLoop(name: "\(name)-\(i)")) }
        loops = ls
        for l in loops { l.start() }
    }

    func stop() {
        for l in loops { l.stopAndJoin() }
    }

    /// A shared group (one loop per core) for clients, started on first use and kept for the process.
    static let sharedClient: EventLoopGroup = {
        // swiftlint:disable:next force_try
        try! EventLoopGroup(count: ServerConfig.coreCount, name: "grpc-client")
    }()

    func pick(_ index: Int) -> EventLoop { loops[index % loops.count] }
}
