import KGRecTensor

/// Negative sampling for BPR and TransR.
public struct NegativeSampler: Sendable {
    public let split: InteractionSplit
    public let graph: CollaborativeKG

    public init(split: InteractionSplit, graph: CollaborativeKG) {
        self.split = split
        self.graph = graph
    }

    /// A uniform item the user has not interacted with in training (`[0, I)`); the user must not
    /// own every item (then any item is returned after a bounded number of tries).
    @inline(__always)
    public func item(for u: Int, _ rng: inout SplitMix64) -> Int32 {
        var j = Int32(rng.below(split.itemCount))
        var tries = 0
        while split.trainSets.contains(u, j) && tries < 100 {
            j = Int32(rng.below(split.itemCount))
            tries += 1
        }
        return j
    }

    /// Dynamic hard negative: of `candidates` uniform negatives, the one `embeddings` scores highest
    /// for user u (Zhang et al. 2013's DNS, as seed 000 uses). Shapes: users `[U, D]`, items `[I, D]`.
    public func hardItem(for u: Int, candidates: Int, embeddings e: InferenceEmbeddings, _ rng: inout SplitMix64) -> Int32 {
        var best = item(for: u, &rng)
        if candidates <= 1 { return best }
        let d = e.users.cols
        func score(_ j: Int32) -> Float {
            var s: Float = 0
            for c in 0..<d { s += e.users.data[u * d + c] * e.items.data[Int(j) * d + c] }
            return s
        }
        var bestScore = score(best)
        for _ in 1..<candidates {
            let j = item(for: u, &rng)
            let s = score(j)
            if s > bestScore { best = j; bestScore = s }
        }
        return best
    }

    /// A corrupted tail for (h, r, ·): a uniform entity (`[0, I + A)`) t′ with (h, r, t′) not in the graph.
    @inline(__always)
    public func tail(head h: Int32, relation r: Int32, _ rng: inout SplitMix64) -> Int32 {
        var t = Int32(rng.below(graph.entityCount))
        var tries = 0
        while graph.contains(head: h, relation: r, tail: t) && tries < 100 {
            t = Int32(rng.below(graph.entityCount))
            tries += 1
        }
        return t
    }
}

extension CollaborativeKG {
    /// Whether the directed triple exists (binary search in the head's sorted slice).
    public func contains(head h: Int32, relation r: Int32, tail t: Int32) -> Bool {
        let key = UInt64(UInt32(r)) << 32 | UInt64(UInt32(t))
        var lo = Int(headOffsets[Int(h)]), hi = Int(headOffsets[Int(h) + 1])
        while lo < hi {
            let mid = (lo + hi) >> 1
            let k = UInt64(UInt32(relations[mid])) << 32 | UInt64(UInt32(tails[mid]))
            if k == key { return true }
            if k < key { lo = mid + 1 } else { hi = mid }
        }
        return false
    }
}
