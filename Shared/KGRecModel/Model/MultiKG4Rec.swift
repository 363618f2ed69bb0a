import KGRecTensor

/// Multi-KG4Rec (seed 001): per-modality layer 0 (projected content or ID embeddings), bi-directional
/// cross multi-head attention fusion over items' BFS sequences, knowledge-aware attentive
/// propagation with Bi-Interaction per modality, layer aggregation `e(0)‖e(1)‖…‖e(L)` per modality,
/// visual‖text, inner-product score; trained with BPR + L2 and TransR.
///
/// With `modalities == .none` it is KGAT: one ID-embedding channel, no fusion.
/// Every forward/backward runs over the whole graph (sparse CSR products + dense GEMMs, both cores).
public final class MultiKG4Rec: Recommender {
    public let config: ModelConfig

    // ---- dataset facts ----
    let itemCount: Int
    let userCount: Int
    let nodeCount: Int
    let userBase: Int32
    let graph: SparseGraph
    /// Edges grouped by relation (for the attention refresh).
    let relationIndex: RelationEdgeIndex

    // ---- layers ----
    let channels: [ModalityChannel]
    let fusion: FusionEncoder?

    // ---- training state ----
    /// Per channel, softmaxed attention `[E]` in CSR edge order (refreshed by `beginEpoch`).
    var attention: [[Float]] = []
    var optimizer: Adam
    var rng: Xoshiro256
    var training = false
    let allParameters: [Parameter]
    /// When set, every tape records per-op seconds into it (for `docs/model.md`-style profiles).
    public var profile: TapeProfile?

    /// - Parameters:
    ///   - graph: the collaborative KG (node and relation spaces of the contract).
    ///   - features: per-modality raw content; absent modalities or rows are normal.
    ///   - sequences: BFS sequences for fusion; built from `graph` with `config.sequenceLength` when nil.
    public init(config: ModelConfig, graph kg: CollaborativeKG, features: MultimodalFeatures,
                sequences: NeighbourSequences? = nil) throws {
        try config.validate()
        Memory.retainFreedPages()
        self.config = config
        itemCount = kg.itemCount
        userCount = kg.userCount
        nodeCount = kg.nodeCount
        userBase = Int32(kg.itemCount + kg.attributeCount)
        graph = SparseGraph(offsets: kg.headOffsets, tails: kg.tails, tailCount: kg.nodeCount)
        relationIndex = RelationEdgeIndex(heads: kg.heads, tails: kg.tails, relations: kg.relations,
                                          relationCount: kg.relationCount, nodeCount: kg.nodeCount)

        var rng = Xoshiro256(seed: config.seed)
        let names = config.channelNames
        channels = names.map { name in
            let f: ModalityFeatures? = name == "visual" ? features.visual : name == "text" ? features.text : nil
            return ModalityChannel(name: name, nodeCount: kg.nodeCount, relationCount: kg.relationCount,
                                   features: f, config: config, rng: &rng)
        }
        if config.modalities != .none && config.fusionBlocks > 0 && kg.itemCount > 0 {
            let seq = sequences ?? NeighbourSequences(graph: kg, length: config.sequenceLength)
            guard seq.itemCount == kg.itemCount else {
                throw ModelError("neighbour sequences cover \(seq.itemCount) items, graph has \(kg.itemCount)")
            }
            fusion = FusionEncoder(channels: names, sources: Self.sources(config), sequences: seq,
                                   config: config, rng: &rng)
        } else {
            fusion = nil
        }
        allParameters = channels.flatMap(\.parameters) + (fusion?.parameters ?? [])
        optimizer = Adam(learningRate: config.learningRate)
        self.rng = rng
        refreshAttention(dropEdges: false)
    }

    /// Streams each stream's queries attend to, by fusion direction (own stream first).
    static func sources(_ config: ModelConfig) -> [[Int]] {
        guard config.modalities == .both else { return [[0]] }
        switch config.fusion {
        case .bidirectional: return [[0, 1], [1, 0]]
        case .textToVisual: return [[0, 1], [1]]
        case .visualToText: return [[0], [1, 0]]
        case .none: return [[0], [1]]
        }
    }

    // MARK: forward

    /// Layer-0 tables `[N, d]` per channel, item rows replaced by the fused vectors.
    func fusedLayer0(_ tape: Tape) -> [Tape.Var] {
        let base = channels.map { $0.layer0(tape) }
        guard let fusion else { return base }
        let fused = fusion(tape, base)
        let items = (0..<Int32(itemCount)).map { $0 }
        return zip(base, fused).map { tape.replaceRows($0, items, with: $1) }
    }

    /// Per channel, the layer outputs used for aggregation: `[e(0), norm(e(1)), …, norm(e(L))]`,
    /// each `[N, d_l]`.
    func propagate(_ tape: Tape) -> [[Tape.Var]] {
        let e0 = fusedLayer0(tape)
        return channels.enumerated().map { c, channel in
            var outputs = [e0[c]]
            var e = e0[c]
            for layer in channel.layers {
                e = layer(tape, e, graph: graph, attention: attention[c])
                if training && config.messageDropout > 0 { e = tape.mask(e, dropoutMask(e)) }
                outputs.append(tape.l2NormalizeRows(e))
            }
            return outputs
        }
    }

    /// Final embeddings of `nodes [B]`: channels in order, each `e(0)‖…‖e(L)` → `[B, C·W]`.
    func finalEmbeddings(_ tape: Tape, _ layers: [[Tape.Var]], nodes: [Int32]) -> Tape.Var {
        tape.concatColumns(layers.flatMap { $0.map { tape.gatherRows($0, nodes) } })
    }

    /// Inverted-dropout mask `[rows, cols]`: 0 with probability p, else 1/(1−p). Generated in 64
    /// fixed chunks, each with its own generator seeded from the model's stream, in parallel: the
    /// mask depends on the seed only, not on the core count. Four 16-bit uniforms per 64-bit draw.
    func dropoutMask(_ v: Tape.Var) -> Matrix {
        let keep = 1 / (1 - config.messageDropout)
        let threshold = UInt64(config.messageDropout * 65536)
        let chunks = 64
        let seeds = (0..<chunks).map { _ in rng.next() }
        var m = Matrix(uninitializedRows: v.rows, cols: v.cols)
        let n = m.count
        m.data.withUnsafeMutableBufferPointer { buf in
            guard let out = buf.baseAddress else { return }
            Parallel.forRanges(chunks, grain: 1) { cs in
                for c in cs {
                    var g = Xoshiro256(seed: seeds[c])
                    var i = n * c / chunks
                    let end = n * (c + 1) / chunks
                    while i < end {
                        var bits = g.next()
                        for _ in 0..<4 where i < end {
                            out[i] = bits & 0xFFFF < threshold ? 0 : keep
                            bits >>= 16
                            i += 1
                        }
                    }
                }
            }
        }
        return m
    }

    // MARK: Recommender

    public func beginEpoch() {
        training = true
        refreshAttention(dropEdges: config.edgeDropout > 0)
    }

    /// Recomputes π per channel from the current fused layer-0 embeddings, without gradient;
    /// with `dropEdges`, a random `edgeDropout` fraction of edges gets zero weight this epoch.
    func refreshAttention(dropEdges: Bool) {
        let tape = Tape(profile: profile)
        let e0 = fusedLayer0(tape)
        var dropped: [Bool]? = nil
        if dropEdges {
            dropped = (0..<graph.edgeCount).map { _ in rng.unit() < config.edgeDropout }
        }
        attention = channels.enumerated().map { c, channel in
            var logits = channel.relations.attentionLogits(tape.value(e0[c]), index: relationIndex)
            if let dropped { for e in 0..<logits.count where dropped[e] { logits[e] = -.infinity } }
            return Kernels.segmentSoftmax(graph, logits)
        }
    }

    public func bprLossAndGradients(users: [Int32], positives: [Int32], negatives: [Int32]) -> Float {
        precondition(users.count == positives.count && users.count == negatives.count, "BPR batch shapes")
        let tape = Tape(profile: profile)
        let layers = propagate(tape)
        let u = finalEmbeddings(tape, layers, nodes: users.map { $0 + userBase })
        let i = finalEmbeddings(tape, layers, nodes: positives)
        let j = finalEmbeddings(tape, layers, nodes: negatives)
        let bpr = Losses.bpr(tape, positive: tape.rowDot(u, i), negative: tape.rowDot(u, j))
        let loss = tape.add(bpr, Losses.l2(tape, [u, i, j], lambda: config.l2, batch: users.count))
        tape.backward(from: loss)
        return tape.value(loss).data[0]
    }

    public func kgLossAndGradients(heads: [Int32], relations: [Int32], tails: [Int32],
                                   negativeTails: [Int32]) -> Float {
        precondition(heads.count == relations.count && heads.count == tails.count
                     && heads.count == negativeTails.count, "KG batch shapes")
        let tape = Tape(profile: profile)
        var total: Tape.Var? = nil
        for channel in channels {
            let e0 = channel.layer0(tape)
            let eh = tape.gatherRows(e0, heads), et = tape.gatherRows(e0, tails)
            let en = tape.gatherRows(e0, negativeTails)
            let er = tape.gatherRows(tape.parameter(channel.relations.embedding), relations)
            let w = tape.parameter(channel.relations.projection)
            let pos = channel.relations.score(tape, heads: eh, tails: et, relations: relations,
                                              relationEmbedding: er, projection: w)
            let neg = channel.relations.score(tape, heads: eh, tails: en, relations: relations,
                                              relationEmbedding: er, projection: w)
            var loss = Losses.transR(tape, positive: pos, negative: neg)
            loss = tape.add(loss, Losses.l2(tape, [eh, er, et, en], lambda: config.l2, batch: heads.count))
            total = total.map { tape.add($0, loss) } ?? loss
        }
        guard let total else { return 0 }
        tape.backward(from: total)
        return tape.value(total).data[0]
    }

    public func step() {
        optimizer.step(allParameters, skipUntouched: true)
    }

    /// Uses attention computed from the current parameters (no edge dropout), as `kgrec eval` and
    /// the serving stages do; the epoch's training attention is restored afterwards.
    public func inferenceEmbeddings() -> InferenceEmbeddings {
        let wasTraining = training
        let trainingAttention = attention
        training = false
        refreshAttention(dropEdges: false)
        defer { training = wasTraining; attention = trainingAttention }
        let tape = Tape(profile: profile)
        let layers = propagate(tape)
        let users = finalEmbeddings(tape, layers, nodes: (0..<Int32(userCount)).map { $0 + userBase })
        let items = finalEmbeddings(tape, layers, nodes: (0..<Int32(itemCount)).map { $0 })
        return InferenceEmbeddings(users: tape.value(users), items: tape.value(items),
                                   channels: config.channelNames.map { ($0, config.channelWidth) })
    }

    public func namedParameters() -> [(name: String, value: Matrix)] {
        allParameters.map { ($0.name, $0.value) }
    }

    public func loadParameters(_ tensors: [String: Matrix]) throws {
        for p in allParameters {
            guard let m = tensors[p.name] else { throw ModelError("checkpoint has no tensor '\(p.name)'") }
            guard m.rows == p.value.rows && m.cols == p.value.cols else {
                throw ModelError("tensor '\(p.name)' is [\(m.rows), \(m.cols)], model needs "
                                 + "[\(p.value.rows), \(p.value.cols)]")
            }
        }
        for p in allParameters { p.load(tensors[p.name]!) }
        refreshAttention(dropEdges: false)
    }
}
