import KGRecTensor

/// The graph stage's result: final embeddings and the attention used to compute them.
public struct Propagation: Sendable {
    /// Users `[U', C·W]` and items `[I', C·W]` (channels in order, each `e(0)‖…‖e(L)`), exactly as
    /// `MultiKG4Rec.inferenceEmbeddings()` lays them out.
    public var embeddings: InferenceEmbeddings
    /// Per channel, the softmaxed knowledge-aware attention π `[E]` in the graph's edge order.
    public var attention: [[Float]]
}

extension ServingModel {
    /// Fused item rows per channel `[I', d]` from encoder-stage outputs (one per item, in order).
    public func itemLayer0(_ items: [FusedItem]) throws -> [Matrix] {
        let d = embeddingSize, c = channelNames.count
        var out = [Matrix](repeating: Matrix(rows: items.count, cols: d), count: c)
        for (i, item) in items.enumerated() {
            guard item.channels.count == c, item.channels.allSatisfy({ $0.count == d }) else {
                throw ServingInputError(.wrongShape, item: i, "expected \(c) fused vectors of \(d) values, got "
                                                              + "\(item.channels.map(\.count))")
            }
            for ch in 0..<c { for j in 0..<d { out[ch].data[i * d + j] = item.channels[ch][j] } }
        }
        return out
    }

    /// The trained graph with no additions.
    public func trainedGraph() -> ServingGraph {
        ServingGraph(dataset: dataset, sequenceLength: sequenceLength)
    }

    /// The dataset's fusion sequences when they are the model's length (the encoder then knows every
    /// trained item's sequence), else nil.
    public var trainedSequences: NeighbourSequences? {
        dataset.sequences.length == sequenceLength ? dataset.sequences : nil
    }

    /// The encoder inputs of every trained item on the unchanged trained graph: what a graph service
    /// asks the encoders for at start without additions, and what `FusedItemTable` stores encoded.
    public func trainedItemInputs() -> [EncodeInput] {
        trainedGraph().encodeInputs(raw: [], trained: trainedSequences)
    }

    /// The graph stage. `items`: per channel the fused layer-0 rows of every item of `graph`
    /// (`[I', d]`, from `itemLayer0(encode(...))`). Layer 0 `[N', d]` takes those item rows, the
    /// trained layer-0 rows of attributes and trained users, and zeros for new users (they have no
    /// trained ID embedding: their embedding comes from their neighbours from layer 1 on). Then per
    /// channel: π recomputed from layer 0 (as `refreshAttention(dropEdges: false)`), the
    /// Bi-Interaction layers `[N', d_l]`, L2-normalised outputs, aggregation, and the user/item rows.
    ///
    /// The Bi-Interaction layers run without a tape (`infer`, the kernels the tape ops call), and
    /// each layer's user and item rows are copied into the result as soon as it is computed, so
    /// besides the result only one channel's layer 0, π and the current layer are alive at a time.
    public func propagate(items: [Matrix], graph g: ServingGraph) throws -> Propagation {
        let d = embeddingSize, kg = g.graph
        guard items.count == channelNames.count, items.allSatisfy({ $0.rows == g.itemCount && $0.cols == d }) else {
            throw ServingInputError(.wrongShape, item: nil, "propagate needs \(channelNames.count) item tables of [\(g.itemCount), \(d)], got "
                                                            + "\(items.map { "[\($0.rows), \($0.cols)]" })")
        }
        let sparse = SparseGraph(offsets: kg.headOffsets, tails: kg.tails, tailCount: kg.nodeCount)
        let index = RelationEdgeIndex(heads: kg.heads, tails: kg.tails, relations: kg.relations,
                                      relationCount: kg.relationCount, nodeCount: kg.nodeCount)
        let userNodes = (0..<g.userCount).map { Int32(g.userNode($0)) }
        let itemNodes = (0..<Int32(g.itemCount)).map { $0 }
        let width = channelNames.count * channelWidth
        var users = Matrix(rows: userNodes.count, cols: width), itemRows = Matrix(rows: itemNodes.count, cols: width)
        var column = 0
        func aggregate(_ block: Matrix) {
            Self.copyRows(block, userNodes, into: &users, column: column)
            Self.copyRows(block, itemNodes, into: &itemRows, column: column)
            column += block.cols
        }
        var attention: [[Float]] = []
        for (c, channel) in model.channels.enumerated() {
            let e0 = layer0(channel: c, items: items[c], graph: g)
            if config.aggregator == .gatJK {  // attention from the layers themselves (α of layer 1 reported)
                let tape = Tape()
                let gat = channel.gatPropagate(tape, tape.constant(e0), graph: sparse, edgeRelations: kg.relations,
                                               dropped: nil, dropout: nil)
                attention.append(gat.attention)
                for o in gat.outputs { aggregate(tape.value(o)) }
                continue
            }
            let pi = Kernels.segmentSoftmax(sparse, channel.relations.attentionLogits(e0, index: index))
            attention.append(pi)
            aggregate(e0)
            var e = e0
            for layer in channel.layers {
                e = layer.infer(e, graph: sparse, attention: pi)
                var normalized = e
                _ = Kernels.l2NormalizeRows(&normalized)
                aggregate(normalized)
            }
        }
        let embeddings = InferenceEmbeddings(users: users, items: itemRows, channels: channelNames.map { ($0, channelWidth) })
        return Propagation(embeddings: embeddings, attention: attention)
    }

    /// Channel `c`'s layer 0 on graph `g` `[N', d]`: the item rows from `items` `[I', d]`, the trained
    /// layer-0 rows of attributes and trained users, zeros for new users.
    func layer0(channel c: Int, items: Matrix, graph g: ServingGraph) -> Matrix {
        let d = embeddingSize, nodes = g.graph.nodeCount
        var e0 = Matrix(rows: nodes, cols: d)
        for n in 0..<nodes {
            let src: (Matrix, Int)
            if n < g.itemCount { src = (items, n) } else {
                let t = g.trainedNode(Int32(n))
                if t < 0 { continue }
                src = (layer0[c], Int(t))
            }
            for j in 0..<d { e0.data[n * d + j] = src.0.data[src.1 * d + j] }
        }
        return e0
    }

    /// Rows `index` of `block` `[N, w]` into columns `column..<column + w` of `out` `[index.count, D]`.
    static func copyRows(_ block: Matrix, _ index: [Int32], into out: inout Matrix, column: Int) {
        let w = block.cols, total = out.cols
        precondition(out.rows == index.count && column + w <= total, "copyRows shape mismatch")
        block.data.withUnsafeBufferPointer { bp in
            out.data.withUnsafeMutableBufferPointer { op in
                guard let B = bp.baseAddress, let O = op.baseAddress else { return }
                Parallel.forRanges(index.count, grain: 4096) { rows in
                    for r in rows { (O + r * total + column).update(from: B + Int(index[r]) * w, count: w) }
                }
            }
        }
    }

    /// Both stages on the trained graph in-process: equals `MultiKG4Rec.inferenceEmbeddings()` of
    /// the restored model (within float rounding).
    public func inferenceEmbeddings() throws -> Propagation {
        let g = trainedGraph()
        return try propagate(items: itemLayer0(encode((0..<g.itemCount).map { .known(item: $0) })), graph: g)
    }
}
