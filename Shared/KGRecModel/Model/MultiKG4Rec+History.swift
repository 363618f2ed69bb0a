import KGRecTensor

/// History-mode propagation (`PropagationMode.history`, GNNAutoScale-style): the cost of a BPR batch
/// depends on the batch and its 1-hop neighbourhood, not on the graph.
///
/// For the batch's distinct nodes T (users, positives, negatives) and V = T ∪ N(T) ∪ the sequence
/// nodes of the batch's items, per channel:
/// - layer 0 `[|V|, d]` on the tape for V only (ID rows row-sparse, content projected for V's
///   featured nodes, the batch's items fused — all, or a `fusionSample` of them, the rest being
///   their own rows + the cached `fusedDeltas` — other items' rows from the `fusedItems` cache);
/// - layer l for T only: `e_l(T) = BI(e_{l−1}(T), Σ_{(t,r,n)} π e_{l−1}(n))`, with e_{l−1}(n) on the
///   tape for n ∈ T (and for every n at l = 1) and from the history table `history[c][l−2]`
///   (a constant) for n ∉ T at l ≥ 2;
/// - the fresh `e_l(T)` rows (before dropout) are written back into the tables.
/// While the tables are fresh (right after `beginEpoch`, dropout 0) the forward equals `.full`'s
/// exactly; gradients stop at the tables (neighbours outside T get gradient only through layer 0).
extension MultiKG4Rec {
    /// Per channel, e(1)…e(L−1) `[N, d_l]` of every node from layer 0 `e0` (one `[N, d]` per channel)
    /// and the current attention, without tape or dropout.
    func historyTables(layer0 e0: [Matrix]) -> [[Matrix]] {
        channels.enumerated().map { c, channel in
            var tables: [Matrix] = []
            var e = e0[c]
            for layer in channel.layers.dropLast() {
                e = layer.infer(e, graph: graph, attention: attention[c])
                tables.append(e)
            }
            return tables
        }
    }

    /// The batch's node list and its 1-hop block.
    struct HistoryBlock {
        /// `[|V|]` global node ids: T first (`targetCount` of them), then T's neighbours, then the
        /// remaining sequence nodes of the batch's items.
        var nodes: [Int32] = []
        var targetCount = 0
        /// Edges of T: `offsets [|T|+1]`, `tails` local rows in `nodes`, `edges` global edge ids.
        var offsets: [Int32] = [0]
        var tails: [Int32] = []
        var edges: [Int32] = []
        /// `[B_items·n]` local rows of the batch items' sequence nodes (fusion input).
        var sequenceRows: [Int32] = []
    }

    /// Builds V and T's edges; `batchSlot` maps global → local while building and is reset after.
    func historyBlock(targets: [Int32], items: [Int32]) -> HistoryBlock {
        if batchSlot.isEmpty { batchSlot = [Int32](repeating: -1, count: nodeCount) }
        var b = HistoryBlock()
        func local(_ n: Int32) -> Int32 {
            if batchSlot[Int(n)] < 0 { batchSlot[Int(n)] = Int32(b.nodes.count); b.nodes.append(n) }
            return batchSlot[Int(n)]
        }
        for t in targets { _ = local(t) }
        b.targetCount = b.nodes.count
        for t in targets {
            for e in Int(graph.offsets[Int(t)])..<Int(graph.offsets[Int(t) + 1]) {
                b.tails.append(local(graph.tails[e]))
                b.edges.append(Int32(e))
            }
            b.offsets.append(Int32(b.tails.count))
        }
        if let fusion { b.sequenceRows = fusion.sequenceRows(items).map(local) }
        for n in b.nodes { batchSlot[Int(n)] = -1 }
        return b
    }

    /// Final embeddings `[B, C·W]` of users, positives and negatives in history mode.
    func historyBatch(_ tape: Tape, users: [Int32], positives: [Int32],
                      negatives: [Int32]) -> (Tape.Var, Tape.Var, Tape.Var) {
        precondition(history.count == channels.count, "history mode needs beginEpoch() first")
        let userNodes = users.map { $0 + userBase }
        let items = Self.distinctSorted(positives + negatives)
        let sample = fusionSample(items)
        let targets = Self.distinctSorted(userNodes + items)
        let block = historyBlock(targets: targets, items: sample.fused)
        let tCount = block.targetCount, vCount = block.nodes.count
        let graph = SparseGraph(offsets: block.offsets, tails: block.tails, tailCount: vCount)  // [T] ← [V]
        let selfRows = (0..<Int32(tCount)).map { $0 }
        let outside = Array(block.nodes[tCount...])  // V \ T, in local order
        // Layer 0 on V per channel.
        var e0 = channels.map { $0.layer0Rows(tape, block.nodes) }
        if fusion != nil {
            var itemAt: [Int32] = [], cachedAt: [Int32] = [], otherAt: [Int32] = [], otherIds: [Int32] = []
            var isFused = Set(sample.fused), isCached = Set(sample.cached)
            for (k, n) in block.nodes.enumerated() where Int(n) < itemCount {
                if isFused.remove(n) != nil { itemAt.append(Int32(k)) }
                else if isCached.remove(n) != nil { cachedAt.append(Int32(k)) }
                else { otherAt.append(Int32(k)); otherIds.append(n) }
            }
            // Item ids are below every user node, so the batch's items are T's first rows, in
            // `items` order: itemAt[k] is the row of sample.fused[k], as fused[c]'s row k, and
            // cachedAt[k] the row of sample.cached[k].
            let fused = weighted(tape, fusion!(tape, e0, items: sample.fused, rows: block.sequenceRows), sample.weight)
            let cachedRows = sample.cached.isEmpty ? [] : cachedFusionRows(tape, e0, at: cachedAt, cached: sample.cached)
            e0 = e0.indices.map { c in
                var t = e0[c]
                if !otherAt.isEmpty {
                    t = tape.replaceRows(t, otherAt, with: tape.constant(Kernels.gatherRows(fusedItems[c], otherIds)))
                }
                if !cachedAt.isEmpty { t = tape.replaceRows(t, cachedAt, with: cachedRows[c]) }
                return tape.replaceRows(t, itemAt, with: tape.add(tape.gatherRows(e0[c], itemAt), fused[c]))
            }
        }
        var blocks: [Tape.Var] = []
        for (c, channel) in channels.enumerated() {
            let weights = block.edges.map { attention[c][Int($0)] }
            var own = tape.gatherRows(e0[c], selfRows)  // e(l−1) of T, [|T|, d_{l−1}]
            var outputs = [own]
            for (l, layer) in channel.layers.enumerated() {
                let table = l == 0 ? e0[c]
                    : tape.concatSequences(own, tape.constant(Kernels.gatherRows(history[c][l - 1], outside)), sequences: 1)
                var e = layer(tape, own, neighbours: tape.spmm(graph, weights: weights, table))
                if l < history[c].count { writeHistory(c, l, rows: targets, tape.value(e)) }
                if training && config.messageDropout > 0 { e = tape.mask(e, dropoutMask(e)) }
                outputs.append(tape.l2NormalizeRows(e))
                own = e
            }
            blocks += outputs
        }
        // Local rows of the batch's nodes (targets are the first |T| rows, in `targets` order).
        func rows(_ ids: [Int32]) -> [Int32] {
            ids.map { n in
                var lo = 0, hi = targets.count
                while lo < hi { let mid = (lo + hi) >> 1; if targets[mid] < n { lo = mid + 1 } else { hi = mid } }
                return Int32(lo)
            }
        }
        func final(_ ids: [Int32]) -> Tape.Var {
            let r = rows(ids)
            return tape.concatColumns(blocks.map { tape.gatherRows($0, r) })
        }
        return (final(userNodes), final(positives), final(negatives))
    }

    /// history[c][l] rows `rows [T]` ← value `[T, d_{l+1}]`.
    func writeHistory(_ c: Int, _ l: Int, rows: [Int32], _ value: Matrix) {
        let d = value.cols
        history[c][l].data.withUnsafeMutableBufferPointer { h in
            value.data.withUnsafeBufferPointer { v in
                for (k, n) in rows.enumerated() {
                    (h.baseAddress! + Int(n) * d).update(from: v.baseAddress! + k * d, count: d)
                }
            }
        }
    }
}
