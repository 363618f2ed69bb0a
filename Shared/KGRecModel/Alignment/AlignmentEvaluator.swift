import KGRecTensor

/// Hits@1, Hits@10 and MRR of one ranking direction (A→B or B→A), averaged over its queries.
public struct AlignmentScores: Codable, Equatable, Sendable {
    public var hits1 = 0.0, hits10 = 0.0, mrr = 0.0
    public var queries = 0
    /// How many entities each query was ranked against.
    public var candidates = 0

    public init() {}

    /// From 1-based ranks among `candidates` entities.
    public init(ranks: [Int], candidates: Int) {
        queries = ranks.count
        self.candidates = candidates
        guard !ranks.isEmpty else { return }
        let n = Double(ranks.count)
        hits1 = Double(ranks.filter { $0 <= 1 }.count) / n
        hits10 = Double(ranks.filter { $0 <= 10 }.count) / n
        mrr = ranks.reduce(0.0) { $0 + 1 / Double($1) } / n
    }
}

/// Both directions and their mean.
public struct AlignmentMetrics: Codable, Equatable, Sendable {
    public var aToB = AlignmentScores(), bToA = AlignmentScores()
    /// What the queries were ranked against.
    public var candidates = AlignmentCandidates.alignable

    public init() {}

    public var hits1: Double { (aToB.hits1 + bToA.hits1) / 2 }
    public var hits10: Double { (aToB.hits10 + bToA.hits10) / 2 }
    public var mrr: Double { (aToB.mrr + bToA.mrr) / 2 }

    /// `"hits@1"`, `"hits@10"`, `"mrr"` (means) and the per-direction `"a2b_…"`, `"b2a_…"` values,
    /// with `"a2b_candidates"` / `"b2a_candidates"`: how many entities of the other KG each query
    /// was ranked against (the candidate set's name is in the line and the result files).
    public var flat: [String: Double] {
        var d = ["hits@1": hits1, "hits@10": hits10, "mrr": mrr]
        for (p, s) in [("a2b", aToB), ("b2a", bToA)] {
            d["\(p)_hits@1"] = s.hits1; d["\(p)_hits@10"] = s.hits10; d["\(p)_mrr"] = s.mrr
            d["\(p)_candidates"] = Double(s.candidates)
        }
        return d
    }

    public var line: String {
        func f(_ v: Double) -> String { String(format: "%.4f", v) }
        return "hits@1 \(f(hits1)) hits@10 \(f(hits10)) mrr \(f(mrr))  (A→B \(f(aToB.hits1))/\(f(aToB.hits10))/\(f(aToB.mrr)), "
            + "B→A \(f(bToA.hits1))/\(f(bToA.hits10))/\(f(bToA.mrr)), \(aToB.queries) pairs, "
            + "ranked among \(aToB.candidates) / \(bToA.candidates) \(candidates == .all ? "entities" : "alignable entities"))"
    }
}

/// Full-ranking alignment evaluation: each query entity is scored (inner product) against every
/// candidate of the other KG (`AlignmentCandidates`: its alignable entities, or all); rank = 1 + the number of other candidates scoring at least as high as
/// the true partner (ties count against the query, so a constant score ranks last, not first).
/// Scores are computed in blocks of queries (one GEMM each), rows ranked across threads.
public enum AlignmentEvaluator {
    /// Metrics of `phase`'s pairs in both directions from node embeddings `z` `[N, D]` of the union
    /// graph (normalise rows first for cosine similarity).
    public static func evaluate(_ z: Matrix, task: TwoKG, phase: AlignmentPairs.Phase,
                                candidates: AlignmentCandidates) -> AlignmentMetrics {
        let (pa, pb) = task.pairNodes(phase)
        let na = task.nodes(of: .a, candidates), nb = task.nodes(of: .b, candidates)
        var m = AlignmentMetrics()
        m.candidates = candidates
        m.aToB = AlignmentScores(ranks: ranks(queries: Kernels.gatherRows(z, pa), candidates: Kernels.gatherRows(z, nb),
                                              truth: rows(of: pb, in: nb)), candidates: nb.count)
        m.bToA = AlignmentScores(ranks: ranks(queries: Kernels.gatherRows(z, pb), candidates: Kernels.gatherRows(z, na),
                                              truth: rows(of: pa, in: na)), candidates: na.count)
        return m
    }

    /// `truth[q]`: the row of `partners[q]` in `candidates` (each partner is one of them).
    static func rows(of partners: [Int32], in candidates: [Int32]) -> [Int32] {
        var row = [Int32: Int32](minimumCapacity: candidates.count)
        for (k, n) in candidates.enumerated() { row[n] = Int32(k) }
        return partners.map { row[$0]! }
    }

    /// 1-based pessimistic ranks: queries `[Q, D]`, candidates `[C, D]`, `truth[q]` the row of
    /// query q's partner in candidates.
    public static func ranks(queries: Matrix, candidates: Matrix, truth: [Int32]) -> [Int] {
        precondition(queries.rows == truth.count && queries.cols == candidates.cols)
        let slots = ParallelSlots(repeating: 0, count: truth.count)
        scoreRows(queries: queries, candidates: candidates) { q, row in
            let s = row[Int(truth[q])]
            if s.isNaN { slots[q] = row.count; return }
            var atLeast = 0  // the partner counts itself: 1 + the others scoring >= s
            for j in 0..<row.count where row[j] >= s { atLeast += 1 }
            slots[q] = atLeast
        }
        return slots.values
    }

    /// For each query, the `k` best-scoring candidates other than `exclude[q]` (the dynamic hard
    /// negatives), best first: `[Q][k]` candidate rows.
    public static func nearest(queries: Matrix, candidates: Matrix, k: Int, exclude: [Int32]) -> [[Int32]] {
        let slots = ParallelSlots(repeating: [Int32](), count: queries.rows)
        scoreRows(queries: queries, candidates: candidates) { q, row in
            var top = TopK(k: k)
            for j in 0..<row.count where Int32(j) != exclude[q] { top.offer(Int32(j), row[j]) }
            slots[q] = top.indices
        }
        return slots.values
    }

    /// Calls `body(q, scores)` for every query with its score row `[C]` (`queries · candidatesᵀ`);
    /// rows of one block run in parallel and each writes only its own slot.
    static func scoreRows(queries: Matrix, candidates: Matrix, _ body: (Int, UnsafeBufferPointer<Float>) -> Void) {
        guard queries.rows > 0, candidates.rows > 0 else { return }
        let ct = candidates.transposed()  // [D, C]
        let block = 256, c = candidates.rows
        var start = 0
        while start < queries.rows {
            let end = min(queries.rows, start + block)
            let q = Matrix(rows: end - start, cols: queries.cols,
                           data: Array(queries.data[start * queries.cols..<end * queries.cols]))
            let scores = GEMM.multiply(q, ct)  // [b, C]
            scores.data.withUnsafeBufferPointer { s in
                Parallel.forRanges(end - start, grain: 8) { rows in
                    for r in rows { body(start + r, UnsafeBufferPointer(rebasing: s[r * c..<(r + 1) * c])) }
                }
            }
            start = end
        }
    }
}
