import KGRecTensor

/// The contract between a recommender model and the trainer / evaluator (RecBole-style).
///
/// Index spaces (those of `CollaborativeKG`):
/// - users are user indices `[0, U)`; items are item indices `[0, I)`;
/// - KG triples use node indices `[0, N)` (items, then attribute entities, then users) and relation
///   indices `[0, R)` of the collaborative KG (0 = interact, 1 = its inverse, then each KG relation
///   and its inverse).
///
/// Training protocol (one epoch):
/// 1. `beginEpoch()` — recomputes the knowledge-aware attention π(h,r,t) without gradient (as KGAT
///    does once per epoch), sets training mode;
/// 2. for each CF batch: `bprLossAndGradients(...)`, then `step()`;
/// 3. for each KG batch: `kgLossAndGradients(...)`, then `step()`;
/// 4. `inferenceEmbeddings()` for validation (evaluation mode: no dropout).
///
/// All methods are synchronous and use both cores internally; call them from one thread.
public protocol Recommender: AnyObject {
    /// The configuration this instance was built with.
    var config: ModelConfig { get }

    /// Refreshes per-epoch state (attention scores, dropout seed) and enters training mode.
    func beginEpoch()

    /// BPR loss of a batch of `(user, positive item, negative item)` triples, each `[B]`, plus the L2
    /// term `λ·(‖e_u‖² + ‖e_i‖² + ‖e_j‖²) / (2B)` on the batch's final embeddings (as KGAT).
    /// Accumulates gradients into the parameters; returns the mean loss (BPR + L2).
    func bprLossAndGradients(users: [Int32], positives: [Int32], negatives: [Int32]) -> Float

    /// TransR loss `mean(−ln σ(g(h,r,t′) − g(h,r,t)))`, `g = ‖W_r e_h + e_r − W_r e_t‖²`, summed over
    /// modality channels, for `[B]` heads, relations, tails and corrupted tails (node / relation
    /// indices). Accumulates gradients; returns the mean loss.
    func kgLossAndGradients(heads: [Int32], relations: [Int32], tails: [Int32],
                            negativeTails: [Int32]) -> Float

    /// One Adam update of every parameter with the accumulated gradients, then zeroes them.
    func step()

    /// Final layer-aggregated embeddings in evaluation mode (no dropout).
    func inferenceEmbeddings() -> InferenceEmbeddings

    /// Every trainable tensor by a stable name (for safetensors checkpoints). Shapes are
    /// `[rows, cols]`, row-major float32.
    func namedParameters() -> [(name: String, value: Matrix)]

    /// Loads tensors saved by `namedParameters()`. Throws `ModelError` on a missing name or a shape
    /// mismatch; nothing is changed then.
    func loadParameters(_ tensors: [String: Matrix]) throws

    /// How BPR batches propagate from now on (the trainer sets it once, before the first epoch).
    func setPropagation(_ mode: PropagationMode)

    /// The fusion's training limits: bytes of intermediates one batch may keep on the tape
    /// (`FusionEncoder.tapeBudget`) and items one BPR batch fuses with gradient (0 = all of its items).
    func setFusionTraining(tapeBudget: Int, itemsPerBatch: Int)
}

extension Recommender {
    /// Models without graph propagation ignore the mode.
    public func setPropagation(_ mode: PropagationMode) {}
    /// Models without fusion ignore the limits.
    public func setFusionTraining(tapeBudget: Int, itemsPerBatch: Int) {}
}

/// Scoring tables: `score(u, i) = users[u] · items[i]`.
public struct InferenceEmbeddings: Sendable {
    /// `[U, D]` row-major.
    public var users: Matrix
    /// `[I, D]` row-major.
    public var items: Matrix
    /// Names and widths of the consecutive column blocks of `D` (one per modality channel, e.g.
    /// `[("visual", 176), ("text", 176)]`, or `[("id", 176)]` for KGAT); the widths sum to `D`.
    public var channels: [(name: String, width: Int)]

    public init(users: Matrix, items: Matrix, channels: [(name: String, width: Int)]) {
        self.users = users
        self.items = items
        self.channels = channels
    }

    /// Width of the visual block (0 when there is no visual channel); the visual block comes first.
    public var visualWidth: Int { channels.first { $0.name == "visual" }?.width ?? 0 }
}

/// A model construction or checkpoint problem: a `code` saying which kind (what callers and tests
/// switch on) and a message naming the field or tensor.
public struct ModelError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String {
            case invalidValue = "invalid value"
            case missingTensor = "missing tensor"
            case shapeMismatch = "shape mismatch"
            case inconsistent = "inconsistent"
            case unsupported = "unsupported"
        }
        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// A `ModelConfig` field outside its range.
        public static let invalidValue = Code(.invalidValue)
        /// A checkpoint without a tensor the model needs.
        public static let missingTensor = Code(.missingTensor)
        /// A checkpoint tensor of another shape than the model's parameter.
        public static let shapeMismatch = Code(.shapeMismatch)
        /// A model and the dataset, graph or neighbour sequences it is given that differ in size.
        public static let inconsistent = Code(.inconsistent)
        /// A model without what the operation needs (a modality breakdown of a model without visual
        /// and text channels).
        public static let unsupported = Code(.unsupported)

        public var description: String { kind.rawValue }
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
