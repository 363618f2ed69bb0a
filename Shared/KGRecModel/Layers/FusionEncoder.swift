import KGRecTensor

/// The multimodal fusion module: a stack of `FusionBlock`s over each item's BFS node sequence.
///
/// Input: one layer-0 table `[N, d]` per modality stream. For every item i, the sequence
/// `S_i` (n node ids, position 0 = the item; padding masked) is gathered from each table
/// (`[I·n, d]`), passed through the blocks, and the item's fused vector is position 0's output:
/// one `[I, d]` per stream.
///
/// Memory: the blocks' intermediates grow with I·n (about 40 `[I·n, d]` matrices per block and
/// stream). Up to `chunkRows` sequence rows everything stays on the caller's tape; above it the
/// module is checkpointed — the forward runs chunk by chunk on throwaway tapes keeping only the
/// `[I, d]` outputs, and the backward recomputes each chunk on a fresh tape and back-propagates
/// through it (about one extra forward pass of the fusion, memory bounded by one chunk).
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
    /// Sequence rows above which the module is checkpointed in chunks of this many rows.
    public var chunkRows = 16_384

    public init(channels: [String], sources: [[Int]], sequences: NeighbourSequences, config: ModelConfig,
                rng: inout Xoshiro256) {
        blocks = (0..<config.fusionBlocks).map {
            FusionBlock("fusion.block\($0)", channels: channels, width: config.embeddingSize,
                        ffnWidth: config.ffnSize, heads: config.heads, rng: &rng)
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

    /// tables: one `[N, d]` per stream → one `[I, d]` fused item table per stream.
    public func callAsFunction(_ tape: Tape, _ tables: [Tape.Var]) -> [Tape.Var] {
        if itemCount * length <= chunkRows {
            let rows = Array(sequenceNodes)
            return run(tape, tables.map { tape.gatherRows($0, rows) }, items: 0..<itemCount)
        }
        return checkpointed(tape, tables)
    }

    /// The blocks over the sequences of `items`; xs: per stream the gathered rows `[|items|·n, d]`.
    func run(_ tape: Tape, _ inputs: [Tape.Var], items: Range<Int>) -> [Tape.Var] {
        let s = items.count
        let mask = Array(keyMask[items.lowerBound * length..<items.upperBound * length])
        let first = (0..<s).map { Int32($0 * length) }
        var xs = inputs
        for (b, block) in blocks.enumerated() {
            xs = block(tape, xs, sequences: s, keyMask: mask, sources: sources,
                       queryRows: b == blocks.count - 1 ? first : nil)
        }
        return blocks.isEmpty ? xs.map { tape.gatherRows($0, first) } : xs
    }

    /// Chunked forward without stored intermediates; the backward recomputes each chunk.
    func checkpointed(_ tape: Tape, _ tables: [Tape.Var]) -> [Tape.Var] {
        let streams = tables.count, d = tables[0].cols
        let values = tables.map { tape.value($0) }
        let perChunk = max(1, chunkRows / length)
        let chunks = stride(from: 0, to: itemCount, by: perChunk).map { $0..<min($0 + perChunk, itemCount) }
        func rows(_ items: Range<Int>) -> [Int32] {
            Array(sequenceNodes[items.lowerBound * length..<items.upperBound * length])
        }
        // Forward: outputs side by side, [I, C·d].
        var out = Matrix(rows: itemCount, cols: streams * d)
        for items in chunks {
            let sub = Tape()
            let idx = rows(items)
            let ys = run(sub, values.map { sub.constant(Kernels.gatherRows($0, idx)) }, items: items)
            for (c, y) in ys.enumerated() {
                let v = sub.value(y)
                for r in 0..<items.count {
                    for k in 0..<d { out.data[(items.lowerBound + r) * streams * d + c * d + k] = v.data[r * d + k] }
                }
            }
        }
        let profile = tape.profile
        let joint = tape.custom(out, inputs: tables) { t, dy in
            var grads = tables.map { Matrix(rows: $0.rows, cols: $0.cols) }
            for items in chunks {
                let sub = Tape(profile: profile)
                let idx = rows(items)
                let leaves = values.map { sub.variable(Kernels.gatherRows($0, idx)) }
                let ys = self.run(sub, leaves, items: items)
                // Σ_c Σ y_c ⊙ dy_c: its gradient w.r.t. y_c is dy_c.
                var total: Tape.Var? = nil
                for (c, y) in ys.enumerated() {
                    var g = Matrix(rows: items.count, cols: d)
                    for r in 0..<items.count {
                        for k in 0..<d { g.data[r * d + k] = dy.data[(items.lowerBound + r) * streams * d + c * d + k] }
                    }
                    let term = sub.sum(sub.mask(y, g))
                    total = total.map { sub.add($0, term) } ?? term
                }
                guard let total else { continue }
                sub.backward(from: total)  // fusion parameters' gradients land in Parameter.grad
                for c in 0..<streams { Kernels.scatterAddRows(sub.gradient(leaves[c]), idx, into: &grads[c]) }
            }
            for c in 0..<streams { t.accumulate(tables[c], grads[c]) }
        }
        return (0..<streams).map { tape.sliceColumns(joint, $0 * d..<($0 + 1) * d) }
    }
}
