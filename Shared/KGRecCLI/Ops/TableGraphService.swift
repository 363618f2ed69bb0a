import Foundation
import GRPCCore
import KGRecWire

/// The two `kgrec.v1.Graph` calls the ranker makes, served from an `EmbeddingTable`: ExportEmbeddings
/// sends the recorded batches as they are (the request's batch size is ignored), GetEmbeddings
/// answers users from their vectors decoded once at start (a table lookup, like the graph's) and
/// items from an id → (batch, position) index (the batch decoded on demand). A stand-in graph
/// for measuring the ranker (`Benchmarks/ranker.sh`, `make bench-rpc`), not a graph: no
/// AddInteractions, the version never moves.
struct TableGraphService: RPCService {
    let table: EmbeddingTable
    let version: UInt64
    private let users: [String: Kgrec_V1_ModalityVectors]
    private let items: [String: (batch: Int32, position: Int32)]

    init(table: EmbeddingTable) throws {
        self.table = table
        var users: [String: Kgrec_V1_ModalityVectors] = [:], items: [String: (Int32, Int32)] = [:]
        var version: UInt64 = 0
        for k in table.batches.indices {
            let b = try table.batch(k)
            version = b.version
            for e in b.users { users[e.id] = e.vectors ?? Kgrec_V1_ModalityVectors() }
            for (p, e) in b.items.enumerated() { items[e.id] = (Int32(k), Int32(p)) }
        }
        self.users = users
        self.items = items
        self.version = version
    }

    var counts: (users: Int, items: Int) { (users.count, items.count) }

    func register(in router: inout RPCRouter) {
        let service = self
        router.unary(Kgrec_V1_Graph.Method.getEmbeddings) {
            (r: Kgrec_V1_GetEmbeddingsRequest, _) -> Kgrec_V1_GetEmbeddingsResponse in
            try service.answer(r)
        }
        router.serverStreaming(Kgrec_V1_Graph.Method.exportEmbeddings) {
            (_: Kgrec_V1_ExportEmbeddingsRequest, out: RPCWriter<RawMessage>, _) in
            for b in service.table.batches { try await out.write(RawMessage(Array(b))) }
        }
    }

    func answer(_ r: Kgrec_V1_GetEmbeddingsRequest) throws -> Kgrec_V1_GetEmbeddingsResponse {
        var out = Kgrec_V1_GetEmbeddingsResponse(version: version)
        var decoded: [Int32: Kgrec_V1_EmbeddingBatch] = [:]
        func batch(_ k: Int32) throws -> Kgrec_V1_EmbeddingBatch {
            if let b = decoded[k] { return b }
            let b = try table.batch(Int(k))
            decoded[k] = b
            return b
        }
        for u in r.userIds {
            if let v = users[u] { out.users.append(Kgrec_V1_Embedding(id: u, vectors: v)) } else { out.unknownUserIds.append(u) }
        }
        for i in r.itemIds {
            if let at = items[i] { out.items.append(try batch(at.batch).items[Int(at.position)]) } else { out.unknownItemIds.append(i) }
        }
        return out
    }
}
