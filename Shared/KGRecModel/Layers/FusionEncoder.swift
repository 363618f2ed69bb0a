import KGRecTensor

/// The multimodal fusion module: a stack of `FusionBlock`s over each item's BFS node sequence.
///
/// Input: one layer-0 table `[N, d]` per modality stream. For every item i, the sequence
/// `S_i` (n node ids, position 0 = the item; padding masked) is gathered from each table
/// (`[I·n, d]`), passed through the blocks, and the item's fused vector is position 0's output:
/// one `[I, d]` per stream.
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
        var xs = tables.map { tape.gatherRows($0, sequenceNodes) }
        let first = (0..<itemCount).map { Int32($0 * length) }
        for (b, block) in blocks.enumerated() {
            let last = b == blocks.count - 1
            xs = block(tape, xs, sequences: itemCount, keyMask: keyMask, sources: sources,
                       queryRows: last ? first : nil)
        }
        return blocks.isEmpty ? xs.map { tape.gatherRows($0, first) } : xs
    }
}
