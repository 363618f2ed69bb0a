import Foundation
import Testing
import KGRecModel
@testable import KGRecText

/// The Swift tokenizer and encoder against the Python reference (sentence-transformers on torch):
/// the committed fixture of tricky sentences, and the shared ml-100k text features. The model and
/// ml-100k are fetched by `scripts/setup.sh` (`make test` runs it); without them these fail, they do
/// not skip. Only the ml-100k comparison skips (saying why) where the shared reference file is absent.
@Suite struct MiniLMReferenceTests {
    struct Row { let text: String; let ids: [Int32]; let embedding: [Float] }

    static func fixture() throws -> [Row] {
        let data = try #require(FileManager.default.contents(atPath: TextTestPaths.fixture))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let rows = try #require(root["sentences"] as? [[String: Any]])
        return try rows.map { r in
            Row(text: try #require(r["text"] as? String),
                ids: try #require(r["ids"] as? [Int]).map { Int32($0) },
                embedding: try #require(r["embedding"] as? [Double]).map { Float($0) })
        }
    }

    @Test func tokenIdsMatchThePythonTokenizerExactly() throws {
        let encoder = try TextTestPaths.encoder()
        let rows = try Self.fixture()
        #expect(rows.count >= 14)
        for r in rows {
            let ids = encoder.tokenizer.encode(r.text)
            #expect(ids == r.ids, "\(r.text.debugDescription.prefix(80))")
        }
        // The long input really was cut at the model's 256 pieces, [CLS] and [SEP] included.
        #expect(rows.map(\.ids.count).max() == 256)
        #expect(rows.contains { $0.ids.contains(encoder.tokenizer.unkID) })
    }

    @Test func embeddingsMatchSentenceTransformersToCosine0_9999() throws {
        let encoder = try TextTestPaths.encoder()
        let rows = try Self.fixture()
        let swift = encoder.embed(rows.map(\.text), batchSize: rows.count)
        let d = encoder.dimension
        var worst = 1.0
        for (i, r) in rows.enumerated() {
            #expect(r.embedding.count == d)
            let c = cosine(swift.data[i * d..<(i + 1) * d], r.embedding[...])
            worst = min(worst, c)
            #expect(c >= 0.9999, "row \(i) \(r.text.debugDescription.prefix(60)): cosine \(c)")
        }
        print("MiniLM fixture: min cosine \(worst) over \(rows.count) sentences")
    }

    @Test(.enabled(if: TextTestPaths.sharedData != nil,
                   "needs ml100k-item-text-minilm384.npy: ../shared/data beside the clone, /work/shared/data or $KGREC_SHARED_DATA"))
    func ml100kTextsMatchTheSharedReferenceFeatures() throws {
        let shared = try #require(TextTestPaths.sharedData)
        let encoder = try TextTestPaths.encoder()
        let items = try TextRecords.ml100kItems(path: TextTestPaths.ml100kItem)
        let reference = try NpyFile.read(path: shared + "/ml100k-item-text-minilm384.npy")
        let ids = try String(contentsOfFile: shared + "/ml100k-item-text-minilm384.ids", encoding: .utf8)
            .split(separator: "\n").map(String.init)
        #expect(items.map(\.id) == ids)
        #expect(reference.rows == 1682 && reference.cols == encoder.dimension)
        let swift = encoder.embed(items.map(\.text), batchSize: 64)
        let d = encoder.dimension
        var worst = 1.0, total = 0.0
        for i in 0..<min(reference.rows, items.count) {
            let c = cosine(swift.data[i * d..<(i + 1) * d], reference.values[i * d..<(i + 1) * d])
            worst = min(worst, c); total += c
            if c < 0.9999 { Issue.record("ml-100k item \(items[i].id) '\(items[i].text)': cosine \(c)") }
        }
        print("ml-100k text features: min cosine \(worst), mean \(total / Double(items.count)) over \(items.count) items")
        #expect(worst >= 0.9999)
    }

    @Test func aTextEmbedsTheSameAloneAndPaddedInABatch() throws {
        let encoder = try TextTestPaths.encoder()
        let short = "Heat (1995). Genres: Action, Crime, Thriller."
        let long = String(repeating: "A much longer description of another film entirely. ", count: 8)
        let alone = encoder.embed([short])
        let batched = encoder.embed([long, short, ""], batchSize: 3)
        let batch = encoder.tokenize([long, short, ""])
        #expect(batch.length > batch.lengths[1] && batch.mask.contains(0))
        let d = encoder.dimension
        let c = cosine(alone.data[0..<d], batched.data[d..<2 * d])
        #expect(c > 0.999_999)
    }

    @Test func aMissingModelFolderSaysHowToFetchIt() {
        #expect { try SentenceEncoder(modelDirectory: "/nonexistent/minilm") } throws: { error in
            "\(error)".contains("/nonexistent/minilm") && "\(error)".contains("scripts/fetch-minilm.sh")
        }
    }
}
