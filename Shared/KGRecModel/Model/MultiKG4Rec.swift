import KGRecTensor

/// Multi-KG4Rec (seed 001): per-modality layer 0 (projected content or ID embeddings), bi-directional
/// cross multi-head attention fusion over items' BFS sequences, knowledge-aware attentive
/// propagation with Bi-Interaction per modality, layer aggregation `e(0)‖e(1)‖…‖e(L)` per modality,
/// visual‖text, inner-product score; trained with BPR + L2 and TransR.
///
/// With `modalities == .none` it is KGAT: one ID-embedding channel, no fusion.
/// Training propagation (`PropagationMode`): `.full` runs over the whole graph on the tape (sparse
/// CSR products + dense GEMMs, both cores); `.history` computes a BPR batch's layers for its own
/// nodes from per-epoch history tables (`MultiKG4Rec+History.swift`). Either way a BPR batch fuses
/// only its own items on the tape, the other items' fused rows come from `fusedItems` (refreshed
/// with the attention, once per epoch); inference fuses every item afresh and propagates exactly.
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
    /// `[E]` relation of each edge in CSR order (GAT-JK attention).
    let edgeRelations: [Int32]

    // ---- layers ----
    let channels: [ModalityChannel]
    let fusion: FusionEncoder?

    // ---- training state ----
    /// Per channel, softmaxed attention `[E]` in CSR edge order (refreshed by `beginEpoch`).
    var attention: [[Float]] = []
    /// `[E]` edges dropped this epoch (`edgeDropout`), nil when none (GAT-JK reads it per batch).
    var droppedEdges: [Bool]? = nil
    /// Per channel, every item's fused layer-0 vector `[I, d]` without gradient, from the parameters
    /// of the last refresh (with the attention). A BPR batch fuses its own items on the tape and
    /// reads every other item's row from here. Empty without fusion.
    var fusedItems: [Matrix] = []
    /// Per channel, every item's fused vector without its own layer-0 row `[I, d]` (`fusedItems`
    /// minus that row, same refresh); kept only while batches can sample their fused items
    /// (`samplesFusion`): a batch item not in the sample gets its live layer-0 row plus this.
    var fusedDeltas: [Matrix] = []
    /// Items a BPR batch fuses on the tape; 0 = all of them (set by the trainer).
    var fusionItemsPerBatch = 0
    /// Fuse every item on the tape in each BPR batch (the whole-catalogue reference path, for tests).
    var fuseWholeCatalogue = false
    /// How BPR batches propagate (set by the trainer).
    var propagation: PropagationMode = .full
    /// History mode: per channel, layer outputs `e(l)` (before normalisation and dropout) of every
    /// node for l = 1…L−1, `[N, d_l]` each; computed by `beginEpoch`, the batch's own rows written
    /// back after each BPR batch. Empty in `.full` mode.
    var history: [[Matrix]] = []
    /// `[N]` scratch: a node's position in the current batch's node list, −1 otherwise.
    var batchSlot: [Int32] = []
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
    ///   - refreshing: fuse every item and compute π now (training needs it before its first batch;
    ///     the serving stages compute their own, so `ServingModel.load` skips it).
    public init(config: ModelConfig, graph kg: CollaborativeKG, features: MultimodalFeatures,
                sequences: NeighbourSequences? = nil, refreshing: Bool = true) throws {
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
        edgeRelations = kg.relations

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
                throw ModelError(.inconsistent, "neighbour sequences cover \(seq.itemCount) items, graph has \(kg.itemCount)")
            }
            // Fused vectors start at the ID embeddings' scale (Xavier std of the `[N, d]` table): with
            // the LayerNorm's usual γ = 1 they would be ~100× every other layer-0 row, which
            // multiplies the score's sensitivity to user embeddings and overfits within a few epochs.
            let idScale = (2 / Float(kg.nodeCount + config.embeddingSize)).squareRoot()
            fusion = FusionEncoder(channels: names, sources: Self.sources(config), sequences: seq,
                                   config: config, outputScale: idScale, rng: &rng)
        } else {
            fusion = nil
        }
        allParameters = channels.flatMap(\.parameters) + (fusion?.parameters ?? [])
        optimizer = Adam(learningRate: config.learningRate, weightDecay: config.weightDecay)
        self.rng = rng
        if refreshing { refreshAttention(dropEdges: false) }
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
        guard fusion != nil else { return base }
        let items = (0..<Int32(itemCount)).map { $0 }
        return zip(base, fuseItems(tape, base, items: items)).map { tape.replaceRows($0, items, with: $1) }
    }

    /// The layer-0 rows of `items` (`[B]` distinct) after fusion — own row + fused vector — on the tape: base one `[N, d]`
    /// per channel → one `[B, d]` per channel.
    /// `gradientWeight` scales the fused vectors' gradient (not the own rows'; see `fusionSample`).
    func fuseItems(_ tape: Tape, _ base: [Tape.Var], items: [Int32], gradientWeight: Float = 1) -> [Tape.Var] {
        guard let fusion else { return base.map { tape.gatherRows($0, items) } }
        let fused = weighted(tape, fusion(tape, base, items: items), gradientWeight)
        return zip(base, fused).map { tape.add(tape.gatherRows($0, items), $1) }
    }

    /// The fused vectors with their gradient scaled by `weight` (unchanged at 1; see `fusionSample`).
    func weighted(_ tape: Tape, _ fused: [Tape.Var], _ weight: Float) -> [Tape.Var] {
        weight == 1 ? fused : fused.map { tape.scaleGradient($0, weight) }
    }

    /// Every item's layer-0 row after fusion, without gradient: base one `[N, d]` per channel → one
    /// `[I, d]` per channel (chunked, see `FusionEncoder.infer`).
    func inferItems(_ base: [Matrix]) -> [Matrix] {
        guard let fusion else { return [] }
        return withOwnRows(fusion.infer(base), base)
    }

    /// Fused vectors `[I, d]` per channel + each item's own layer-0 row of `base` (`[N, d]` per channel), as `fuseItems`.
    func withOwnRows(_ deltas: [Matrix], _ base: [Matrix]) -> [Matrix] {
        var fused = deltas
        for c in fused.indices { for k in 0..<fused[c].count { fused[c].data[k] += base[c].data[k] } }
        return fused
    }

    /// Whether a BPR batch can have more distinct items than it fuses on the tape.
    var samplesFusion: Bool { fusion != nil && fusionItemsPerBatch > 0 && itemCount > fusionItemsPerBatch }

    /// The items of a BPR batch (`items [B]`, distinct, sorted) fused on the tape, `fused` (sorted),
    /// and the others, `cached`: all of them fused when B ≤ `fusionItemsPerBatch` (or it is 0), else
    /// a uniform random subset of S = `fusionItemsPerBatch`. Each item is in the subset with
    /// probability S / B, so the fused rows' gradient weighted by `weight` = B / S is an unbiased
    /// estimate of the gradient of fusing them all.
    func fusionSample(_ items: [Int32]) -> (fused: [Int32], cached: [Int32], weight: Float) {
        let s = fusionItemsPerBatch
        guard fusion != nil, s > 0, items.count > s else { return (items, [], 1) }
        precondition(fusedDeltas.count == channels.count, "sampled fusion needs beginEpoch() after setFusionTraining")
        var order = items
        for k in 0..<s { order.swapAt(k, k + rng.below(order.count - k)) }  // partial Fisher–Yates
        return (order[..<s].sorted(), order[s...].sorted(), Float(items.count) / Float(s))
    }

    /// Layer-0 rows `[R, d]` per channel of batch items not fused on the tape (`cached [R]`): the
    /// live layer-0 rows of `base` (rows `at` of one table per channel, with gradient) + their
    /// cached fused vectors (`fusedDeltas`, constants).
    func cachedFusionRows(_ tape: Tape, _ base: [Tape.Var], at rows: [Int32], cached: [Int32]) -> [Tape.Var] {
        base.indices.map { c in
            tape.add(tape.gatherRows(base[c], rows), tape.constant(Kernels.gatherRows(fusedDeltas[c], cached)))
        }
    }

    /// Layer-0 tables `[N, d]` per channel for a BPR batch over `items` (`[B]` distinct, sorted):
    /// those items' rows fused on the tape (gradient flows through their sequences), every other
    /// item's row the cached `fusedItems` row (a constant). With B = I this is `fusedLayer0`.
    /// With `fusionItemsPerBatch` below B, only `fusionSample(items).fused` go through the fusion.
    func batchLayer0(_ tape: Tape, items: [Int32]) -> [Tape.Var] {
        let base = channels.map { $0.layer0(tape) }
        guard fusion != nil else { return base }
        let sample = fusionSample(items)
        let fused = fuseItems(tape, base, items: sample.fused, gradientWeight: sample.weight)
        let rest = sample.cached.isEmpty ? [] : cachedFusionRows(tape, base, at: sample.cached, cached: sample.cached)
        let all = (0..<Int32(itemCount)).map { $0 }
        return base.indices.map { c in
            var table = tape.replaceRows(tape.constant(fusedItems[c]), sample.fused, with: fused[c])  // [I, d]
            if !rest.isEmpty { table = tape.replaceRows(table, sample.cached, with: rest[c]) }
            return tape.replaceRows(base[c], all, with: table)
        }
    }

    /// Layer-0 tables `[N, d]` per channel with every item row from `fusedItems` (no fusion gradient).
    func cachedLayer0(_ tape: Tape) -> [Tape.Var] {
        let base = channels.map { $0.layer0(tape) }
        guard fusion != nil else { return base }
        let all = (0..<Int32(itemCount)).map { $0 }
        return base.indices.map { tape.replaceRows(base[$0], all, with: tape.constant(fusedItems[$0])) }
    }

    /// Per channel, the layer outputs used for aggregation: `[e(0), norm(e(1)), …, norm(e(L))]`,
    /// each `[N, d_l]`, from the layer-0 tables e0 (one `[N, d]` per channel).
    func propagate(_ tape: Tape, from e0: [Tape.Var]) -> [[Tape.Var]] {
        if config.aggregator == .gatJK {
            let dropout: ((Tape.Var) -> Tape.Var)? = training && config.messageDropout > 0
                ? { tape.mask($0, self.dropoutMask($0)) } : nil
            return channels.enumerated().map { c, channel in
                channel.gatPropagate(tape, e0[c], graph: graph, edgeRelations: edgeRelations,
                                     dropped: training ? droppedEdges : nil, dropout: dropout).outputs
            }
        }
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
        refreshAttention(dropEdges: config.edgeDropout > 0, refreshHistory: propagation == .history)
    }

    public func setFusionTraining(tapeBudget: Int, itemsPerBatch: Int) {
        fusion?.tapeBudget = tapeBudget
        fusionItemsPerBatch = itemsPerBatch
    }

    public func setPropagation(_ mode: PropagationMode) {
        precondition(mode == .full || config.aggregator == .biInteraction, "GAT-JK trains with full propagation only")
        propagation = mode
        if mode == .full { history = [] }
    }

    /// Recomputes every item's fused vectors (`fusedItems`, chunked, without gradient) and π per
    /// channel from the current fused layer-0 embeddings; with `dropEdges`, a random `edgeDropout`
    /// fraction of edges gets zero weight this epoch; with `refreshHistory`, the history tables
    /// from the same layer 0 and attention.
    func refreshAttention(dropEdges: Bool, refreshHistory: Bool = false) {
        if training { drawFeatureMasks() }
        let tape = Tape()
        var e0 = channels.map { tape.value($0.layer0(tape)) }
        let deltas = fusion?.infer(e0) ?? []
        fusedItems = withOwnRows(deltas, e0)
        fusedDeltas = samplesFusion ? deltas : []
        for (c, f) in fusedItems.enumerated() {  // items are rows [0, I) of the node space
            e0[c].data.replaceSubrange(0..<f.count, with: f.data)
        }
        var dropped: [Bool]? = nil
        if dropEdges {
            dropped = (0..<graph.edgeCount).map { _ in rng.unit() < config.edgeDropout }
        }
        droppedEdges = dropped
        // GAT-JK computes its attention per batch on the tape; π is the Bi-Interaction path's.
        attention = config.aggregator == .gatJK ? [] : channels.enumerated().map { c, channel in
            var logits = channel.relations.attentionLogits(e0[c], index: relationIndex)
            if let dropped { for e in 0..<logits.count where dropped[e] { logits[e] = -.infinity } }
            return Kernels.segmentSoftmax(graph, logits)
        }
        if refreshHistory { history = historyTables(layer0: e0) }
    }

    public func bprLossAndGradients(users: [Int32], positives: [Int32], negatives: [Int32]) -> Float {
        precondition(users.count == positives.count && users.count == negatives.count, "BPR batch shapes")
        let tape = Tape(profile: profile)
        let (u, i, j) = propagation == .history
            ? historyBatch(tape, users: users, positives: positives, negatives: negatives)
            : fullBatch(tape, users: users, positives: positives, negatives: negatives)
        let bpr = Losses.bpr(tape, positive: tape.rowDot(u, i), negative: tape.rowDot(u, j))
        let loss = tape.add(bpr, Losses.l2(tape, [u, i, j], lambda: config.l2, batch: users.count))
        tape.backward(from: loss)
        return tape.value(loss).data[0]
    }

    /// Final embeddings `[B, C·W]` of a BPR batch's users, positives and negatives, propagating the
    /// whole graph on the tape.
    func fullBatch(_ tape: Tape, users: [Int32], positives: [Int32],
                   negatives: [Int32]) -> (Tape.Var, Tape.Var, Tape.Var) {
        let e0: [Tape.Var]
        if fusion == nil || fuseWholeCatalogue {
            e0 = fusedLayer0(tape)
        } else {
            e0 = batchLayer0(tape, items: Self.distinctSorted(positives + negatives))
        }
        let layers = propagate(tape, from: e0)
        return (finalEmbeddings(tape, layers, nodes: users.map { $0 + userBase }),
                finalEmbeddings(tape, layers, nodes: positives), finalEmbeddings(tape, layers, nodes: negatives))
    }

    /// `ids` sorted, duplicates removed.
    static func distinctSorted(_ ids: [Int32]) -> [Int32] {
        var ids = ids
        ids.sort()
        var w = 0
        for k in ids.indices where k == 0 || ids[k] != ids[k - 1] { ids[w] = ids[k]; w += 1 }
        ids.removeLast(ids.count - w)
        return ids
    }

    public func kgLossAndGradients(heads: [Int32], relations: [Int32], tails: [Int32],
                                   negativeTails: [Int32]) -> Float {
        precondition(heads.count == relations.count && heads.count == tails.count
                     && heads.count == negativeTails.count, "KG batch shapes")
        let tape = Tape(profile: profile)
        // The batch's distinct nodes: layer 0 is computed for those rows only (O(B), not O(N)).
        let nodes = Self.distinctSorted(heads + tails + negativeTails)
        func local(_ ids: [Int32]) -> [Int32] {
            ids.map { n in  // binary search in the sorted distinct nodes
                var lo = 0, hi = nodes.count
                while lo < hi { let mid = (lo + hi) >> 1; if nodes[mid] < n { lo = mid + 1 } else { hi = mid } }
                return Int32(lo)
            }
        }
        let (hl, tl, nl) = (local(heads), local(tails), local(negativeTails))
        var total: Tape.Var? = nil
        for channel in channels {
            let e0 = channel.layer0Rows(tape, nodes)
            let eh = tape.gatherRows(e0, hl), et = tape.gatherRows(e0, tl)
            let en = tape.gatherRows(e0, nl)
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
        optimizer.step(allParameters, skipUntouched: true, lazyRows: propagation == .history)
    }

    /// Uses attention computed from the current parameters (no edge dropout), as `kgrec eval` and
    /// the serving stages do; the epoch's training attention is restored afterwards.
    public func inferenceEmbeddings() -> InferenceEmbeddings {
        let wasTraining = training
        let (trainingAttention, trainingFused, trainingDropped) = (attention, fusedItems, droppedEdges)
        let trainingMasks = channels.map(\.maskedColumns)
        training = false
        for ch in channels { ch.maskedColumns = nil }
        refreshAttention(dropEdges: false)  // fuses every item from the current parameters
        defer {
            training = wasTraining; attention = trainingAttention; fusedItems = trainingFused
            droppedEdges = trainingDropped
            for (ch, m) in zip(channels, trainingMasks) { ch.maskedColumns = m }
        }
        let tape = Tape(profile: profile)
        let layers = propagate(tape, from: cachedLayer0(tape))
        let users = finalEmbeddings(tape, layers, nodes: (0..<Int32(userCount)).map { $0 + userBase })
        let items = finalEmbeddings(tape, layers, nodes: (0..<Int32(itemCount)).map { $0 })
        return InferenceEmbeddings(users: tape.value(users), items: tape.value(items),
                                   channels: config.channelNames.map { ($0, config.channelWidth) })
    }

    public func namedParameters() -> [(name: String, value: Matrix)] {
        allParameters.map { ($0.name, $0.value) }
    }

    public func loadParameters(_ tensors: [String: Matrix]) throws {
        try loadParameters(tensors, refreshing: true)
    }

    /// `refreshing: false` leaves `fusedItems` and π as they were (for the serving stages, which
    /// compute their own from the parameters).
    public func loadParameters(_ tensors: [String: Matrix], refreshing: Bool) throws {
        for p in allParameters {
            guard let m = tensors[p.name] else { throw ModelError(.missingTensor, "checkpoint has no tensor '\(p.name)'") }
            guard m.rows == p.value.rows && m.cols == p.value.cols else {
                throw ModelError(.shapeMismatch, "tensor '\(p.name)' is [\(m.rows), \(m.cols)], model needs "
                                                 + "[\(p.value.rows), \(p.value.cols)]")
            }
        }
        for p in allParameters { p.load(tensors[p.name]!) }
        if refreshing { refreshAttention(dropEdges: false) }
    }
}
