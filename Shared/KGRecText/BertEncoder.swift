import KGRecModel
import KGRecTensor

/// A BERT encoder for inference (no tape): token + position + token-type embeddings with
/// LayerNorm, then `layers` post-LayerNorm blocks (multi-head self-attention, exact-GELU FFN), as
/// Hugging Face `BertModel` computes `last_hidden_state`.
///
/// Shapes (H hidden, F intermediate, N packed tokens of a batch):
/// embeddings `[vocab, H]`, `[maxPositions, H]`, `[types, H]`; per layer the linear weights
/// `W_QKV [3H, H]` (query, key, value stacked), `W_out [H, H]`, `W_up [F, H]`, `W_down [H, F]`,
/// packed for `y = x · Wᵀ + b` (`PackedWeight`).
public struct BertEncoder: Sendable {
    public let config: BertConfig
    let wordEmbeddings: Matrix, positionEmbeddings: Matrix, typeEmbeddings: Matrix
    let embedGamma: [Float], embedBeta: [Float]
    let blocks: [Block]

    struct Block: Sendable {
        let qkv: PackedWeight, out: PackedWeight, up: PackedWeight, down: PackedWeight
        let attnGamma: [Float], attnBeta: [Float], ffnGamma: [Float], ffnBeta: [Float]
    }

    /// Loads `model.safetensors` (Hugging Face BERT names, with or without a `bert.` prefix).
    public init(config: BertConfig, weightsPath: String) throws {
        let (tensors, _) = try SafeTensors.read(path: weightsPath, skipNonFloat: true)
        func t(_ name: String, _ rows: Int, _ cols: Int) throws -> Matrix {
            guard let m = tensors[name] ?? tensors["bert." + name] else {
                throw TextModelError(.shapeMismatch, "\(weightsPath): no tensor '\(name)'")
            }
            guard m.rows == rows, m.cols == cols else {
                throw TextModelError(.shapeMismatch, "\(weightsPath): tensor '\(name)' is [\(m.rows), \(m.cols)], expected [\(rows), \(cols)]")
            }
            return m
        }
        func v(_ name: String, _ n: Int) throws -> [Float] { try t(name, 1, n).data }
        let h = config.hidden, f = config.intermediate
        self.config = config
        wordEmbeddings = try t("embeddings.word_embeddings.weight", tensors["embeddings.word_embeddings.weight"]?.rows
                               ?? tensors["bert.embeddings.word_embeddings.weight"]?.rows ?? 0, h)
        positionEmbeddings = try t("embeddings.position_embeddings.weight", config.maxPositions, h)
        typeEmbeddings = try t("embeddings.token_type_embeddings.weight", config.typeVocabulary, h)
        embedGamma = try v("embeddings.LayerNorm.weight", h)
        embedBeta = try v("embeddings.LayerNorm.bias", h)
        blocks = try (0..<config.layers).map { l in
            let p = "encoder.layer.\(l)."
            let q = try t(p + "attention.self.query.weight", h, h), k = try t(p + "attention.self.key.weight", h, h)
            let vv = try t(p + "attention.self.value.weight", h, h)
            let qkv = Matrix(rows: 3 * h, cols: h, data: q.data + k.data + vv.data)
            return Block(qkv: PackedWeight(weight: qkv, bias: try v(p + "attention.self.query.bias", h)
                                               + v(p + "attention.self.key.bias", h) + v(p + "attention.self.value.bias", h)),
                         out: PackedWeight(weight: try t(p + "attention.output.dense.weight", h, h),
                                           bias: try v(p + "attention.output.dense.bias", h)),
                         up: PackedWeight(weight: try t(p + "intermediate.dense.weight", f, h),
                                          bias: try v(p + "intermediate.dense.bias", f)),
                         down: PackedWeight(weight: try t(p + "output.dense.weight", h, f),
                                            bias: try v(p + "output.dense.bias", h)),
                         attnGamma: try v(p + "attention.output.LayerNorm.weight", h),
                         attnBeta: try v(p + "attention.output.LayerNorm.bias", h),
                         ffnGamma: try v(p + "output.LayerNorm.weight", h),
                         ffnBeta: try v(p + "output.LayerNorm.bias", h))
        }
    }

    public var vocabularySize: Int { wordEmbeddings.rows }

    /// Hidden states of the batch's real tokens: `[N, H]`, N = the number of mask-1 positions, rows
    /// packed sequence after sequence (row order of `batch.packedOffsets`). Padding never enters the
    /// computation: each sequence attends only over its own unmasked tokens, which is what the
    /// additive −∞ mask of a padded batch computes.
    public func hiddenStates(_ batch: TokenBatch) -> Matrix {
        let h = config.hidden
        let offsets = batch.packedOffsets
        let n = offsets.last ?? 0
        var x = Matrix(uninitializedRows: n, cols: h)
        // Embeddings: word[id] + position[p] + type[0], then LayerNorm.
        x.data.withUnsafeMutableBufferPointer { xp in
            wordEmbeddings.data.withUnsafeBufferPointer { wp in
                positionEmbeddings.data.withUnsafeBufferPointer { pp in
                    typeEmbeddings.data.withUnsafeBufferPointer { tp in
                        embedGamma.withUnsafeBufferPointer { gp in
                            embedBeta.withUnsafeBufferPointer { bp in
                                var row = 0
                                for s in 0..<batch.count {
                                    for p in 0..<batch.length where batch.mask[s * batch.length + p] != 0 {
                                        let id = Int(batch.ids[s * batch.length + p])
                                        let dst = xp.baseAddress! + row * h
                                        dst.update(from: wp.baseAddress! + id * h, count: h)
                                        TextKernels.layerNormRow(dst, pp.baseAddress! + p * h, tp.baseAddress!,
                                                                 gp.baseAddress!, bp.baseAddress!, d: h, eps: config.layerNormEps)
                                        row += 1
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        for block in blocks { apply(block, to: &x, offsets: offsets) }
        return x
    }

    /// One post-LayerNorm transformer block on packed rows x `[N, H]`.
    func apply(_ b: Block, to x: inout Matrix, offsets: [Int]) {
        let qkv = b.qkv.apply(x)                                  // [N, 3H]
        let context = SelfAttention.context(qkv, offsets: offsets, heads: config.heads)  // [N, H]
        let attended = b.out.apply(context)                       // [N, H]
        TextKernels.residualLayerNorm(&x, adding: attended, gamma: b.attnGamma, beta: b.attnBeta, eps: config.layerNormEps)
        let up = b.up.apply(x, gelu: true)                        // [N, F]
        let down = b.down.apply(up)                               // [N, H]
        TextKernels.residualLayerNorm(&x, adding: down, gamma: b.ffnGamma, beta: b.ffnBeta, eps: config.layerNormEps)
    }
}
