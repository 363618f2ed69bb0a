import KGRecTensor

/// One modality channel of Multi-KG4Rec (visual, text, or the single ID channel of KGAT): its
/// layer-0 embeddings, TransR relation space and propagation layers.
///
/// Layer 0 `[N, d]`: nodes with content of this modality get `LeakyReLU(f W + b)` of their raw
/// vector; every other node (users, attributes without content, items missing the modality) its
/// row of the ID embedding table `[N, d]`.
final class ModalityChannel {
    let name: String
    let idEmbedding: Parameter
    let projection: ModalityProjection?
    /// `[P]` nodes that have content of this modality, and their raw vectors `[P, rawWidth]`.
    let featuredNodes: [Int32]
    let rawFeatures: Matrix
    /// `[N]` row of each node in `rawFeatures`, −1 without content.
    let featureRow: [Int32]
    let relations: RelationSpace
    let layers: [BiInteractionLayer]
    /// GAT-JK layers instead of `layers` when `config.aggregator == .gatJK` (one of the two is empty).
    let gatLayers: [GATJumpingKnowledgeLayer]
    /// Training only: per raw-feature column, whether it is masked this epoch (`featureMask`); nil = none.
    var maskedColumns: [Bool]? = nil

    init(name: String, nodeCount: Int, relationCount: Int, features: ModalityFeatures?,
         config: ModelConfig, rng: inout Xoshiro256) {
        self.name = name
        let d = config.embeddingSize
        idEmbedding = Parameter("\(name).id_embedding", .xavierUniform(rows: nodeCount, cols: d, rng: &rng))
        if let features, features.presentCount > 0 {
            var nodes: [Int32] = []
            var raw: [Float] = []
            for n in 0..<min(nodeCount, features.entityCount) {
                if let v = features.vector(ofNode: n) {
                    nodes.append(Int32(n))
                    raw += v
                }
            }
            featuredNodes = nodes
            var row = [Int32](repeating: -1, count: nodeCount)
            for (k, n) in nodes.enumerated() { row[Int(n)] = Int32(k) }
            featureRow = row
            rawFeatures = Matrix(rows: nodes.count, cols: features.width, data: raw)
            projection = ModalityProjection("\(name).projection", rawWidth: features.width, width: d,
                                            slope: config.leakySlope, rng: &rng)
        } else {
            featuredNodes = []
            featureRow = []
            rawFeatures = Matrix(rows: 0, cols: 0)
            projection = nil
        }
        relations = RelationSpace(name, relations: relationCount, width: d, rng: &rng)
        let widths = [d] + config.layerSizes
        var layers: [BiInteractionLayer] = [], gatLayers: [GATJumpingKnowledgeLayer] = []
        for l in 0..<config.layerSizes.count where config.aggregator == .gatJK {
            gatLayers.append(GATJumpingKnowledgeLayer("\(name).gat\(l)", input: widths[l], output: widths[l + 1],
                                                      relations: relationCount, slope: config.leakySlope, rng: &rng))
        }
        for l in 0..<config.layerSizes.count where config.aggregator == .biInteraction {
            layers.append(BiInteractionLayer("\(name).layer\(l)", input: widths[l], output: widths[l + 1],
                                             slope: config.leakySlope, rng: &rng))
        }
        self.layers = layers
        self.gatLayers = gatLayers
    }

    var parameters: [Parameter] {
        let propagation: [Parameter] = layers.flatMap(\.parameters) + gatLayers.flatMap(\.parameters)
        return [idEmbedding] + (projection?.parameters ?? []) + relations.parameters + propagation
    }

    /// Layer-0 table `[N, d]` (before fusion).
    func layer0(_ tape: Tape) -> Tape.Var {
        let ids = tape.parameter(idEmbedding)
        guard let projection else { return ids }
        return tape.replaceRows(ids, featuredNodes, with: projection(tape, masked(rawFeatures)))
    }

    /// Layer-0 rows of `nodes` `[B]` → `[B, d]`, equal to `gatherRows(layer0(tape), nodes)` but
    /// projecting only those nodes' content: cost O(B), not O(N) (TransR and history-mode BPR
    /// batches use it). The ID rows are row-sparse (`Tape.embeddingRows`): no `[N, d]` gradient.
    func layer0Rows(_ tape: Tape, _ nodes: [Int32]) -> Tape.Var {
        let ids = tape.embeddingRows(idEmbedding, nodes)
        guard let projection else { return ids }
        var at: [Int32] = [], rows: [Int32] = []
        for (k, n) in nodes.enumerated() where featureRow[Int(n)] >= 0 {
            at.append(Int32(k))
            rows.append(featureRow[Int(n)])
        }
        if at.isEmpty { return ids }
        return tape.replaceRows(ids, at, with: projection(tape, masked(Kernels.gatherRows(rawFeatures, rows))))
    }

    /// raw `[B, rawWidth]` with the `maskedColumns` zeroed (unchanged when nothing is masked).
    func masked(_ raw: Matrix) -> Matrix {
        guard let maskedColumns else { return raw }
        var m = raw
        for r in 0..<m.rows { for c in 0..<m.cols where maskedColumns[c] { m.data[r * m.cols + c] = 0 } }
        return m
    }
}
