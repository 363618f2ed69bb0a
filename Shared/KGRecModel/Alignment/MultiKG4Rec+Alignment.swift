import KGRecTensor

/// Entity encodings for alignment (`kgrec align`): the recommender's own layers — layer 0 (ID
/// embeddings or projected content), the cross-attention fusion of items, the knowledge-aware
/// propagation and layer aggregation — read out for any node, not only users and items.
extension MultiKG4Rec {
    /// Final embeddings `[B, C·W]` of `nodes` (`[B]`) on the tape, propagating the whole graph as a
    /// `full` BPR batch does: the items among `nodes` are fused on the tape, every other item's
    /// fused row comes from the epoch's cache.
    func nodeEmbeddings(_ tape: Tape, nodes: [Int32]) -> Tape.Var {
        let items = Self.distinctSorted(nodes.filter { $0 < Int32(itemCount) })
        let e0 = fusion == nil ? fusedLayer0(tape) : items.isEmpty ? cachedLayer0(tape) : batchLayer0(tape, items: items)
        return finalEmbeddings(tape, propagate(tape, from: e0), nodes: nodes)
    }

    /// Every node's final embedding `[N, C·W]` without gradient, from the current parameters (every
    /// item fused afresh, attention recomputed, no dropout), as `inferenceEmbeddings` does for users
    /// and items; the epoch's training attention and fused cache are restored afterwards.
    public func allNodeEmbeddings() -> Matrix {
        let wasTraining = training
        let (trainingAttention, trainingFused) = (attention, fusedItems)
        training = false
        refreshAttention(dropEdges: false)
        defer { training = wasTraining; attention = trainingAttention; fusedItems = trainingFused }
        let tape = Tape()
        let layers = propagate(tape, from: cachedLayer0(tape))
        return tape.value(finalEmbeddings(tape, layers, nodes: (0..<Int32(nodeCount)).map { $0 }))
    }

    /// Holds the ID-embedding rows of `nodes` at zero in every channel (`AlignmentTrainer.frozenIDRows`):
    /// zeroes the rows now, and `zeroIDGradients` after each backward keeps Adam from moving them
    /// (zero gradient, zero moments: a zero step; weight decay would be the only other force).
    func zeroIDRows(_ nodes: [Int32]) {
        for c in channels {
            let w = c.idEmbedding.value.cols
            for n in nodes { for k in Int(n) * w..<(Int(n) + 1) * w { c.idEmbedding.value.data[k] = 0 } }
        }
    }

    func zeroIDGradients(_ nodes: [Int32]) {
        for c in channels {
            let w = c.idEmbedding.grad.cols
            for n in nodes { for k in Int(n) * w..<(Int(n) + 1) * w { c.idEmbedding.grad.data[k] = 0 } }
        }
    }
}
