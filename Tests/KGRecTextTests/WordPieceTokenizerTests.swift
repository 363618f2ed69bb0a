import Foundation
import Testing
@testable import KGRecText

/// Tokenizer rules on a tiny hand-made vocabulary (no model needed).
@Suite struct WordPieceTokenizerTests {
    static let pieces = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "##aff", "##able", "aff", "!", ",", "cafe",
                         "a", "##b", "我", "x", "##x", "$"]

    static func tokenizer(maxLength: Int = 16) throws -> WordPieceTokenizer {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wp-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try pieces.joined(separator: "\n").appending("\n").write(toFile: dir + "/vocab.txt", atomically: true, encoding: .utf8)
        let json = """
        {"normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
         "strip_accents": null, "lowercase": true}, "pre_tokenizer": {"type": "BertPreTokenizer"},
         "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
         "max_input_chars_per_word": 10}}
        """
        try json.write(toFile: dir + "/tokenizer.json", atomically: true, encoding: .utf8)
        return try WordPieceTokenizer(vocabPath: dir + "/vocab.txt", tokenizerJSONPath: dir + "/tokenizer.json",
                                      maxLength: maxLength)
    }

    func id(_ p: String) -> Int32 { Int32(Self.pieces.firstIndex(of: p)!) }

    @Test func greedyLongestMatchUsesContinuationPieces() throws {
        let t = try Self.tokenizer()
        #expect(t.encode("unaffable") == [id("[CLS]"), id("un"), id("##aff"), id("##able"), id("[SEP]")])
        #expect(t.encode("ab") == [id("[CLS]"), id("a"), id("##b"), id("[SEP]")])
    }

    @Test func aWordWithAnUnmatchedRestIsOneUnknown() throws {
        let t = try Self.tokenizer()
        // "unaffz": un ##aff then "z" matches nothing → the whole word is [UNK].
        #expect(t.encode("unaffz aff") == [id("[CLS]"), id("[UNK]"), id("aff"), id("[SEP]")])
    }

    @Test func aWordLongerThanTheCharacterLimitIsUnknown() throws {
        let t = try Self.tokenizer()
        #expect(t.encode(String(repeating: "x", count: 10)) == [id("[CLS]"), id("x")] + Array(repeating: id("##x"), count: 9) + [id("[SEP]")])
        #expect(t.encode(String(repeating: "x", count: 11)) == [id("[CLS]"), id("[UNK]"), id("[SEP]")])
    }

    @Test func caseAccentsPunctuationAndCJKAreNormalised() throws {
        let t = try Self.tokenizer()
        #expect(t.encode("CAFÉ, Café!") == [id("[CLS]"), id("cafe"), id(","), id("cafe"), id("!"), id("[SEP]")])
        #expect(t.encode("a我a") == [id("[CLS]"), id("a"), id("我"), id("a"), id("[SEP]")])
        // ASCII symbols count as punctuation; control and zero-width characters vanish.
        #expect(t.encode("$a\u{0}\u{200B}b") == [id("[CLS]"), id("$"), id("a"), id("##b"), id("[SEP]")])
    }

    @Test func emptyAndBlankTextsAreJustClsSep() throws {
        let t = try Self.tokenizer()
        #expect(t.encode("") == [id("[CLS]"), id("[SEP]")])
        #expect(t.encode(" \t\n\u{3000} ") == [id("[CLS]"), id("[SEP]")])
    }

    @Test func longInputIsTruncatedToMaxLengthWithSep() throws {
        let t = try Self.tokenizer(maxLength: 6)
        let ids = t.encode("unaffable unaffable unaffable")
        #expect(ids == [id("[CLS]"), id("un"), id("##aff"), id("##able"), id("un"), id("[SEP]")])
    }

    @Test func batchesArePaddedWithAMask() throws {
        let t = try Self.tokenizer()
        let b = TokenBatch(sequences: [t.encode("ab"), t.encode("")], padID: t.padID)
        #expect(b.count == 2 && b.length == 4)
        #expect(b.ids == [id("[CLS]"), id("a"), id("##b"), id("[SEP]"), id("[CLS]"), id("[SEP]"), 0, 0])
        #expect(b.mask == [1, 1, 1, 1, 1, 1, 0, 0])
        #expect(b.packedOffsets == [0, 4, 6])
    }

    @Test func anUnsupportedTokenizerJSONIsRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wp-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Self.pieces.joined(separator: "\n").write(toFile: dir + "/vocab.txt", atomically: true, encoding: .utf8)
        try #"{"normalizer": {"type": "NFC"}, "pre_tokenizer": {"type": "Whitespace"}, "model": {"type": "BPE"}}"#
            .write(toFile: dir + "/tokenizer.json", atomically: true, encoding: .utf8)
        let error = #expect(throws: TextModelError.self) {
            try WordPieceTokenizer(vocabPath: dir + "/vocab.txt", tokenizerJSONPath: dir + "/tokenizer.json", maxLength: 8)
        }
        #expect(error?.code == .unsupported)
    }

    @Test func aMaximumLengthWithoutRoomForCLSAndSEPIsAnInvalidValue() {
        let error = #expect(throws: TextModelError.self) { try Self.tokenizer(maxLength: 1) }
        #expect(error?.code == .invalidValue)
    }
}
