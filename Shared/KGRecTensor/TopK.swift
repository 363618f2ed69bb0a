/// Top-k selection over a score row: keeps the k best (score descending, ties by lower index) in a
/// sorted buffer, rejecting most candidates with one comparison against the current k-th score.
public struct TopK {
    public let k: Int
    public private(set) var indices: [Int32] = []
    public private(set) var scores: [Float] = []

    public init(k: Int) {
        self.k = k
        indices.reserveCapacity(k + 1)
        scores.reserveCapacity(k + 1)
    }

    public mutating func reset() {
        indices.removeAll(keepingCapacity: true)
        scores.removeAll(keepingCapacity: true)
    }

    /// Offers item `i` with score `s` (items must be offered in ascending index order for the tie rule).
    @inline(__always)
    public mutating func offer(_ i: Int32, _ s: Float) {
        if scores.count == k {
            if !(s > scores[k - 1]) { return }
            scores.removeLast()
            indices.removeLast()
        }
        var p = scores.count
        while p > 0 && scores[p - 1] < s { p -= 1 }
        scores.insert(s, at: p)
        indices.insert(i, at: p)
    }

    /// Scans a full score row `[n]`; entries equal to `-infinity` (excluded items) are skipped.
    public mutating func scan(_ row: UnsafeBufferPointer<Float>) {
        for i in 0..<row.count {
            let s = row[i]
            if s == -Float.infinity { continue }
            if scores.count == k && !(s > scores[k - 1]) { continue }
            offer(Int32(i), s)
        }
    }
}
