import Foundation

/// The shape of a BERT encoder, read from a Hugging Face `config.json` (only what inference needs).
public struct BertConfig: Sendable, Equatable {
    public var hidden: Int
    public var layers: Int
    public var heads: Int
    public var intermediate: Int
    public var maxPositions: Int
    public var typeVocabulary: Int
    public var layerNormEps: Float

    /// Reads `config.json`; refuses anything but an absolute-position BERT with exact GELU.
    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path),
              let o = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TextModelError(.malformed, "\(path): cannot read or parse config.json")
        }
        func int(_ k: String) throws -> Int {
            guard let v = o[k] as? Int, v > 0 else { throw TextModelError(.malformed, "\(path): '\(k)' must be a positive integer") }
            return v
        }
        guard o["model_type"] as? String == "bert", o["hidden_act"] as? String == "gelu",
              (o["position_embedding_type"] as? String ?? "absolute") == "absolute" else {
            throw TextModelError(.unsupported, "\(path): unsupported model: need model_type bert, hidden_act gelu, absolute positions")
        }
        hidden = try int("hidden_size"); layers = try int("num_hidden_layers"); heads = try int("num_attention_heads")
        intermediate = try int("intermediate_size"); maxPositions = try int("max_position_embeddings")
        typeVocabulary = try int("type_vocab_size")
        layerNormEps = Float(o["layer_norm_eps"] as? Double ?? 1e-12)
        guard hidden % heads == 0, hidden % 16 == 0, intermediate % 16 == 0, (hidden / heads) % 16 == 0 else {
            throw TextModelError(.unsupported, "\(path): hidden \(hidden), heads \(heads), intermediate \(intermediate): widths must be multiples of 16")
        }
    }
}
