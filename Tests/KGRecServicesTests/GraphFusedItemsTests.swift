import Foundation
@testable import KGRecGraphService
@testable import KGRecModel
import KGRecTensor
import KGRecWire
import Synchronization
import Testing

/// The in-process encoder stage, counting the items it is asked for.
final class CountingItemEncoding: ItemEncoding, @unchecked Sendable {
    let encoded = Mutex(0)

    func encode(_ inputs: [EncodeInput], model: ServingModel) async throws -> [FusedItem] {
        encoded.withLock { $0 += inputs.count }
        return try await LocalItemEncoding().encode(inputs, model: model)
    }

    func close() {}
    var count: Int { encoded.withLock { $0 } }
}

@Suite(.serialized) struct GraphFusedItemsTests {
    /// Exports the fixture checkpoint's fused items as `kgrec export` does; returns the file.
    static func export(_ f: ServingFixture, modelVersion: String? = nil) throws -> String {
        let model = try ServingModel.load(checkpoint: f.checkpointPath)
        let path = (f.directory as NSString).appendingPathComponent(FusedItemTable.fileName)
        try FusedItemTable.write(try model.encode(model.trainedItemInputs()), channels: model.channelNames.count,
                                 width: model.embeddingSize, modelVersion: modelVersion ?? model.modelVersion, to: path)
        return path
    }

    static func worst(_ a: Matrix, _ b: Matrix) -> Float {
        precondition(a.rows == b.rows && a.cols == b.cols)
        return zip(a.data, b.data).map { abs($0 - $1) }.max() ?? 0
    }

    @Test func tablePrimedFromTheArtifactEqualsTheEncodedTableWithoutEncodingTrainedItems() async throws {
        let f = try ServingFixture()
        let artifact = try Self.export(f)
        let viaEncoders = CountingItemEncoding(), viaArtifact = CountingItemEncoding()
        let a = try await GraphHarness(fixture: f, encoding: viaEncoders, logName: "a.log")
        let b = try await GraphHarness(fixture: f, encoding: viaArtifact, logName: "b.log") { o, _ in o.fusedItems = artifact }
        #expect(viaEncoders.count == f.dataset.itemCount)
        #expect(viaArtifact.count == 0)
        let ta = try #require(a.engine.snapshot), tb = try #require(b.engine.snapshot)
        #expect(ta.version == tb.version)
        #expect(Self.worst(ta.embeddings.users, tb.embeddings.users) < 1e-5)
        #expect(Self.worst(ta.embeddings.items, tb.embeddings.items) < 1e-5)

        // A cold item still goes through the encoders, and both tables move the same way.
        _ = try await a.add(a.coldItemRequest())
        _ = try await b.add(b.coldItemRequest())
        #expect(viaArtifact.count >= 1 && viaArtifact.count < f.dataset.itemCount)
        let ua = try #require(a.engine.snapshot), ub = try #require(b.engine.snapshot)
        #expect(ua.items.count == f.dataset.itemCount + 1 && ub.items.count == ua.items.count)
        #expect(Self.worst(ua.embeddings.users, ub.embeddings.users) < 1e-5)
        #expect(Self.worst(ua.embeddings.items, ub.embeddings.items) < 1e-5)
        await a.stop()
        await b.stop()
    }

    @Test func restartWithTheArtifactReplaysTheLogThroughTheEncoders() async throws {
        let f = try ServingFixture()
        let artifact = try Self.export(f)
        let first = try await GraphHarness(fixture: f, logName: "r.log") { o, _ in o.fusedItems = artifact }
        _ = try await first.add(first.coldItemRequest())
        let before = try #require(first.engine.snapshot)
        await first.stop()
        let counting = CountingItemEncoding()
        let second = try await GraphHarness(fixture: f, encoding: counting, logName: "r.log") { o, _ in o.fusedItems = artifact }
        let after = try #require(second.engine.snapshot)
        #expect(after.version == before.version && after.items.count == before.items.count)
        #expect(counting.count >= 1 && counting.count < f.dataset.itemCount)  // the replayed changes only
        #expect(Self.worst(before.embeddings.items, after.embeddings.items) < 1e-5)
        await second.stop()
    }

    @Test func servingLoadRunsNoFusionPassAndStillEqualsTheTrainedModel() throws {
        let f = try ServingFixture()
        let serving = try ServingModel.load(checkpoint: f.checkpointPath)
        #expect(serving.model.fusedItems.isEmpty)  // neither build nor restore fused every item
        let expected = f.model.inferenceEmbeddings()
        let got = try serving.inferenceEmbeddings().embeddings
        #expect(Self.worst(expected.users, got.users) < 1e-5 && Self.worst(expected.items, got.items) < 1e-5)
    }

    @Test func artifactOfAnotherCheckpointFailsTheLoadNamingTheFile() async throws {
        let f = try ServingFixture()
        let artifact = try Self.export(f, modelVersion: "multikg4rec-deadbeef")
        var options = GraphOptions()
        options.checkpoint = f.checkpointPath
        options.logPath = (f.directory as NSString).appendingPathComponent("m.log")
        options.localEncoder = true
        options.fusedItems = artifact
        let engine = GraphEngine(options: options, encoding: LocalItemEncoding())
        await #expect {
            try await engine.load()
        } throws: { e in
            guard let e = e as? DataError else { return false }
            return e.code == .inconsistent && e.file == artifact
        }
        #expect(engine.snapshot == nil)
        engine.close()
    }
}
