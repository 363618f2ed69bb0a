import Foundation
import KGRecModel
import KGRecTensor
import Testing
import KGRecText

/// A text model folder that is missing, malformed, unsupported or inconsistent is refused with the
/// code of its kind (tiny hand-made files, no model needed).
@Suite struct TextModelFolderTests {
    static func folder() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tm-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A BERT `config.json` with width 16, one layer and head, 8 positions; `change` edits its keys.
    static func config(in dir: String, _ change: (inout [String: Any]) -> Void = { _ in }) throws -> String {
        var o: [String: Any] = ["model_type": "bert", "hidden_act": "gelu", "hidden_size": 16, "num_hidden_layers": 1,
                                "num_attention_heads": 1, "intermediate_size": 16, "max_position_embeddings": 8,
                                "type_vocab_size": 2]
        change(&o)
        let path = dir + "/config.json"
        try JSONSerialization.data(withJSONObject: o).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func aMissingFolderOrFileIsAMissingFile() throws {
        let gone = #expect(throws: TextModelError.self) { try SentenceEncoder(modelDirectory: "/nonexistent/minilm") }
        #expect(gone?.code == .missingFile)
        let empty = #expect(throws: TextModelError.self) { try SentenceEncoder(modelDirectory: try Self.folder()) }
        #expect(empty?.code == .missingFile)
    }

    @Test func aConfigThatDoesNotParseIsMalformedAndOneThatIsNotThePipelineIsUnsupported() throws {
        let dir = try Self.folder()
        try "{not json".write(toFile: dir + "/config.json", atomically: true, encoding: .utf8)
        let cases: [(path: String, code: TextModelError.Code)] = [
            (dir + "/config.json", .malformed),
            (try Self.config(in: try Self.folder()) { $0["hidden_size"] = 0 }, .malformed),
            (try Self.config(in: try Self.folder()) { $0["model_type"] = "roberta" }, .unsupported),
            (try Self.config(in: try Self.folder()) { $0["hidden_size"] = 24 }, .unsupported),
        ]
        for c in cases {
            let error = #expect(throws: TextModelError.self) { try BertConfig(path: c.path) }
            #expect(error?.code == c.code, "\(c.path)")
        }
    }

    @Test func weightsMissingOrOfAnotherShapeThanTheConfigAreAShapeMismatch() throws {
        let dir = try Self.folder()
        let config = try BertConfig(path: try Self.config(in: dir))
        let words = (name: "embeddings.word_embeddings.weight", value: Matrix(rows: 10, cols: 16))
        let cases: [[(name: String, value: Matrix)]] = [
            [words],
            [words, ("embeddings.position_embeddings.weight", Matrix(rows: 4, cols: 16))],
        ]
        for tensors in cases {
            let path = dir + "/model.safetensors"
            try SafeTensors.write(path: path, tensors: tensors, metadata: [:])
            let error = #expect(throws: TextModelError.self) { try BertEncoder(config: config, weightsPath: path) }
            #expect(error?.code == .shapeMismatch)
        }
    }
}
