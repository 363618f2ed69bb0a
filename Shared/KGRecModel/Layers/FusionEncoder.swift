import KGRecTensor

/// The multimodal fusion module: a stack of `FusionBlock`s over each item's BFS node sequence.
///
/// Input: one layer-0 table `[N, d]` per modality stream. For every requested item i (all items,
/// or a training batch's), the sequence `S_i` (n node ids, position 0 = the item; padding masked)
/// is gathered from each table (`[B·n, d]`), passed through the blocks, and the item's fused vector
/// is position 0's output: one `[B, d]` per stream. `infer` fuses every item without gradient.
///
/// Memory: the blocks' intermediates grow with B·n; `tapeBytesPerRow` is what they store per
/// sequence row (measured on a probe tape, about 20 KB at d 64, two streams, three blocks). A training
/// batch keeps at most `tapeBudget` bytes of them: when all its rows fit, everything stays on the
/// caller's tape (no recomputation); otherwise the first half of the budget's worth of items stays
/// on the tape and the rest is checkpointed in chunks of the same size — the forward runs them on
/// throwaway tapes keeping only the `[B, d]` outputs, and the backward recomputes each chunk on a
/// fresh tape and back-propagates through it (an extra forward pass over the checkpointed items
/// only; at most the kept half plus one chunk alive at once).
public final class FusionEncoder {
    public let blocks: [FusionBlock]
    /// `[I·n]` node ids, padding replaced by the sequence's item (masked out as keys).
    public let sequenceNodes: [Int32]
    /// `[I·n]` true at valid positions.
    public let keyMask: [Bool]
    public let itemCount: Int
    public let length: Int
    /// Which streams each stream's queries attend to (own first).
    public let sources: [[Int]]
    /// The default `tapeBudget`: 1.5 GiB, so a batch of 4,096 pairs (at most 8,192 items, 65,536
    /// sequence rows at n 8, about 1.1 GB at d 64) stays on the tape whole. `TrainingMemory` counts it.
    public static let defaultTapeBudget = 3 << 29
    /// The stated memory bound for the fusion's intermediates in one training batch, in bytes.
    public var tapeBudget = FusionEncoder.defaultTapeBudget
    /// Sequence rows per chunk of `infer` (forward only, throwaway tapes).
    public var inferChunkRows = 16_384
    /// Sequence rows the checkpointed backward passes have recomputed since creation (a counter for
    /// tests and benchmarks: zero while every batch fits `tapeBudget`).
    public private(set) var recomputedRows = 0

    /// - Parameter outputScale: the initial γ of the last block's final LayerNorm, i.e. the initial
    ///   scale of the fused vectors (a LayerNorm with γ = 1 outputs rows of norm ≈ √d).
    public init(channels: [String], sources: [[Int]], sequences: NeighbourSequences, config: ModelConfig,
                outputScale: Float = 1, rng: inout Xoshiro256) {
        blocks = (0..<config.fusionBlocks).map {
            FusionBlock("fusion.block\($0)", channels: channels, width: config.embeddingSize,
                        ffnWidth: config.ffnSize, heads: config.heads, rng: &rng)
        }
        for stream in blocks.last?.streams ?? [] {
            stream.norm2.gamma.load(Matrix(rows: 1, cols: config.embeddingSize, repeating: outputScale))
        }
        itemCount = sequences.itemCount
        length = sequences.length
        var nodes = sequences.nodes, mask = [Bool](repeating: false, count: nodes.count)
        for i in 0..<itemCount {
            for p in 0..<length {
                let k = i * length + p
                if p < Int(sequences.counts[i]) && nodes[k] >= 0 { mask[k] = true } else { nodes[k] = Int32(i) }
            }
        }
        sequenceNodes = nodes
        keyMask = mask
        self.sources = sources
    }

    public var parameters: [Parameter] { blocks.flatMap(\.parameters) }

    /// tables: one `[N, d]` per stream → one `[B, d]` fused table per stream, row k = item
    /// `items[k]` (`[B]` distinct item ids; all items `0..<I` in order when nil).
    /// Cost and memory grow with B·n, not with the catalogue. `rows` (`[B·n]`): where each sequence
    /// position's node is in `tables` — by default `sequenceRows(items)`, the node ids, for `[N, d]`
    /// tables; a batch passes its own local tables and their row of each sequence node.
    public func callAsFunction(_ tape: Tape, _ tables: [Tape.Var], items: [Int32]? = nil,
                               rows: [Int32]? = nil) -> [Tape.Var] {
        let items = items ?? (0..<Int32(itemCount)).map { $0 }
        let rows = rows ?? sequenceRows(items)
        precondition(rows.count == items.count * length, "fusion rows must be [B·n]")
        let fitting = tapeBudget / max(1, tapeBytesPerRow * length)
        if items.count <= fitting {
            return run(tape, tables.map { tape.gatherRows($0, rows) }, items: items)
        }
        let kept = max(1, fitting / 2), split = kept * length
        let head = run(tape, tables.map { tape.gatherRows($0, Array(rows[..<split])) }, items: Array(items[..<kept]))
        let tail = checkpointed(tape, tables, items: Array(items[kept...]), rows: Array(rows[split...]), perChunk: kept)
        return zip(head, tail).map { tape.concatSequences($0, $1, sequences: 1) }
    }

    /// Bytes the blocks store on a tape per sequence row (all blocks and streams; values and the
    /// tensors ops keep for their backward), measured once: a probe tape's `storedBytes` for two
    /// sequences minus that for one, over n.
    public private(set) lazy var tapeBytesPerRow: Int = {
        guard let first = blocks.first, let width = first.streams.first?.query.weight.value.rows else { return 1 }
        func stored(_ s: Int) -> Int {
            let t = Tape()
            let inputs = first.streams.map { _ in t.variable(Matrix(rows: s * length, cols: width)) }
            _ = run(t, inputs, items: [Int32](repeating: 0, count: s))
            return t.storedBytes
        }
        return max(1, (stored(2) - stored(1)) / length)
    }()

    /// The fused vectors of every item without gradient: tables one `[N, d]` per stream → one
    /// `[I, d]` per stream, computed chunk by chunk on throwaway tapes (memory bounded by one chunk).
    public func infer(_ tables: [Matrix]) -> [Matrix] {
        let d = tables.first?.cols ?? 0
        var out = tables.map { _ in Matrix(rows: itemCount, cols: d) }
        for items in chunks((0..<Int32(itemCount)).map { $0 }, perChunk: max(1, inferChunkRows / length)) {
            let sub = Tape()
            let idx = sequenceRows(items)
            let ys = run(sub, tables.map { sub.constant(Kernels.gatherRows($0, idx)) }, items: items)
            for (c, y) in ys.enumerated() {
                let start = Int(items[0]) * d
                out[c].data.replaceSubrange(start..<start + items.count * d, with: sub.value(y).data)
            }
        }
        return out
    }

    /// `[B·n]` layer-0 rows of the sequences of `items`.
    func sequenceRows(_ items: [Int32]) -> [Int32] {
        var rows: [Int32] = []
        rows.reserveCapacity(items.count * length)
        for i in items { rows += sequenceNodes[Int(i) * length..<(Int(i) + 1) * length] }
        return rows
    }

    /// `items` split into runs of at most `perChunk` items.
    func chunks(_ items: [Int32], perChunk: Int) -> [[Int32]] {
        return stride(from: 0, to: items.count, by: perChunk).map { Array(items[$0..<min($0 + perChunk, items.count)]) }
    }

    /// The blocks over the sequences of `items`; inputs: per stream the gathered rows `[B·n, d]`.
    func run(_ tape: Tape, _ inputs: [Tape.Var], items: [Int32]) -> [Tape.Var] {
        let s = items.count
        var mask: [Bool] = []
        mask.reserveCapacity(s * length)
        for i in items { mask += keyMask[Int(i) * length..<(Int(i) + 1) * length] }
        let first = (0..<s).map { Int32($0 * length) }
        var xs = inputs
        for (b, block) in blocks.enumerated() {
            xs = block(tape, xs, sequences: s, keyMask: mask, sources: sources,
                       queryRows: b == blocks.count - 1 ? first : nil)
        }
        return blocks.isEmpty ? xs.map { tape.gatherRows($0, first) } : xs
    }

    /// Chunked forward without stored intermediates; the backward recomputes each chunk.
    func checkpointed(_ tape: Tape, _ tables: [Tape.Var], items: [Int32], rows: [Int32], perChunk: Int) -> [Tape.Var] {
        let streams = tables.count, d = tables[0].cols
        let values = tables.map { tape.value($0) }
        let parts = chunks(items, perChunk: perChunk)
        // Forward: outputs side by side, [B, C·d].
        var out = Matrix(rows: items.count, cols: streams * d)
        var offset = 0
        for part in parts {
            let sub = Tape()
            let idx = Array(rows[offset * length..<(offset + part.count) * length])
            let ys = run(sub, values.map { sub.constant(Kernels.gatherRows($0, idx)) }, items: part)
            for (c, y) in ys.enumerated() {
                let v = sub.value(y)
                for r in 0..<part.count {
                    for k in 0..<d { out.data[(offset + r) * streams * d + c * d + k] = v.data[r * d + k] }
                }
            }
            offset += part.count
        }
        let profile = tape.profile
        let joint = tape.custom(out, inputs: tables) { t, dy in
            var grads = tables.map { Matrix(rows: $0.rows, cols: $0.cols) }
            var offset = 0
            for part in parts {
                let sub = Tape(profile: profile)
                let idx = Array(rows[offset * self.length..<(offset + part.count) * self.length])
                let leaves = values.map { sub.variable(Kernels.gatherRows($0, idx)) }
                let ys = self.run(sub, leaves, items: part)
                // Σ_c Σ y_c ⊙ dy_c: its gradient w.r.t. y_c is dy_c.
                var total: Tape.Var? = nil
                for (c, y) in ys.enumerated() {
                    var g = Matrix(rows: part.count, cols: d)
                    for r in 0..<part.count {
                        for k in 0..<d { g.data[r * d + k] = dy.data[(offset + r) * streams * d + c * d + k] }
                    }
                    let term = sub.sum(sub.mask(y, g))
                    total = total.map { sub.add($0, term) } ?? term
                }
                offset += part.count
                self.recomputedRows += part.count * self.length
                guard let total else { continue }
                sub.backward(from: total)  // fusion parameters' gradients land in Parameter.grad
                for c in 0..<streams { Kernels.scatterAddRows(sub.gradient(leaves[c]), idx, into: &grads[c]) }
            }
            for c in 0..<streams { t.accumulate(tables[c], grads[c]) }
        }
        return (0..<streams).map { tape.sliceColumns(joint, $0 * d..<($0 + 1) * d) }
    }
}
