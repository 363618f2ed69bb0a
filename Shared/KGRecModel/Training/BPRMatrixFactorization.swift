import KGRecTensor
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Plain matrix factorisation trained with BPR (Rendle et al. 2009), RecBole's `BPR`: the
/// collaborative-filtering baseline (`kgrec train --model bpr`). No KG, no content: a floor that
/// every knowledge-graph model should beat.
///
/// Parameters: `user_embedding` `[U, d]`, `item_embedding` `[I, d]`, Xavier-normal initialised;
/// `score(u, i) = e_u · e_i`; dense Adam. `kgLossAndGradients` is a no-op (returns 0).
public final class BPRMatrixFactorization: Recommender {
    public let config: ModelConfig
    let users: Parameter
    let items: Parameter
    private var adam: Adam

    public init(config: ModelConfig, userCount: Int, itemCount: Int) {
        self.config = config
        var rng = SplitMix64(seed: config.seed)
        func xavierNormal(_ r: Int, _ c: Int) -> Matrix {
            let std = (2 / Float(r + c)).squareRoot()
            return Matrix(rows: r, cols: c, data: (0..<r * c).map { _ in rng.gaussian() * std })
        }
        users = Parameter("user_embedding", xavierNormal(userCount, config.embeddingSize))
        items = Parameter("item_embedding", xavierNormal(itemCount, config.embeddingSize))
        adam = Adam(learningRate: config.learningRate)
    }

    public func beginEpoch() {}

    /// Loss = mean_b −ln σ(x_ui − x_uj) + λ·Σ_b(‖e_u‖² + ‖e_i‖² + ‖e_j‖²)/(2B); gradients accumulated.
    public func bprLossAndGradients(users us: [Int32], positives: [Int32], negatives: [Int32]) -> Float {
        let d = config.embeddingSize, b = us.count
        let invB = 1 / Float(b), lambda = config.l2
        var loss: Double = 0
        let U = users.value.data, V = items.value.data
        for k in 0..<b {
            let u = Int(us[k]) * d, i = Int(positives[k]) * d, j = Int(negatives[k]) * d
            var x: Float = 0, reg: Float = 0
            for c in 0..<d {
                x += U[u + c] * (V[i + c] - V[j + c])
                reg += U[u + c] * U[u + c] + V[i + c] * V[i + c] + V[j + c] * V[j + c]
            }
            // −ln σ(x) = softplus(−x), computed stably.
            loss += Double(x > 0 ? log1pf(expf(-x)) : -x + log1pf(expf(x))) + Double(lambda * reg / 2)
            let g = -(1 / (1 + expf(x))) * invB  // d loss / d x
            for c in 0..<d {
                let eu = U[u + c], ei = V[i + c], ej = V[j + c]
                users.grad.data[u + c] += g * (ei - ej) + lambda * eu * invB
                items.grad.data[i + c] += g * eu + lambda * ei * invB
                items.grad.data[j + c] += -g * eu + lambda * ej * invB
            }
        }
        return Float(loss / Double(b))
    }

    public func kgLossAndGradients(heads: [Int32], relations: [Int32], tails: [Int32], negativeTails: [Int32]) -> Float { 0 }

    public func step() { adam.step([users, items]) }

    public func inferenceEmbeddings() -> InferenceEmbeddings {
        InferenceEmbeddings(users: users.value, items: items.value, channels: [("id", config.embeddingSize)])
    }

    public func namedParameters() -> [(name: String, value: Matrix)] {
        [(users.name, users.value), (items.name, items.value)]
    }

    public func loadParameters(_ tensors: [String: Matrix]) throws {
        for p in [users, items] {
            guard let m = tensors[p.name] else { throw ModelError(.missingTensor, "checkpoint has no tensor '\(p.name)'") }
            guard m.rows == p.value.rows && m.cols == p.value.cols else {
                throw ModelError(.shapeMismatch, "tensor '\(p.name)' is [\(m.rows), \(m.cols)], model expects [\(p.value.rows), \(p.value.cols)]")
            }
        }
        users.load(tensors[users.name]!)
        items.load(tensors[items.name]!)
    }
}
