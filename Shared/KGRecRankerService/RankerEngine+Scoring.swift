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
        try check(request)
        let snap = try snapshot()
        let rows = request.itemIds.map { snap.catalogue.rows[$0] }
        let extra = zip(request.itemIds, rows).compactMap { $1 == nil ? $0 : nil }
        let (user, fetchedItems) = try await lookup(user: request.userId, extraItems: extra, snapshot: snap,
                                                    deadline: downstreamDeadline(remaining: remaining))
        return Self.scored(request, rows: rows, user: user, snapshot: snap, fetched: fetchedItems)
    }

    /// `score` answered from memory alone (the event loop's inline attempt), or nil when the
    /// graph must be asked: the user is not cached, or an id is neither in the catalogue, among
    /// the extras nor known to be unknown. Nil leaves no trace (no cache miss counted).
    public func scoreNow(_ request: Kgrec_V1_ScoreRequest) throws -> Kgrec_V1_ScoreResponse? {
        guard options.inlineScanBytes > 0 else { return nil }
        try check(request)
        let snap = try snapshot()
        let rows = request.itemIds.map { snap.catalogue.rows[$0] }
        if rows.contains(nil) {
            let unknown = state.withLock { $0.unknownItems }
            for (id, r) in zip(request.itemIds, rows) where r == nil && snap.extras[id] == nil && !unknown.contains(id) {
                return nil
            }
        }
        guard let user = cachedUser(request.userId, snap) else { return nil }
        metrics.inlineScore.increment()
        return Self.scored(request, rows: rows, user: user, snapshot: snap, fetched: [:])
    }

    private func check(_ request: Kgrec_V1_ScoreRequest) throws {
        guard !request.userId.isEmpty else { throw RPCError(.invalidArgument, "user_id is empty") }
        guard !request.itemIds.isEmpty else { throw RPCError(.invalidArgument, "item_ids is empty") }
        guard request.itemIds.count <= options.maxCandidates else {
            throw RPCError(.invalidArgument,
                           "\(request.itemIds.count) item_ids; at most \(options.maxCandidates) per request")
        }
        try checkIDLength(request.userId, "user_id")
        // The field name is only built for an id that fails (not per id per call).
        if let k = request.itemIds.firstIndex(where: { $0.utf8.count > options.maxIdBytes }) {
            try checkIDLength(request.itemIds[k], "item_ids[\(k)]")
        }
    }

    /// The Score answer: `rows[j]` is `itemIds[j]`'s catalogue row (nil: an extra, fetched or not).
    private static func scored(_ request: Kgrec_V1_ScoreRequest, rows: [Int32?], user: [Float], snapshot snap: Snapshot,
                               fetched: [String: [Float]]) -> Kgrec_V1_ScoreResponse
    {
        let c = snap.catalogue
        var response = Kgrec_V1_ScoreResponse(graphVersion: c.version, requestId: request.requestId)
        response.items.reserveCapacity(request.itemIds.count)
        for (id, row) in zip(request.itemIds, rows) {
            let parts: (visual: Float, text: Float)
            if let row {
                parts = c.parts(user, row: Int(row))
            } else if let v = fetched[id] ?? snap.extras[id], v.count == user.count {
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
        let k = try check(request)
        let snap = try snapshot()
        let (user, _) = try await lookup(user: request.userId, extraItems: [], snapshot: snap,
                                         deadline: downstreamDeadline(remaining: remaining))
        // A scan is split over the cores only while it is the only one running: with several in
        // flight the cores are busy anyway and the hand-offs would only add work.
        let running = scansInFlight.add(1, ordering: .relaxed).newValue
        defer { scansInFlight.subtract(1, ordering: .relaxed) }
        return recommended(request, k: k, user: user, snapshot: snap,
                           parallelBytes: running == 1 ? TopKScan.defaultParallelBytes : .max)
    }

    /// `recommend` on the event loop, or nil when it should run as a task: the user is not
    /// cached, or the scan would read more than `inlineScanBytes`. The inline scan stays on the
    /// loop's thread (the loops already spread calls over the cores). Nil leaves no trace.
    public func recommendNow(_ request: Kgrec_V1_RecommendRequest) throws -> Kgrec_V1_RecommendResponse? {
        guard options.inlineScanBytes > 0 else { return nil }
        let k = try check(request)
        let snap = try snapshot()
        let c = snap.catalogue
        let index = request.exact ? nil : c.index
        let share = index.map { min(1, Double(nprobe(request)) / Double($0.lists)) } ?? 1
        let scanned = index == nil ? c.matrix : c.codes ?? c.matrix
        guard Double(scanned.bytes) * share <= Double(options.inlineScanBytes),
              let user = cachedUser(request.userId, snap) else { return nil }
        metrics.inlineRecommend.increment()
        return recommended(request, k: k, user: user, snapshot: snap, parallelBytes: .max)
    }

    /// The request's `k` (0 → 10), after checking it and the user id.
    private func check(_ request: Kgrec_V1_RecommendRequest) throws -> Int {
        guard !request.userId.isEmpty else { throw RPCError(.invalidArgument, "user_id is empty") }
        let k = request.k == 0 ? 10 : Int(request.k)
        guard k <= options.maxK else { throw RPCError(.invalidArgument, "k = \(k) is above the limit \(options.maxK)") }
        try checkIDLength(request.userId, "user_id")
        return k
    }

    private func nprobe(_ request: Kgrec_V1_RecommendRequest) -> Int {
        request.nprobe == 0 ? options.ann?.nprobe ?? 1 : Int(request.nprobe)
    }

    private func recommended(_ request: Kgrec_V1_RecommendRequest, k: Int, user: [Float], snapshot snap: Snapshot,
                             parallelBytes: Int) -> Kgrec_V1_RecommendResponse
    {
        let c = snap.catalogue
        let index = request.exact ? nil : c.index
        var response = Kgrec_V1_RecommendResponse(graphVersion: c.version, mode: index == nil ? .exact : .ann)
        // Items added since the warm-up that a Score already fetched follow the catalogue's rows.
        let extras = snap.extras.isEmpty ? [] : snap.extras.filter { $0.value.count == user.count }.sorted { $0.key < $1.key }
        guard c.count + extras.count > 0 else { return response }
        let excluded = request.includeSeen ? [] : c.seen[request.userId] ?? []
        let started = ContinuousClock.now
        let kk = min(k, c.count + extras.count)
        var top = Self.topK(c, user: user, k: kk, index: index, nprobe: nprobe(request),
                            candidates: kk * (options.ann?.refine ?? 0), excluded: excluded, parallelBytes: parallelBytes)
        (index == nil ? metrics.exactSeconds : metrics.annSeconds).observe(ContinuousClock.now - started)
        if index != nil, options.recallProbeRate > 0, Double.random(in: 0..<1) < options.recallProbeRate {
            let approximate = Set(top.indices)
            spawnProbe { [metrics] in
                // One thread: the probe's thread is idle priority, the split's would not be.
                let exact = Self.topK(c, user: user, k: kk, index: nil, nprobe: 0, excluded: excluded, parallelBytes: .max)
                guard !exact.indices.isEmpty else { return }
                metrics.recordRecall(Double(exact.indices.filter(approximate.contains).count) / Double(exact.indices.count))
            }
        }
        for (j, e) in extras.enumerated() {
            let p = Self.parts(user: user, item: e.value, layout: c.layout)
            top.offer(Int32(c.count + j), p.visual + p.text)
        }
        response.items.reserveCapacity(top.indices.count)
        for (r, score) in zip(top.indices, top.scores) {
            let id = Int(r) < c.count ? c.ids[Int(r)] : extras[Int(r) - c.count].key
            guard request.explain else {
                response.items.append(Kgrec_V1_ScoredItem(itemId: id, score: score))
                continue
            }
            let p = Int(r) < c.count ? c.parts(user, row: Int(r))
                : Self.parts(user: user, item: extras[Int(r) - c.count].value, layout: c.layout)
            response.items.append(Self.scored(id, p, explain: true))
        }
        return response
    }

    /// The best `k` catalogue rows for `user`: the `nprobe` nearest IVF lists of `index` (scanned
    /// over the catalogue's int8 codes when it has them, the best `candidates` re-scored from its
    /// rows), or every row without an index; `excluded` rows (ascending) skipped.
    static func topK(_ c: ItemCatalogue, user: [Float], k: Int, index: IVFIndex?, nprobe: Int, candidates: Int = 0,
                     excluded: [Int32], parallelBytes: Int = TopKScan.defaultParallelBytes) -> TopK
    {
        let user = user.isEmpty ? [0] : user  // a zero-width layout scores 0 (the kernels read no values)
        return user.withUnsafeBufferPointer { u in
            excluded.withUnsafeBufferPointer { ex in
                let ranges = index?.probe(u.baseAddress!, nprobe: nprobe) ?? [0..<c.count]
                if index != nil, let codes = c.codes {
                    return TopKScan.refined(codes, c.matrix, user: u.baseAddress!, k: k, candidates: candidates,
                                            ranges: ranges, excluded: ex, parallelBytes: parallelBytes)
                }
                return TopKScan.best(c.matrix, user: u.baseAddress!, k: k, ranges: ranges, excluded: ex,
                                     parallelBytes: parallelBytes)
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
