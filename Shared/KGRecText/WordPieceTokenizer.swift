import Foundation

/// The BERT uncased WordPiece tokenizer as Hugging Face `tokenizers` runs a `tokenizer.json` with a
/// `BertNormalizer`, `BertPreTokenizer`, `WordPiece` model and `[CLS] $A [SEP]` template:
///
/// 1. clean: drop U+0000, U+FFFD and control characters (general category C*, except `\t \n \r`);
///    every whitespace character (Unicode White_Space, plus `\t \n \r`) becomes a space;
/// 2. CJK ideographs (the BERT ranges) get a space on each side;
/// 3. strip accents: NFD, then drop non-spacing marks (Mn) — on because lowercasing is on;
/// 4. lower-case (each scalar's full Unicode lowercase mapping);
/// 5. split on whitespace (dropped) and on punctuation (ASCII punctuation or Unicode P*, each its
///    own word);
/// 6. each word: longer than `maxInputCharsPerWord` scalars → `[UNK]`; else greedy longest-match
///    pieces from the vocabulary, continuation pieces prefixed `##`; any unmatched rest → the whole
///    word is `[UNK]`;
/// 7. keep the first `maxLength − 2` pieces, then `[CLS] pieces [SEP]`.
public struct WordPieceTokenizer: Sendable {
    /// Piece → id (the vocabulary's line number in `vocab.txt`).
    let vocabulary: [String: Int32]
    public let clsID: Int32, sepID: Int32, unkID: Int32, padID: Int32
    /// Longest encoded sequence, `[CLS]` and `[SEP]` included.
    public let maxLength: Int
    public let maxInputCharsPerWord: Int
    public var vocabularySize: Int { vocabulary.count }

    /// Loads `vocab.txt` (one piece per line, id = line index) and checks that `tokenizer.json`
    /// asks for exactly the pipeline above, with the same vocabulary.
    public init(vocabPath: String, tokenizerJSONPath: String, maxLength: Int) throws {
        guard let vocabData = FileManager.default.contents(atPath: vocabPath) else {
            throw TextModelError(.missingFile, "\(vocabPath): cannot read the vocabulary")
        }
        guard let vocabText = String(data: vocabData, encoding: .utf8) else {
            throw TextModelError(.malformed, "\(vocabPath): not UTF-8")
        }
        var vocab = [String: Int32]()
        var lines = vocabText.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        for (i, line) in lines.enumerated() {
            let piece = String(line.hasSuffix("\r") ? line.dropLast() : line)
            if vocab[piece] == nil { vocab[piece] = Int32(i) }
        }
        guard let json = FileManager.default.contents(atPath: tokenizerJSONPath),
              let root = try? JSONSerialization.jsonObject(with: json) as? [String: Any] else {
            throw TextModelError(.malformed, "\(tokenizerJSONPath): cannot read or parse tokenizer.json")
        }
        let normalizer = root["normalizer"] as? [String: Any] ?? [:]
        let pre = root["pre_tokenizer"] as? [String: Any] ?? [:]
        let model = root["model"] as? [String: Any] ?? [:]
        func need(_ ok: Bool, _ what: String) throws {
            if !ok { throw TextModelError(.unsupported, "\(tokenizerJSONPath): unsupported tokenizer: \(what)") }
        }
        try need(normalizer["type"] as? String == "BertNormalizer", "normalizer must be BertNormalizer")
        try need(normalizer["clean_text"] as? Bool == true && normalizer["handle_chinese_chars"] as? Bool == true
                 && normalizer["lowercase"] as? Bool == true, "BertNormalizer needs clean_text, handle_chinese_chars, lowercase")
        try need(normalizer["strip_accents"] == nil || normalizer["strip_accents"] is NSNull
                 || normalizer["strip_accents"] as? Bool == true, "strip_accents must be on (or follow lowercase)")
        try need(pre["type"] as? String == "BertPreTokenizer", "pre_tokenizer must be BertPreTokenizer")
        try need(model["type"] as? String == "WordPiece" && model["continuing_subword_prefix"] as? String == "##",
                 "model must be WordPiece with prefix ##")
        if let jsonVocab = model["vocab"] as? [String: Int] {
            try need(jsonVocab.count == vocab.count && jsonVocab.allSatisfy { vocab[$0.key] == Int32($0.value) },
                     "tokenizer.json vocabulary differs from \(vocabPath)")
        }
        let unk = model["unk_token"] as? String ?? "[UNK]"
        func id(_ t: String) throws -> Int32 {
            guard let i = vocab[t] else { throw TextModelError(.malformed, "\(vocabPath): no '\(t)' token") }
            return i
        }
        guard maxLength >= 2 else { throw TextModelError(.invalidValue, "max length \(maxLength) leaves no room for [CLS] and [SEP]") }
        self.vocabulary = vocab
        self.clsID = try id("[CLS]"); self.sepID = try id("[SEP]"); self.unkID = try id(unk); self.padID = try id("[PAD]")
        self.maxLength = maxLength
        self.maxInputCharsPerWord = model["max_input_chars_per_word"] as? Int ?? 100
    }

    /// `[CLS] pieces… [SEP]` ids, at most `maxLength` of them.
    public func encode(_ text: String) -> [Int32] {
        var ids: [Int32] = [clsID]
        let budget = maxLength - 2
        for word in Self.words(text) {
            if ids.count - 1 >= budget { break }
            appendPieces(word, to: &ids)
        }
        if ids.count - 1 > budget { ids.removeLast(ids.count - 1 - budget) }
        ids.append(sepID)
        return ids
    }

    /// Steps 1–5: the normalised words of `text`, in order.
    static func words(_ text: String) -> [[Unicode.Scalar]] {
        var normalized = [Unicode.Scalar]()
        normalized.reserveCapacity(text.unicodeScalars.count + 8)
        var ascii = true
        for s in text.unicodeScalars {
            if s.value == 0 || s.value == 0xFFFD || isControl(s) { continue }
            if isWhitespace(s) { normalized.append(" "); continue }
            if s.value >= 0x80 { ascii = false }
            if isCJK(s) { normalized.append(" "); normalized.append(s); normalized.append(" ") } else { normalized.append(s) }
        }
        if !ascii {
            // NFD then drop Mn, then full lower-case mapping per scalar.
            var v = String.UnicodeScalarView()
            v.append(contentsOf: normalized)
            let nfd = String(v).decomposedStringWithCanonicalMapping
            normalized.removeAll(keepingCapacity: true)
            for s in nfd.unicodeScalars where s.properties.generalCategory != .nonspacingMark {
                if s.isASCII { normalized.append(asciiLower(s)) } else { normalized.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars) }
            }
        } else {
            for i in normalized.indices { normalized[i] = asciiLower(normalized[i]) }
        }
        var words = [[Unicode.Scalar]]()
        var current = [Unicode.Scalar]()
        for s in normalized {
            if isWhitespace(s) {
                if !current.isEmpty { words.append(current); current.removeAll(keepingCapacity: true) }
            } else if isPunctuation(s) {
                if !current.isEmpty { words.append(current); current.removeAll(keepingCapacity: true) }
                words.append([s])
            } else {
                current.append(s)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    /// Step 6 for one word.
    func appendPieces(_ word: [Unicode.Scalar], to ids: inout [Int32]) {
        if word.count > maxInputCharsPerWord { ids.append(unkID); return }
        let mark = ids.count
        var start = 0
        while start < word.count {
            var end = word.count
            var found: Int32? = nil
            while start < end {
                var piece = start > 0 ? "##" : ""
                piece.unicodeScalars.append(contentsOf: word[start..<end])
                if let id = vocabulary[piece] { found = id; break }
                end -= 1
            }
            guard let id = found else {
                ids.removeLast(ids.count - mark)
                ids.append(unkID)
                return
            }
            ids.append(id)
            start = end
        }
    }

    @inline(__always) static func asciiLower(_ s: Unicode.Scalar) -> Unicode.Scalar {
        (s.value >= 0x41 && s.value <= 0x5A) ? Unicode.Scalar(s.value + 32)! : s
    }

    static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x09, 0x0A, 0x0D, 0x20: return true
        case 0..<0x80: return false
        default: return s.properties.isWhitespace
        }
    }

    static func isControl(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x09, 0x0A, 0x0D: return false
        default:
            if s.value >= 0x20 && s.value < 0x7F { return false }
            switch s.properties.generalCategory {
            case .control, .format, .surrogate, .privateUse, .unassigned: return true
            default: return false
            }
        }
    }

    static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if (v >= 33 && v <= 47) || (v >= 58 && v <= 64) || (v >= 91 && v <= 96) || (v >= 123 && v <= 126) { return true }
        if v < 0x80 { return false }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation: return true
        default: return false
        }
    }

    static func isCJK(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
             0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F: return true
        default: return false
        }
    }
}
