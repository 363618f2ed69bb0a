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
    /// The server's send limit: a GetEmbeddings answer that would exceed it is refused before
    /// it is built.
    public let maxResponseBytes: Int

    public init(engine: GraphEngine, maxResponseBytes: Int = MessageLimits.grpcDefault) {
        self.engine = engine
        self.maxResponseBytes = maxResponseBytes
    }

    public func register(in router: inout RPCRouter) {
        let engine = self.engine
        let limits = EmbeddingsLimits(maxIds: engine.options.maxIds, maxIdBytes: engine.options.maxIdBytes,
                                      maxResponseBytes: maxResponseBytes)
        // The two reads are CPU-light (a snapshot load and row copies): inline on the event loop.
        router.unaryInline(Method.getEmbeddings) { (request: Kgrec_V1_GetEmbeddingsRequest, _) in
            try Self.getEmbeddings(request, engine.current(), limits: limits)
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

    /// What one GetEmbeddings call may ask for.
    struct EmbeddingsLimits: Sendable {
        var maxIds: Int
        var maxIdBytes: Int
        var maxResponseBytes: Int
    }

    /// Known ids → embeddings (request order); unknown ids are listed, not an error. Checked
    /// before anything is built: at most `maxIds` ids in all, each at most `maxIdBytes` long and
    /// not repeated within its list (INVALID_ARGUMENT), and an answer that fits `maxResponseBytes`
    /// (RESOURCE_EXHAUSTED otherwise), so a small request cannot make the loop build a huge one.
    static func getEmbeddings(_ request: Kgrec_V1_GetEmbeddingsRequest, _ table: GraphSnapshot,
                              limits: EmbeddingsLimits) throws(RPCError) -> Kgrec_V1_GetEmbeddingsResponse {
        guard !request.userIds.isEmpty || !request.itemIds.isEmpty else {
            throw RPCError(.invalidArgument, "GetEmbeddings needs user_ids or item_ids")
        }
        let total = request.userIds.count + request.itemIds.count
        guard total <= limits.maxIds else {
            throw RPCError(.invalidArgument, "GetEmbeddings asks for \(total) ids; the limit is \(limits.maxIds) per call")
        }
        let users = try resolve(request.userIds, field: "user_ids", limits: limits) { table.users.index(of: $0) }
        let items = try resolve(request.itemIds, field: "item_ids", limits: limits) { table.items.index(of: $0) }
        let estimate = 16 + total * 8 + (request.userIds + request.itemIds).reduce(0) { $0 + $1.utf8.count }
            + users.found * (table.embeddings.users.cols * 4 + 16) + items.found * (table.embeddings.items.cols * 4 + 16)
        guard estimate <= limits.maxResponseBytes else {
            throw RPCError(.resourceExhausted, "GetEmbeddings answer would be about \(estimate) bytes, over the "
                           + "\(limits.maxResponseBytes)-byte message limit; ask for fewer ids per call")
        }
        var response = Kgrec_V1_GetEmbeddingsResponse(version: table.version)
        for (id, u) in zip(request.userIds, users.rows) {
            if let u { response.users.append(table.userEmbedding(Int(u))) } else { response.unknownUserIds.append(id) }
        }
        for (id, i) in zip(request.itemIds, items.rows) {
            if let i { response.items.append(table.itemEmbedding(Int(i))) } else { response.unknownItemIds.append(id) }
        }
        return response
    }

    /// Each id's row (nil = unknown), after the length and repetition checks.
    private static func resolve<Row>(_ ids: [String], field: String, limits: EmbeddingsLimits,
                                     _ row: (String) -> Row?) throws(RPCError) -> (rows: [Row?], found: Int) {
        var seen = Set<String>(minimumCapacity: ids.count)
        var rows: [Row?] = []
        rows.reserveCapacity(ids.count)
        var found = 0
        for (k, id) in ids.enumerated() {
            guard id.utf8.count <= limits.maxIdBytes else {
                throw RPCError(.invalidArgument, "\(field)[\(k)]: id of \(id.utf8.count) bytes exceeds the limit of "
                               + "\(limits.maxIdBytes) bytes")
            }
            guard seen.insert(id).inserted else {
                throw RPCError(.invalidArgument, "\(field)[\(k)]: '\(id)' is repeated; ask for each id once")
            }
            let r = row(id)
            if r != nil { found += 1 }
            rows.append(r)
        }
        return (rows, found)
    }

    /// The whole table in batches of `batch_size` (0 = `defaultSize`): users (with `seen`), then
    /// items, every batch with the snapshot's version. Neither include flag set = both. A batch
    /// also ends before it would pass `maxBatchBytes` (`MessageLimits.exportBatch`, under grpcio's
    /// default 4 MiB receive limit), so a large `batch_size` cannot make a message the client refuses.
    /// Batches are built lazily, one per write.
    static func exportBatches(_ request: Kgrec_V1_ExportEmbeddingsRequest, _ table: GraphSnapshot, defaultSize: Int,
                              maxBatchBytes: Int = MessageLimits.exportBatch) -> AnyIterator<Kgrec_V1_EmbeddingBatch> {
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
