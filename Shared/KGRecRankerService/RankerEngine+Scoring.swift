import GRPCCore
import KGRecServing
import KGRecTensor
import KGRecWire

/// Score and Recommend on the engine's embeddings: `score(u, i) = e_u · e_i` over `[visual | text]`,
/// computed as visual part + text part (see `ScoreMatrix`).
extension RankerEngine {
    /// Scores `request.itemIds` (in request order; ids the graph does not know are listed in
    /// `unknownItemIds`). `remaining` is the caller's time left, if it sent a deadline.
    public func score(_ request: Kgrec_V1_ScoreRequest, remaining: Duration?) async throws -> Kgrec_V1_ScoreResponse {
        guard !request.userId.isEmpty else { throw RPCError(.invalidArgument, "user_id is empty") }
        guard !request.itemIds.isEmpty else { throw RPCError(.invalidArgument, "item_ids is empty") }
        guard request.itemIds.count <= options.maxCandidates else {
            throw RPCError(.invalidArgument,
                           "\(request.itemIds.count) item_ids; at most \(options.maxCandidates) per request")
        }
        try checkIDLength(request.userId, "user_id")
        for (k, id) in request.itemIds.enumerated() { try checkIDLength(id, "item_ids[\(k)]") }
        let snap = try snapshot()
        let c = snap.catalogue
        let extra = request.itemIds.filter { c.rows[$0] == nil }
        let (user, fetchedItems) = try await lookup(user: request.userId, extraItems: extra, snapshot: snap,
                                                    deadline: downstreamDeadline(remaining: remaining))
        var response = Kgrec_V1_ScoreResponse(graphVersion: c.version, requestId: request.requestId)
        response.items.reserveCapacity(request.itemIds.count)
        for id in request.itemIds {
            let parts: (visual: Float, text: Float)
            if let row = c.rows[id] {
                parts = c.parts(user, row: Int(row))
            } else if let v = fetchedItems[id] ?? snap.extras[id], v.count == user.count {
                parts = Self.parts(user: user, item: v, layout: c.layout)
            } else {
                response.unknownItemIds.append(id)
                continue
            }
            response.items.append(Self.scored(id, parts, explain: request.explain))
        }
        return response
    }

    /// An id longer than `--max-id-bytes` → INVALID_ARGUMENT (so a batch of misses stays far under
    /// the ranker→graph message limit).
    func checkIDLength(_ id: String, _ field: String) throws(RPCError) {
        guard id.utf8.count <= options.maxIdBytes else {
            throw RPCError(.invalidArgument, "\(field): id of \(id.utf8.count) bytes exceeds the limit of \(options.maxIdBytes) bytes")
        }
    }

    /// The top `k` (0 = 10) catalogue items for the user, best first; the user's training items
    /// are excluded unless `includeSeen`. Answered from the IVF index (`nprobe` lists, 0 = the
    /// server's) when the catalogue has one and the request does not ask for `exact`, else by a
    /// scan of every row; items added since the warm-up (extras) are always scored exactly.
    public func recommend(_ request: Kgrec_V1_RecommendRequest,
                          remaining: Duration?) async throws -> Kgrec_V1_RecommendResponse
    {
        guard !request.userId.isEmpty else { throw RPCError(.invalidArgument, "user_id is empty") }
        let k = request.k == 0 ? 10 : Int(request.k)
        guard k <= options.maxK else { throw RPCError(.invalidArgument, "k = \(k) is above the limit \(options.maxK)") }
        try checkIDLength(request.userId, "user_id")
        let snap = try snapshot()
        let c = snap.catalogue
        let (user, _) = try await lookup(user: request.userId, extraItems: [], snapshot: snap,
                                         deadline: downstreamDeadline(remaining: remaining))
        let index = request.exact ? nil : c.index
        var response = Kgrec_V1_RecommendResponse(graphVersion: c.version, mode: index == nil ? .exact : .ann)
        // Items added since the warm-up that a Score already fetched follow the catalogue's rows.
        let extras = snap.extras.filter { $0.value.count == user.count }.sorted { $0.key < $1.key }
        guard c.count + extras.count > 0 else { return response }
        let excluded = request.includeSeen ? [] : c.seen[request.userId] ?? []
        let nprobe = request.nprobe == 0 ? options.ann?.nprobe ?? 1 : Int(request.nprobe)
        let started = ContinuousClock.now
        var top = Self.topK(c, user: user, k: min(k, c.count + extras.count), index: index, nprobe: nprobe,
                            excluded: excluded)
        (index == nil ? metrics.exactSeconds : metrics.annSeconds).observe(ContinuousClock.now - started)
        if index != nil, options.recallProbeRate > 0, Double.random(in: 0..<1) < options.recallProbeRate {
            let approximate = Set(top.indices), kk = top.k
            spawnProbe { [metrics] in
                let exact = Self.topK(c, user: user, k: kk, index: nil, nprobe: 0, excluded: excluded)
                guard !exact.indices.isEmpty else { return }
                metrics.recordRecall(Double(exact.indices.filter(approximate.contains).count) / Double(exact.indices.count))
            }
        }
        for (j, e) in extras.enumerated() {
            let p = Self.parts(user: user, item: e.value, layout: c.layout)
            top.offer(Int32(c.count + j), p.visual + p.text)
        }
        response.items = zip(top.indices, top.scores).map { r, score in
            let p = Int(r) < c.count ? c.parts(user, row: Int(r))
                : Self.parts(user: user, item: extras[Int(r) - c.count].value, layout: c.layout)
            let id = Int(r) < c.count ? c.ids[Int(r)] : extras[Int(r) - c.count].key
            return request.explain ? Self.scored(id, p, explain: true) : Kgrec_V1_ScoredItem(itemId: id, score: score)
        }
        return response
    }

    /// The best `k` catalogue rows for `user`: the `nprobe` nearest IVF lists of `index`, or
    /// every row without one; `excluded` rows (ascending) skipped.
    static func topK(_ c: ItemCatalogue, user: [Float], k: Int, index: IVFIndex?, nprobe: Int,
                     excluded: [Int32]) -> TopK
    {
        let user = user.isEmpty ? [0] : user  // a zero-width layout scores 0 (the kernels read no values)
        return user.withUnsafeBufferPointer { u in
            excluded.withUnsafeBufferPointer { ex in
                let ranges = index?.probe(u.baseAddress!, nprobe: nprobe) ?? [0..<c.count]
                return TopKScan.best(c.matrix, user: u.baseAddress!, k: k, ranges: ranges, excluded: ex)
            }
        }
    }

    static func scored(_ id: String, _ p: (visual: Float, text: Float), explain: Bool) -> Kgrec_V1_ScoredItem {
        explain ? Kgrec_V1_ScoredItem(itemId: id, score: p.visual + p.text, visualScore: p.visual, textScore: p.text)
            : Kgrec_V1_ScoredItem(itemId: id, score: p.visual + p.text)
    }

    /// Visual and text parts of `user · item` for a row held outside the catalogue matrix.
    static func parts(user: [Float], item: [Float], layout: EmbeddingLayout) -> (visual: Float, text: Float) {
        guard layout.width > 0 else { return (0, 0) }
        return user.withUnsafeBufferPointer { u in
            item.withUnsafeBufferPointer { v in
                (ScoreMatrix.dot32(u.baseAddress!, UnsafeRawPointer(v.baseAddress!), layout.visual),
                 ScoreMatrix.dot32(u.baseAddress! + layout.visual, UnsafeRawPointer(v.baseAddress! + layout.visual),
                                   layout.text))
            }
        }
    }
}
