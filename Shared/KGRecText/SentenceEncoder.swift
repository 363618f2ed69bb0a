import Foundation
import KGRecModel
import KGRecTensor

/// A sentence-transformers model folder (all-MiniLM-L6-v2 layout: `config.json`,
/// `model.safetensors`, `vocab.txt`, `tokenizer.json`, `sentence_bert_config.json`,
/// `1_Pooling/config.json`) run as sentence-transformers runs it: WordPiece tokens → BERT → mean
/// over the real tokens → L2 normalisation. `embed` maps B texts to `[B, H]` unit rows.
public struct SentenceEncoder: Sendable {
    public let tokenizer: WordPieceTokenizer
    public let encoder: BertEncoder
    public let fingerprint: TextModelFingerprint
    public var dimension: Int { encoder.config.hidden }

    /// Loads the folder; a missing folder or file is a `TextModelError` that says how to fetch it.
    public init(modelDirectory dir: String) throws {
        let files = ["config.json", "model.safetensors", "vocab.txt", "tokenizer.json", "1_Pooling/config.json"]
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw TextModelError(.missingFile, "text model folder \(dir) does not exist (fetch all-MiniLM-L6-v2 with scripts/fetch-minilm.sh)")
        }
        for f in files where !FileManager.default.fileExists(atPath: dir + "/" + f) {
            throw TextModelError(.missingFile, "text model folder \(dir) has no \(f) (fetch all-MiniLM-L6-v2 with scripts/fetch-minilm.sh)")
        }
        let pooling = dir + "/1_Pooling/config.json"
        guard let pd = FileManager.default.contents(atPath: pooling),
              let po = try? JSONSerialization.jsonObject(with: pd) as? [String: Any],
              po["pooling_mode_mean_tokens"] as? Bool == true,
              po["pooling_mode_cls_token"] as? Bool != true, po["pooling_mode_max_tokens"] as? Bool != true else {
            throw TextModelError(.unsupported, "\(pooling): only mean pooling (pooling_mode_mean_tokens) is supported")
        }
        let config = try BertConfig(path: dir + "/config.json")
        Memory.retainFreedPages()  // every layer allocates [N, 1536] blocks: reuse them, don't fault them in again
        var maxLength = config.maxPositions
        if let sd = FileManager.default.contents(atPath: dir + "/sentence_bert_config.json"),
           let so = try? JSONSerialization.jsonObject(with: sd) as? [String: Any], let m = so["max_seq_length"] as? Int {
            maxLength = min(m, maxLength)
        }
        tokenizer = try WordPieceTokenizer(vocabPath: dir + "/vocab.txt", tokenizerJSONPath: dir + "/tokenizer.json",
                                           maxLength: maxLength)
        encoder = try BertEncoder(config: config, weightsPath: dir + "/model.safetensors")
        guard tokenizer.vocabularySize <= encoder.vocabularySize else {
            throw TextModelError(.shapeMismatch, "\(dir): vocabulary has \(tokenizer.vocabularySize) pieces, embeddings only \(encoder.vocabularySize)")
        }
        fingerprint = try TextModelFingerprint(modelDirectory: dir, dimension: config.hidden)
    }

    /// Token batch of `texts` (ids and mask `[B, longest]`).
    public func tokenize(_ texts: [String]) -> TokenBatch {
        TokenBatch(sequences: texts.map(tokenizer.encode), padID: tokenizer.padID)
    }

    /// `[B, H]` L2-normalised sentence embeddings of `texts`, in order (one forward pass per
    /// `batchSize` texts).
    public func embed(_ texts: [String], batchSize: Int = 64) -> Matrix {
        var out = Matrix(rows: texts.count, cols: dimension)
        var start = 0
        while start < texts.count {
            let end = min(texts.count, start + max(1, batchSize))
            let rows = embed(batch: tokenize(Array(texts[start..<end])))
            out.data.replaceSubrange(start * dimension..<end * dimension, with: rows.data)
            start = end
        }
        return out
    }

    /// `[B, H]`: mean of each sequence's real-token hidden states, L2-normalised
    /// (`x / max(‖x‖, 1e-12)`, as `torch.nn.functional.normalize`).
    public func embed(batch: TokenBatch) -> Matrix {
        let h = dimension
        let hidden = encoder.hiddenStates(batch)   // [N, H] packed
        let offsets = batch.packedOffsets
        var out = Matrix(rows: batch.count, cols: h)
        for s in 0..<batch.count {
            let (a, b) = (offsets[s], offsets[s + 1])
            var norm: Float = 0
            for c in 0..<h {
                var sum: Float = 0
                for r in a..<b { sum += hidden.data[r * h + c] }
                let mean = sum / Float(max(b - a, 1))
                out.data[s * h + c] = mean
                norm += mean * mean
            }
            let inv = 1 / max(norm.squareRoot(), 1e-12)
            for c in 0..<h { out.data[s * h + c] *= inv }
        }
        return out
    }
}

/// Which text model made a vector: the folder's name, the embedding width and a CRC-32 over
/// `model.safetensors`, `vocab.txt` and `tokenizer.json` (in that order). Stored in checkpoints as
/// `"name|dimension|crc32"` so a server can refuse a text model other than the one the checkpoint's
/// text features came from.
public struct TextModelFingerprint: Sendable, Equatable, CustomStringConvertible {
    public let name: String
    public let dimension: Int
    public let crc32: String

    public init(name: String, dimension: Int, crc32: String) {
        self.name = name; self.dimension = dimension; self.crc32 = crc32
    }

    public init(modelDirectory dir: String, dimension: Int) throws {
        var crc: UInt32 = 0
        for f in ["model.safetensors", "vocab.txt", "tokenizer.json"] {
            guard let data = FileManager.default.contents(atPath: dir + "/" + f) else {
                throw TextModelError(.missingFile, "\(dir)/\(f): cannot read")
            }
            crc = data.withUnsafeBytes { CRC32.checksum($0, initial: crc) }
        }
        let trimmed = dir.hasSuffix("/") ? String(dir.dropLast()) : dir
        self.init(name: (trimmed as NSString).lastPathComponent, dimension: dimension, crc32: String(format: "%08x", crc))
    }

    /// `"name|dimension|crc32"`.
    public var description: String { "\(name)|\(dimension)|\(crc32)" }

    /// Parses `description`; nil when malformed.
    public init?(parsing text: String) {
        let parts = text.split(separator: "|", omittingEmptySubsequences: false)
        guard parts.count == 3, let d = Int(parts[1]) else { return nil }
        self.init(name: String(parts[0]), dimension: d, crc32: String(parts[2]))
    }

    /// Same model: width and hash agree (the folder name is informative only).
    public func matches(_ other: TextModelFingerprint) -> Bool { dimension == other.dimension && crc32 == other.crc32 }
}
