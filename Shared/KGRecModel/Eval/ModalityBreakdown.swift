import KGRecTensor

/// Per-user split of recommendation scores into the visual and text channels (the paper's case
/// study, Fig. 5): `score(u,i) = e_u^v·e_i^v + e_u^t·e_i^t`, the first term from the visual block of
/// the layer-aggregated embeddings, the second from the text block.
///
/// A user's visual share is `Σ|s_v| / (Σ|s_v| + Σ|s_t|)` over the user's top-k items (training and
/// validation items excluded), in [0, 1]; the text share is its complement.
public struct ModalityBreakdown: Sendable {
    public struct Item: Sendable {
        public let item: Int32
        public let score: Float
        public let visual: Float
        public let text: Float
    }

    public struct User: Sendable {
        public let user: Int
        public let items: [Item]
        public var visualShare: Double {
            let v = items.reduce(0.0) { $0 + Double(abs($1.visual)) }, t = items.reduce(0.0) { $0 + Double(abs($1.text)) }
            return v + t > 0 ? v / (v + t) : 0.5
        }
    }

    public let embeddings: InferenceEmbeddings
    public let evaluator: Evaluator
    /// Column ranges of the visual and text blocks in `D`.
    public let visual: Range<Int>
    public let text: Range<Int>

    /// Nil when the model does not have both a visual and a text channel.
    public init?(embeddings e: InferenceEmbeddings, evaluator: Evaluator) {
        var at = 0
        var blocks = [String: Range<Int>]()
        for c in e.channels { blocks[c.name] = at..<at + c.width; at += c.width }
        guard let v = blocks["visual"], let t = blocks["text"] else { return nil }
        embeddings = e
        self.evaluator = evaluator
        visual = v
        text = t
    }

    /// User `u`'s top-k items with their per-channel score parts.
    public func user(_ u: Int, k: Int) -> User {
        let d = embeddings.users.cols
        let U = embeddings.users.data, V = embeddings.items.data
        let items = evaluator.recommend(embeddings, user: u, k: k).map { r -> Item in
            var sv: Float = 0, st: Float = 0
            for c in visual { sv += U[u * d + c] * V[Int(r.item) * d + c] }
            for c in text { st += U[u * d + c] * V[Int(r.item) * d + c] }
            return Item(item: r.item, score: r.score, visual: sv, text: st)
        }
        return User(user: u, items: items)
    }

    /// Pearson correlation of two equal-length series (0 when either is constant).
    public static func correlation(_ a: [Double], _ b: [Double]) -> Double {
        precondition(a.count == b.count)
        let n = Double(a.count)
        guard n > 1 else { return 0 }
        let ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for k in 0..<a.count {
            sab += (a[k] - ma) * (b[k] - mb); saa += (a[k] - ma) * (a[k] - ma); sbb += (b[k] - mb) * (b[k] - mb)
        }
        return saa > 0 && sbb > 0 ? sab / (saa * sbb).squareRoot() : 0
    }
}
