import GRPCCore
import KGRecModel
import KGRecWire

/// `kgrec.v1.Graph` over a `GraphEngine`. Reads use the published table snapshot; while the table
/// is loading they answer UNAVAILABLE. Metrics and auth come from `RPCRouter.instrumented`
/// (AddInteractions is the protected, mutating method).
public struct GraphService: RPCService {
    typealias Method = Kgrec_V1_Graph.Method
    public static let protectedMethods: Set<String> = [Method.addInteractions.path]
    public let engine: GraphEngine

    public init(engine: GraphEngine) { self.engine = engine }

    public func register(in router: inout RPCRouter) {
        let engine = self.engine
        // The two reads are CPU-light (a snapshot load and row copies): inline on the event loop.
        router.unaryInline(Method.getEmbeddings) { (request: Kgrec_V1_GetEmbeddingsRequest, _) in
            try Self.getEmbeddings(request, engine.current())
        }
        router.serverStreaming(Method.exportEmbeddings) {
            (request: Kgrec_V1_ExportEmbeddingsRequest, out: RPCWriter<Kgrec_V1_EmbeddingBatch>, _) in
            let table = try engine.current()
            for batch in Self.exportBatches(request, table, defaultSize: engine.options.exportBatch) {
                try await out.write(batch)  // suspends while the client's window is full
            }
        }
        router.unaryInline(Method.neighbors) { (request: Kgrec_V1_NeighborsRequest, _) in
            try Self.neighbors(request, engine.current(), defaultLimit: engine.options.neighborLimit)
        }
        router.unary(Method.addInteractions) { (request: Kgrec_V1_AddInteractionsRequest, _) in
            try await engine.addInteractions(request)
        }
    }

    /// Known ids → embeddings (request order); unknown ids are listed, not an error.
    static func getEmbeddings(_ request: Kgrec_V1_GetEmbeddingsRequest,
                              _ table: GraphSnapshot) throws(RPCError) -> Kgrec_V1_GetEmbeddingsResponse {
        guard !request.userIds.isEmpty || !request.itemIds.isEmpty else {
            throw RPCError(.invalidArgument, "GetEmbeddings needs user_ids or item_ids")
        }
        var response = Kgrec_V1_GetEmbeddingsResponse(version: table.version)
        for id in request.userIds {
            if let u = table.users.index(of: id) { response.users.append(table.userEmbedding(Int(u))) }
            else { response.unknownUserIds.append(id) }
        }
        for id in request.itemIds {
            if let i = table.items.index(of: id) { response.items.append(table.itemEmbedding(Int(i))) }
            else { response.unknownItemIds.append(id) }
        }
        return response
    }

    /// The whole table in batches of `batch_size` (0 = `defaultSize`): users (with `seen`), then
    /// items, every batch with the snapshot's version. Neither include flag set = both. A batch
    /// also ends before it would pass `maxBatchBytes` (about 3.5 MiB, under grpcio's default 4 MiB
    /// receive limit), so a large `batch_size` cannot make a message the client refuses.
    /// Batches are built lazily, one per write.
    static func exportBatches(_ request: Kgrec_V1_ExportEmbeddingsRequest, _ table: GraphSnapshot, defaultSize: Int,
                              maxBatchBytes: Int = 3_500_000) -> AnyIterator<Kgrec_V1_EmbeddingBatch> {
        let both = !request.includeUsers && !request.includeItems
        let size = request.batchSize == 0 ? defaultSize : Int(request.batchSize)
        let users = both || request.includeUsers ? table.users.count : 0
        let items = both || request.includeItems ? table.items.count : 0
        let vectorBytes = table.embeddings.users.cols * 4 + 16
        var u = 0, i = 0
        return AnyIterator {
            var batch = Kgrec_V1_EmbeddingBatch(version: table.version)
            var bytes = 0
            while u < users && batch.users.count < size && (batch.users.isEmpty || bytes < maxBatchBytes) {
                let seen = table.seen(u)
                bytes += vectorBytes + table.users[u].utf8.count + seen.itemIds.reduce(8) { $0 + $1.utf8.count + 2 }
                batch.users.append(table.userEmbedding(u))
                batch.seen.append(seen)
                u += 1
            }
            if !batch.users.isEmpty { return batch }
            while i < items && batch.items.count < size && (batch.items.isEmpty || bytes < maxBatchBytes) {
                bytes += vectorBytes + table.items[i].utf8.count
                batch.items.append(table.itemEmbedding(i))
                i += 1
            }
            return batch.items.isEmpty ? nil : batch
        }
    }

    /// The entity's out-edges in the collaborative KG, by attention (mean over channels) descending.
    static func neighbors(_ request: Kgrec_V1_NeighborsRequest, _ table: GraphSnapshot,
                          defaultLimit: Int) throws(RPCError) -> Kgrec_V1_NeighborsResponse {
        guard !request.entityId.isEmpty else { throw RPCError(.invalidArgument, "Neighbors needs entity_id") }
        guard let node = table.node(of: request.entityId, kind: request.kind) else {
            throw RPCError(.notFound, "unknown \(kindName(request.kind)) '\(request.entityId)'")
        }
        let g = table.graph.graph
        var out: [Kgrec_V1_Neighbor] = []
        for e in g.edges(of: node) {
            let (id, kind) = table.describe(node: Int(g.tails[e]))
            let pi = table.attention.reduce(Float(0)) { $0 + $1[e] } / Float(max(1, table.attention.count))
            out.append(Kgrec_V1_Neighbor(entityId: id, kind: kind, relation: g.relationNames[Int(g.relations[e])],
                                         attention: pi))
        }
        out.sort { $0.attention != $1.attention ? $0.attention > $1.attention : $0.entityId < $1.entityId }
        let limit = request.limit == 0 ? defaultLimit : Int(request.limit)
        return Kgrec_V1_NeighborsResponse(neighbors: Array(out.prefix(limit)), version: table.version)
    }

    static func kindName(_ kind: Kgrec_V1_EntityKind) -> String {
        switch kind {
        case .user: return "user"
        case .item: return "item"
        case .attribute: return "attribute"
        default: return "entity"
        }
    }
}
