import GRPCCore
import KGRecWire

/// Column layout of a ranker embedding row `[visual | text]` (`visual + text` floats): the
/// graph's layer-aggregated per-modality vectors side by side, so a score is one inner product and
/// its visual and text parts are the inner products of the two blocks. A modality the graph does
/// not send for an entity is zeros (it contributes nothing, as the wire contract says).
struct EmbeddingLayout: Sendable, Equatable {
    var visual: Int
    var text: Int
    var width: Int { visual + text }

    /// The widths the graph uses, read off the first vectors of each modality in `embeddings`.
    init(inferredFrom embeddings: [Kgrec_V1_Embedding]) {
        visual = embeddings.lazy.compactMap { $0.vectors?.visual?.values.count }.first ?? 0
        text = embeddings.lazy.compactMap { $0.vectors?.text?.values.count }.first ?? 0
    }

    init(visual: Int, text: Int) {
        self.visual = visual
        self.text = text
    }

    /// Appends `e`'s row (`width` floats) to `out`. A vector of another width is the graph
    /// breaking its own contract: INTERNAL naming the entity.
    func append(_ e: Kgrec_V1_Embedding, to out: inout [Float]) throws {
        try append(e.vectors?.visual, width: visual, modality: "visual", id: e.id, to: &out)
        try append(e.vectors?.text, width: text, modality: "text", id: e.id, to: &out)
    }

    /// `e`'s row as a new array.
    func row(_ e: Kgrec_V1_Embedding) throws -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(width)
        try append(e, to: &out)
        return out
    }

    private func append(_ v: Kgrec_V1_Vector?, width: Int, modality: String, id: String,
                        to out: inout [Float]) throws
    {
        guard let v else {
            out.append(contentsOf: repeatElement(0, count: width))
            return
        }
        guard v.values.count == width else {
            throw RPCError(.internal, "graph sent a \(modality) vector of width \(v.values.count) for '\(id)'; "
                + "the catalogue's is \(width)")
        }
        out.append(contentsOf: v.values)
    }
}
