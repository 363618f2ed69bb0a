import Foundation
import GRPCCore
import GRPCHTTP2
import KGRecEncoderService
@testable import KGRecModel
import KGRecText
import KGRecWire
import Testing
@testable import KGRecCLI

/// A tiny checkpoint whose text features are real all-MiniLM-L6-v2 vectors: `kgrec synth --preset
/// tiny`, then `kgrec embed-text` over one made-up description per item (replacing the synthetic
/// text features; it writes `tiny.text.textmodel`), then `kgrec train` (which records the text
/// model in the checkpoint). Needs the model folder from `scripts/fetch-minilm.sh` (setup runs it).
struct TextFixture: Sendable {
    let dir: String
    let checkpoint: String
    let modelDir: String
    let dataset: Dataset
    let base: EndToEndFixture

    static let shared = Task { try make() }

    static var modelDirectory: String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("data/minilm").path
    }

    static func description(of item: String) -> String {
        let genres = ["drama", "comedy", "thriller", "documentary", "animation", "western"]
        let h = item.unicodeScalars.reduce(0) { $0 &* 31 &+ Int($1.value) }
        return "Item \(item): a \(genres[abs(h) % genres.count]) about \(["ships", "cities", "music", "families"][abs(h / 7) % 4])."
    }

    static func make() throws -> TextFixture {
        let binDir = ProcessInfo.processInfo.environment["KGREC_BIN_DIR"] ?? EndToEndFixture.buildDirectory
        let bin = binDir + "/kgrec"
        let model = modelDirectory
        guard FileManager.default.fileExists(atPath: model + "/model.safetensors") else {
            throw FixtureError("\(model) has no model.safetensors: run scripts/fetch-minilm.sh (scripts/setup.sh does)")
        }
        let dir = try EndToEndFixture.freshDirectory("kgrec-text-e2e-")
        try EndToEndFixture.run(bin, ["synth", "--preset", "tiny", "--out", dir + "/data"], log: dir + "/synth.log")
        let ids = try String(contentsOfFile: dir + "/data/tiny.text.ids", encoding: .utf8).split(separator: "\n").map(String.init)
        try TextRecords.write(ids.map { ($0, description(of: $0)) }, to: dir + "/texts.tsv")
        try EndToEndFixture.run(bin, ["embed-text", "--model", model, "--in", dir + "/texts.tsv", "--out", dir + "/data/tiny.text.npy",
                                      "--quiet"], log: dir + "/embed.log")
        try EndToEndFixture.run(bin, ["train", "--data", dir + "/data", "--text-features", dir + "/data/tiny.text.npy",
                                      "--out", dir + "/run", "--epochs", "2", "--dim", "16", "--layers", "16,8", "--heads", "2",
                                      "--fusion-blocks", "1", "--batch-size", "256", "--kg-batch-size", "256", "--eval-every", "2",
                                      "--quiet"], log: dir + "/train.log")
        let checkpoint = dir + "/run/checkpoint.safetensors"
        let (_, dataset, trained) = try EvalCommand.load(checkpoint, dataOverride: nil)
        let base = EndToEndFixture(dir: dir, binDir: binDir, checkpoint: checkpoint, dataset: dataset,
                                   offline: trained.inferenceEmbeddings())
        return TextFixture(dir: dir, checkpoint: checkpoint, modelDir: model, dataset: dataset, base: base)
    }
}

@Suite(.serialized) struct RawTextColdItemTests {
    let opts = CallOptions(timeout: .seconds(20))

    @Test func trainRecordsTheTextModelThatEmbedTextUsed() async throws {
        let f = try await TextFixture.shared.value
        let ckpt = try Checkpoint.read(from: f.checkpoint)
        let recorded = try #require(ckpt.textModel.flatMap(TextModelFingerprint.init(parsing:)))
        let config = try BertConfig(path: f.modelDir + "/config.json")
        #expect(recorded == (try TextModelFingerprint(modelDirectory: f.modelDir, dimension: config.hidden)))
        #expect(f.dataset.features.text?.width == 384)
    }

    @Test func trainRefusesATextModelWhoseWidthIsNotTheTextFeatures() async throws {
        let f = try await TextFixture.shared.value
        let bin = f.base.binDir + "/kgrec"
        // The synthetic data's own 16-d text features, untouched.
        try EndToEndFixture.run(bin, ["synth", "--preset", "tiny", "--out", f.dir + "/data16"], log: f.dir + "/synth16.log")
        #expect {
            try EndToEndFixture.run(bin, ["train", "--data", f.dir + "/data16", "--text-model", f.modelDir, "--epochs", "1",
                                          "--out", f.dir + "/run16", "--quiet"], log: f.dir + "/train16.log")
        } throws: { "\($0)".contains("makes 384-d vectors, the text features are 16-d") }
    }

    @Test func aColdItemSentAsRawTextScoresLikeTheSameItemSentAsItsVector() async throws {
        let f = try await TextFixture.shared.value
        let ds = f.dataset
        let text = "A brand-new film about lighthouse keepers and the sea, told in winter."
        // The precomputed vector, made by the CLI as an offline pipeline would.
        try TextRecords.write([("new", text)], to: f.dir + "/one.tsv")
        try EndToEndFixture.run(f.base.binDir + "/kgrec", ["embed-text", "--model", f.modelDir, "--in", f.dir + "/one.tsv",
                                                           "--out", f.dir + "/one.npy", "--quiet"], log: f.dir + "/one.log")
        let vector = try NpyFile.read(path: f.dir + "/one.npy").values
        try await f.base.withTopology("raw-text", configure: {
            $0.extraArguments["encoder"] = ["--text-model", f.modelDir]
        }) { t in
            let ranker = GRPCChannel(host: "127.0.0.1", port: t.endpoint("ranker")!.grpcPort)
            let graph = GRPCChannel(host: "127.0.0.1", port: t.endpoint("graph")!.grpcPort)
            defer { ranker.close(); graph.close() }
            let template = Int(ds.split.trainItems[0])
            let fans = ColdItem.fans(of: template, in: ds, limit: 3)
            // Only text (raw text or its vector) and the template's KG links; no visual vector.
            var byText = ColdItem.newItem("cold-by-text", like: template, in: ds)
            byText.raw = nil
            byText.rawText = Array(text.utf8)
            var byVector = ColdItem.newItem("cold-by-vector", like: template, in: ds)
            byVector.raw = Kgrec_V1_ModalityVectors(text: Kgrec_V1_Vector(values: vector))
            // Same links, another text: its text score must differ (the text is really used).
            var other = byText
            other.itemId = "cold-other-text"
            other.rawText = Array("A loud comedy about two rival pizza chefs in Naples.".utf8)

            // Invalid UTF-8 and text beside a vector are refused before anything is logged.
            var bad = byText
            bad.itemId = "cold-bad"; bad.rawText = [0x66, 0xFF, 0x66]
            var both = byVector
            both.itemId = "cold-both"; both.rawText = Array(text.utf8)
            for item in [bad, both] {
                let e = await #expect(throws: RPCError.self) {
                    _ = try await graph.unary(Kgrec_V1_Graph.Method.addInteractions,
                                              request: Kgrec_V1_AddInteractionsRequest(newItems: [item]),
                                              responseType: Kgrec_V1_AddInteractionsResponse.self, options: opts)
                }
                #expect(e?.code == .invalidArgument, "\(item.itemId): \(String(describing: e))")
            }

            let interactions = fans.flatMap { u in ["cold-by-text", "cold-by-vector", "cold-other-text"].map {
                Kgrec_V1_Interaction(userId: u, itemId: $0, timestamp: 1_700_000_000)
            } }
            let ack = try await graph.unary(Kgrec_V1_Graph.Method.addInteractions,
                                            request: Kgrec_V1_AddInteractionsRequest(newItems: [byText, byVector, other], interactions: interactions),
                                            responseType: Kgrec_V1_AddInteractionsResponse.self, options: opts).message
            #expect(ack.acceptedItems == 3)
            let probes = (0..<ds.userCount).map { ds.users[$0] }.filter { !fans.contains($0) }.prefix(5)
            var compared = 0
            for probe in probes {
                var scores: [Kgrec_V1_ScoredItem] = []
                for _ in 0..<100 where scores.count < 3 {  // the ranker picks up the new version by itself
                    let s = try await ranker.unary(Kgrec_V1_Ranker.Method.score,
                                                   request: Kgrec_V1_ScoreRequest(userId: probe, itemIds: ["cold-by-text", "cold-by-vector", "cold-other-text"],
                                                                                  explain: true),
                                                   responseType: Kgrec_V1_ScoreResponse.self, options: opts).message
                    if s.unknownItemIds.isEmpty { scores = s.items } else { try await Task.sleep(for: .milliseconds(100)) }
                }
                try #require(scores.count == 3, "the ranker never scored the cold items")
                #expect(abs(scores[0].score - scores[1].score) <= 1e-4, "user \(probe): by text \(scores[0].score), by vector \(scores[1].score)")
                #expect(abs(scores[0].textScore - scores[1].textScore) <= 1e-4)
                #expect(abs(scores[0].score - scores[2].score) > 1e-3, "another text scored the same: \(scores.map { ($0.itemId, $0.score, $0.textScore) })")
                let all = try await ranker.unary(Kgrec_V1_Ranker.Method.recommend,
                                                 request: Kgrec_V1_RecommendRequest(userId: probe, k: UInt32(ds.itemCount + 3)),
                                                 responseType: Kgrec_V1_RecommendResponse.self, options: opts).message
                #expect(all.items.contains { $0.itemId == "cold-by-text" }, "the raw-text item is not recommendable")
                compared += 1
            }
            #expect(compared == probes.count && compared > 0)
        }
    }

    @Test func rawTextLimitsAndBadTextAreRefusedWithPreciseStatuses() async throws {
        let f = try await TextFixture.shared.value
        let model = try ServingModel.load(checkpoint: f.checkpoint)
        let text = try SentenceEncoder(modelDirectory: f.modelDir)
        try EncoderEngine.check(text, matches: model, checkpoint: f.checkpoint)
        var options = EncoderOptions()
        options.maxTextBytesPerItem = 64
        options.maxTextBytesPerRequest = 100
        let engine = EncoderEngine(options: options)
        engine.install(model, textEncoder: text)
        func item(_ bytes: [UInt8]) -> Kgrec_V1_EncodeItem { Kgrec_V1_EncodeItem(raw: Kgrec_V1_ModalityVectors(), rawText: bytes) }
        func status(_ items: [Kgrec_V1_EncodeItem], _ e: EncoderEngine) async -> StatusCode? {
            do { _ = try await e.encode(Kgrec_V1_EncodeRequest(items: items)); return nil } catch let e as RPCError { return e.code } catch { return .unknown }
        }
        let ok = try await engine.encode(Kgrec_V1_EncodeRequest(items: [item(Array("a short text".utf8))]))
        #expect(ok.fused.count == 1)
        #expect(await status([item(Array(repeating: 0x61, count: 65))], engine) == .invalidArgument)
        #expect(await status([item(Array(repeating: 0x61, count: 60)), item(Array(repeating: 0x62, count: 60))], engine) == .resourceExhausted)
        #expect(await status([item([0x61, 0xC3])], engine) == .invalidArgument)
        var both = item(Array("x".utf8))
        both.raw?.text = Kgrec_V1_Vector(values: [Float](repeating: 0, count: 384))
        #expect(await status([both], engine) == .invalidArgument)
        let noText = EncoderEngine(options: EncoderOptions())
        noText.install(model)
        #expect(await status([item(Array("text".utf8))], noText) == .failedPrecondition)
    }

    @Test func theEncoderRefusesATextModelTheCheckpointDidNotRecord() async throws {
        let f = try await TextFixture.shared.value
        var ckpt = try Checkpoint.read(from: f.checkpoint)
        for (name, record) in [("other", "all-MiniLM-L6-v2|384|00000000"), ("none", nil)] {
            ckpt.textModel = record
            let path = f.dir + "/\(name).safetensors"
            try ckpt.write(to: path)
            var options = EncoderOptions()
            options.checkpoint = path
            options.textModel = f.modelDir
            let engine = EncoderEngine(options: options)
            let error = await #expect(throws: TextModelError.self) { try await engine.load() }
            #expect(error?.code == (record == nil ? .unrecordedModel : .otherModel))
        }
    }

    @Test func theEncoderRefusesATextModelForACheckpointWithoutText() async throws {
        let f = try ServingFixture(steps: 0)
        var c = ServingFixture.modelConfig()
        c.modalities = .visualOnly
        let model = try MultiKG4Rec(config: c, graph: f.dataset.graph, features: f.dataset.features, sequences: f.dataset.sequences)
        let path = f.directory + "/visual-only.safetensors"
        var data = DataOptions(path: f.dataDirectory)
        data.sequenceLength = c.sequenceLength
        try Checkpoint(kind: .multiKG4Rec, model: c, training: TrainConfig(), data: data,
                       counts: DatasetCounts(f.dataset), bestEpoch: 0, test: [:], tensors: model.namedParameters()).write(to: path)
        var options = EncoderOptions()
        options.checkpoint = path
        options.textModel = TextFixture.modelDirectory
        let error = await #expect(throws: TextModelError.self) { try await EncoderEngine(options: options).load() }
        #expect(error?.code == .noTextModality)
        options.textModel = nil
        try await EncoderEngine(options: options).load()
    }
}
