import KGRecTensor

/// LightGCN (He et al. 2020), RecBole's `LightGCN`: the graph collaborative-filtering baseline
/// (`kgrec train --model lightgcn`). No KG, no content, no weights in the propagation.
///
/// Nodes: users `[0, U)`, then items `[U, U+I)`. `Â = D^{-1/2} A D^{-1/2}` over the training
/// interactions in both directions (A `[U+I, U+I]`, D its degrees). Layers
/// `E(k+1) = Â E(k)` for k < K = `layers` (2, RecBole's default); the final embedding is
/// `mean(E(0), …, E(K))` and `score(u, i) = e_u · e_i`.
/// Parameters: `embedding` `[U+I, d]` (users' rows, then items'), each block Xavier-uniform as
/// RecBole initialises its two tables. Loss: BPR on the final embeddings plus
/// `λ·(‖e⁰_u‖² + ‖e⁰_i‖² + ‖e⁰_j‖²)/(2B)` on the batch's layer-0 (ego) rows, the same form as the
/// other models' L2 term (RecBole's `EmbLoss` takes unsquared norms). Dense Adam;
/// `kgLossAndGradients` is a no-op (returns 0).
public final class LightGCN: Recommender {
    /// Propagation layers K.
    public static let layers = 2
    public let config: ModelConfig
    let userCount: Int
    let itemCount: Int
    let embedding: Parameter
    /// `Â` in CSR order by head, over `[U+I]` nodes; `weights [E]` are `1/√(d_h d_t)`.
    let graph: SparseGraph
    let weights: [Float]
    private var adam: Adam

    /// `trainUsers`, `trainItems` `[P]`: the training interactions (user and item indices).
    public init(config: ModelConfig, userCount: Int, itemCount: Int, trainUsers: [Int32], trainItems: [Int32]) {
        precondition(trainUsers.count == trainItems.count, "LightGCN: user and item arrays differ in length")
        self.config = config
        self.userCount = userCount
        self.itemCount = itemCount
        let n = userCount + itemCount, d = config.embeddingSize
        var rng = Xoshiro256(seed: config.seed)
        let u = Matrix.xavierUniform(rows: userCount, cols: d, rng: &rng)
        let i = Matrix.xavierUniform(rows: itemCount, cols: d, rng: &rng)
        embedding = Parameter("embedding", Matrix(rows: n, cols: d, data: u.data + i.data))
        // Distinct (user, item) pairs, both directions.
        var seen = Set<Int64>()
        var heads = [Int32](), tails = [Int32]()
        for (us, it) in zip(trainUsers, trainItems) where seen.insert(Int64(us) << 32 | Int64(it)).inserted {
            let item = Int32(userCount) + it
            heads += [us, item]
            tails += [item, us]
        }
        var degree = [Float](repeating: 0, count: n)
        for h in heads { degree[Int(h)] += 1 }
        let (g, permutation) = SparseGraph.fromEdges(heads: heads, tails: tails, headCount: n, tailCount: n)
        graph = g
        weights = permutation.map { e in
            1 / (degree[Int(heads[Int(e)])] * degree[Int(tails[Int(e)])]).squareRoot()
        }
        adam = Adam(learningRate: config.learningRate)
    }

    public func beginEpoch() {}

    /// `mean(E(0), …, E(K))` `[U+I, d]` on `tape`, from `E(0)` = the embedding table.
    func finalEmbeddings(_ tape: Tape, _ e0: Tape.Var) -> Tape.Var {
        var layer = e0, total = e0
        for _ in 0..<Self.layers {
            layer = tape.spmm(graph, weights: weights, layer)
            total = tape.add(total, layer)
        }
        return tape.scale(total, 1 / Float(Self.layers + 1))
    }

    public func bprLossAndGradients(users us: [Int32], positives: [Int32], negatives: [Int32]) -> Float {
        precondition(us.count == positives.count && us.count == negatives.count, "BPR batch shapes")
        let tape = Tape()
        let e0 = tape.parameter(embedding)
        let e = finalEmbeddings(tape, e0)
        let base = Int32(userCount)
        let userRows = us, positiveRows = positives.map { $0 + base }, negativeRows = negatives.map { $0 + base }
        let u = tape.gatherRows(e, userRows), i = tape.gatherRows(e, positiveRows), j = tape.gatherRows(e, negativeRows)
        let bpr = Losses.bpr(tape, positive: tape.rowDot(u, i), negative: tape.rowDot(u, j))
        let ego = [userRows, positiveRows, negativeRows].map { tape.gatherRows(e0, $0) }
        let loss = tape.add(bpr, Losses.l2(tape, ego, lambda: config.l2, batch: us.count))
        tape.backward(from: loss)
        return tape.value(loss).data[0]
    }

    public func kgLossAndGradients(heads: [Int32], relations: [Int32], tails: [Int32], negativeTails: [Int32]) -> Float { 0 }

    public func step() { adam.step([embedding]) }

    public func inferenceEmbeddings() -> InferenceEmbeddings {
        let tape = Tape()
        let e = tape.value(finalEmbeddings(tape, tape.constant(embedding.value)))
        let d = config.embeddingSize, split = userCount * d
        return InferenceEmbeddings(users: Matrix(rows: userCount, cols: d, data: Array(e.data[..<split])),
                                   items: Matrix(rows: itemCount, cols: d, data: Array(e.data[split...])),
                                   channels: [("id", d)])
    }

    public func namedParameters() -> [(name: String, value: Matrix)] { [(embedding.name, embedding.value)] }

    public func loadParameters(_ tensors: [String: Matrix]) throws {
        guard let m = tensors[embedding.name] else { throw ModelError(.missingTensor, "checkpoint has no tensor '\(embedding.name)'") }
        guard m.rows == embedding.value.rows && m.cols == embedding.value.cols else {
            throw ModelError(.shapeMismatch, "tensor '\(embedding.name)' is [\(m.rows), \(m.cols)], model expects [\(embedding.value.rows), \(embedding.value.cols)]")
        }
        embedding.load(m)
    }
}
