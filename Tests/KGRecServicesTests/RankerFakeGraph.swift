import GRPCCore
import GRPCHTTP2
import KGRecWire
import Synchronization

/// An in-process `kgrec.v1.Graph` for ranker tests: a real GRPCServer over a tiny table that the
/// test can change (vectors, version), with counters of the calls it served and an optional delay
/// per GetEmbeddings call (so concurrent misses pile up while one call is in flight).
final class RankerFakeGraph: Sendable {
    struct Table: Sendable {
        var version: UInt64 = 1
        var users: [String: Kgrec_V1_ModalityVectors] = [:]
        var items: [(id: String, vectors: Kgrec_V1_ModalityVectors)] = []
        var seen: [String: [String]] = [:]
    }

    let table: Mutex<Table>
    let getCalls = Atomic<Int>(0)
    let exportCalls = Atomic<Int>(0)
    /// Every GetEmbeddings request's user ids, in arrival order.
    let requestedUsers = Mutex<[[String]]>([])
    let delay = Mutex<Duration>(.zero)
    private let server = Mutex<GRPCServer?>(nil)
    private(set) nonisolated(unsafe) var port = 0

    init(_ table: Table) {
        self.table = Mutex(table)
    }

    /// Starts on `port` (0 = any free port); returns the bound port.
    @discardableResult
    func start(port: Int = 0) throws -> Int {
        var config = ServerConfig()
        config.host = "127.0.0.1"
        config.port = port
        config.eventLoops = 1
        let s = GRPCServer(services: [Service(fake: self)], config: config)
        self.port = try s.start()
        server.withLock { $0 = s }
        return self.port
    }

    func stop() async {
        let s = server.withLock { s in defer { s = nil }; return s }
        await s?.shutdown(grace: .zero)
    }

    var target: String { "127.0.0.1:\(port)" }

    /// A table of `users` × `items` with deterministic vectors of widths `visual` and `text`;
    /// user `u<k>` has seen items `i<k>` and `i<k+1>`.
    static func table(users: Int, items: Int, visual: Int = 20, text: Int = 12, version: UInt64 = 1) -> Table {
        var t = Table(version: version)
        func vec(_ seed: Int, _ n: Int) -> Kgrec_V1_Vector {
            Kgrec_V1_Vector(values: (0..<n).map { j in Float(((seed * 31 + j * 17) % 23) - 11) / 8 })
        }
        for u in 0..<users {
            t.users["u\(u)"] = Kgrec_V1_ModalityVectors(visual: vec(u + 1, visual), text: vec(u + 101, text))
            t.seen["u\(u)"] = ["i\(u % items)", "i\((u + 1) % items)"]
        }
        for i in 0..<items {
            t.items.append(("i\(i)", Kgrec_V1_ModalityVectors(visual: vec(i + 1001, visual), text: vec(i + 2001, text))))
        }
        return t
    }

    struct Service: RPCService {
        let fake: RankerFakeGraph

        func register(in router: inout RPCRouter) {
            let fake = self.fake
            router.unary(Kgrec_V1_Graph.Method.getEmbeddings) {
                (r: Kgrec_V1_GetEmbeddingsRequest, _) -> Kgrec_V1_GetEmbeddingsResponse in
                fake.getCalls.add(1, ordering: .relaxed)
                fake.requestedUsers.withLock { $0.append(r.userIds) }
                let d = fake.delay.withLock { $0 }
                if d > .zero { try await Task.sleep(for: d) }
                let t = fake.table.withLock { $0 }
                var out = Kgrec_V1_GetEmbeddingsResponse(version: t.version)
                for u in r.userIds {
                    if let v = t.users[u] { out.users.append(.init(id: u, vectors: v)) } else { out.unknownUserIds.append(u) }
                }
                for i in r.itemIds {
                    if let v = t.items.first(where: { $0.id == i }) {
                        out.items.append(.init(id: i, vectors: v.vectors))
                    } else {
                        out.unknownItemIds.append(i)
                    }
                }
                return out
            }
            router.serverStreaming(Kgrec_V1_Graph.Method.exportEmbeddings) {
                (r: Kgrec_V1_ExportEmbeddingsRequest, out: RPCWriter<Kgrec_V1_EmbeddingBatch>, _) in
                fake.exportCalls.add(1, ordering: .relaxed)
                let t = fake.table.withLock { $0 }
                let n = r.batchSize == 0 ? 3 : Int(r.batchSize)
                let users = t.users.keys.sorted()
                var start = 0
                while start < max(users.count, t.items.count) {
                    var b = Kgrec_V1_EmbeddingBatch(version: t.version)
                    if r.includeUsers {
                        for u in users.dropFirst(start).prefix(n) {
                            b.users.append(.init(id: u, vectors: t.users[u]))
                            b.seen.append(.init(itemIds: t.seen[u] ?? []))
                        }
                    }
                    if r.includeItems {
                        b.items = t.items.dropFirst(start).prefix(n).map { .init(id: $0.id, vectors: $0.vectors) }
                    }
                    try await out.write(b)
                    start += n
                }
            }
        }
    }
}
