import KGRecTensor

/// Streaming top-k over rows of a `ScoreMatrix`: every row of the given ranges is scored and
/// offered to a k-sized `TopK` (no score row is materialised), rows in a sorted exclusion list are
/// skipped by walking a cursor along it, and a large scan is split over every core (one `TopK`
/// per chunk, merged in row order so ties still go to the lower row).
public enum TopKScan {
    /// Data read by one scan above which it is split over the cores (smaller ones stay on the
    /// calling thread: the hand-off would cost more than it saves).
    public static let defaultParallelBytes = 2 << 20

    /// The best `k` rows among `ranges` (disjoint, ascending) for `user` (`[matrix.width]`),
    /// skipping `excluded` (ascending rows): best first, ties by lower row. Score = first + second part.
    public static func best(_ matrix: ScoreMatrix, user: UnsafePointer<Float>, k: Int, ranges: [Range<Int>],
                            excluded: UnsafeBufferPointer<Int32>,
                            parallelBytes: Int = defaultParallelBytes) -> TopK
    {
        best(FloatUser(matrix: matrix, user: user), rowBytes: matrix.bytes / max(1, matrix.count), k: k,
             ranges: ranges, excluded: excluded, parallelBytes: parallelBytes)
    }

    /// As `best`, scanning a quantised copy and re-ranking exactly (faiss's IndexRefine): the best
    /// `max(k, candidates)` rows of `ranges` by `coarse` (e.g. int8 codes), each re-scored from `fine`
    /// (the same rows in the same order, e.g. fp32), and the best `k` of those. The scores returned
    /// are `fine`'s, so they and an explanation from `fine` agree exactly.
    public static func refined(_ coarse: ScoreMatrix, _ fine: ScoreMatrix, user: UnsafePointer<Float>, k: Int,
                               candidates: Int, ranges: [Range<Int>], excluded: UnsafeBufferPointer<Int32>,
                               parallelBytes: Int = defaultParallelBytes) -> TopK
    {
        precondition(coarse.count == fine.count && coarse.width == fine.width && coarse.split == fine.split)
        let pool: TopK
        let poolSize = max(k, candidates)
        if coarse.precision == .int8 {  // the user in int16 too: integer multiply-adds choose the candidates
            let q = Int16Query(user, width: coarse.width, split: coarse.split)
            pool = q.values.withUnsafeBufferPointer { v in
                best(Int16User(matrix: coarse, query: v.baseAddress!, scale: q.scale),
                     rowBytes: coarse.bytes / max(1, coarse.count), k: poolSize, ranges: ranges, excluded: excluded,
                     parallelBytes: parallelBytes)
            }
        } else {
            pool = best(coarse, user: user, k: poolSize, ranges: ranges, excluded: excluded, parallelBytes: parallelBytes)
        }
        var top = TopK(k: k)
        for r in pool.indices.sorted() {  // ascending rows, so ties still go to the lower row
            let p = fine.parts(user, row: Int(r))
            top.offer(r, p.x + p.y)
        }
        return top
    }

    /// One row's score for a scan: the fp32 user's `parts` (what callers see) or, for choosing
    /// refinement candidates over int8 codes, the int16 user's `coarseParts`.
    protocol RowScorer { func score(_ r: Int) -> Float }

    struct FloatUser: RowScorer {
        let matrix: ScoreMatrix, user: UnsafePointer<Float>
        @inline(__always) func score(_ r: Int) -> Float { let p = matrix.parts(user, row: r); return p.x + p.y }
    }

    struct Int16User: RowScorer {
        let matrix: ScoreMatrix, query: UnsafePointer<Int16>, scale: SIMD2<Float>
        @inline(__always) func score(_ r: Int) -> Float {
            let p = matrix.coarseParts(query, scale: scale, row: r)
            return p.x + p.y
        }
    }

    /// `best` for any row scorer: split over the cores when the scan reads ≥ `parallelBytes`.
    static func best<S: RowScorer>(_ scorer: S, rowBytes: Int, k: Int, ranges: [Range<Int>],
                                   excluded: UnsafeBufferPointer<Int32>, parallelBytes: Int) -> TopK
    {
        let total = ranges.reduce(0) { $0 + $1.count }
        let chunks = total * max(1, rowBytes) >= parallelBytes ? min(Parallel.threadCount, max(1, total / 256)) : 1
        guard chunks > 1 else { return scan(scorer, k, ranges, excluded) }
        let pieces = split(ranges, total: total, into: chunks)
        var partial = [TopK](repeating: TopK(k: k), count: chunks)
        partial.withUnsafeMutableBufferPointer { out in
            Parallel.forChunks(chunks, chunks: chunks) { _, cs in
                for c in cs { out[c] = scan(scorer, k, pieces[c], excluded) }
            }
        }
        var top = TopK(k: k)
        for p in partial {
            for (i, s) in zip(p.indices, p.scores) { top.offer(i, s) }
        }
        return top
    }

    private static func scan<S: RowScorer>(_ scorer: S, _ k: Int, _ ranges: [Range<Int>],
                                           _ excluded: UnsafeBufferPointer<Int32>) -> TopK
    {
        var top = TopK(k: k)
        guard k > 0 else { return top }
        // The k-th best score once k are held, kept in a register: most rows stop at one compare
        // (the same test `TopK.offer` makes first, so the answer is unchanged).
        var full = false, bar = -Float.infinity
        for range in ranges where !range.isEmpty {
            var e = lowerBound(excluded, Int32(range.lowerBound))
            for r in range {
                while e < excluded.count && Int(excluded[e]) < r { e += 1 }
                if e < excluded.count && Int(excluded[e]) == r { continue }
                let s = scorer.score(r)
                if full && !(s > bar) { continue }
                top.offer(Int32(r), s)
                if top.scores.count == k { full = true; bar = top.scores[k - 1] }
            }
        }
        return top
    }

    /// `ranges` cut into `n` consecutive pieces of about `total / n` rows each.
    static func split(_ ranges: [Range<Int>], total: Int, into n: Int) -> [[Range<Int>]] {
        var pieces = [[Range<Int>]](repeating: [], count: n)
        var done = 0
        for range in ranges {
            var lo = range.lowerBound
            while lo < range.upperBound {
                let c = min(n - 1, done * n / max(1, total))
                let end = min(range.upperBound, lo + max(1, total * (c + 1) / n - done))
                pieces[c].append(lo..<end)
                done += end - lo
                lo = end
            }
        }
        return pieces
    }

    /// First index of `a` (ascending) whose value is ≥ `x`.
    static func lowerBound(_ a: UnsafeBufferPointer<Int32>, _ x: Int32) -> Int {
        var lo = 0, hi = a.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if a[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
