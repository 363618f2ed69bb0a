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
    public func propagate(items: [Matrix], graph g: ServingGraph) throws -> Propagation {
        let d = embeddingSize, kg = g.graph
        guard items.count == channelNames.count, items.allSatisfy({ $0.rows == g.itemCount && $0.cols == d }) else {
            throw ServingInputError(.wrongShape, item: nil, "propagate needs \(channelNames.count) item tables of [\(g.itemCount), \(d)], got "
                                                            + "\(items.map { "[\($0.rows), \($0.cols)]" })")
        }
        let sparse = SparseGraph(offsets: kg.headOffsets, tails: kg.tails, tailCount: kg.nodeCount)
        let index = RelationEdgeIndex(heads: kg.heads, tails: kg.tails, relations: kg.relations,
                                      relationCount: kg.relationCount, nodeCount: kg.nodeCount)
        let tape = Tape()
        var attention: [[Float]] = []
        var blocks: [Tape.Var] = []
        for (c, channel) in model.channels.enumerated() {
            var e0 = Matrix(rows: kg.nodeCount, cols: d)
            for n in 0..<kg.nodeCount {
                let src: (Matrix, Int)
                if n < g.itemCount { src = (items[c], n) } else {
                    let t = g.trainedNode(Int32(n))
                    if t < 0 { continue }
                    src = (layer0[c], Int(t))
                }
                for j in 0..<d { e0.data[n * d + j] = src.0.data[src.1 * d + j] }
            }
            if config.aggregator == .gatJK {  // attention from the layers themselves (α of layer 1 reported)
                let gat = channel.gatPropagate(tape, tape.constant(e0), graph: sparse, edgeRelations: kg.relations,
                                               dropped: nil, dropout: nil)
                attention.append(gat.attention)
                blocks += gat.outputs
                continue
            }
            let logits = channel.relations.attentionLogits(e0, index: index)
            let pi = Kernels.segmentSoftmax(sparse, logits)
            attention.append(pi)
            var e = tape.constant(e0)
            var outputs = [e]
            for layer in channel.layers {
                e = layer(tape, e, graph: sparse, attention: pi)
                outputs.append(tape.l2NormalizeRows(e))
            }
            blocks += outputs
        }
        let users = (0..<Int32(g.userCount)).map { Int32(g.userNode(Int($0))) }
        let items = (0..<Int32(g.itemCount)).map { $0 }
        let u = tape.concatColumns(blocks.map { tape.gatherRows($0, users) })
        let i = tape.concatColumns(blocks.map { tape.gatherRows($0, items) })
        let embeddings = InferenceEmbeddings(users: tape.value(u), items: tape.value(i),
                                             channels: channelNames.map { ($0, channelWidth) })
        return Propagation(embeddings: embeddings, attention: attention)
    }

    /// Both stages on the trained graph in-process: equals `MultiKG4Rec.inferenceEmbeddings()` of
    /// the restored model (within float rounding).
    public func inferenceEmbeddings() throws -> Propagation {
        let g = trainedGraph()
        return try propagate(items: itemLayer0(encode((0..<g.itemCount).map { .known(item: $0) })), graph: g)
    }
}
