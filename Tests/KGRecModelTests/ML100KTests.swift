import Foundation
import Testing
@testable import KGRecModel

/// Runs only where `scripts/fetch-ml100k.sh` has unpacked the data (never committed).
enum ML100K {
    static var path: String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("data/ml-100k").path
    }
    static var available: Bool { FileManager.default.fileExists(atPath: path + "/ml-100k.inter") }
}

@Suite(.enabled(if: ML100K.available))
struct ML100KTests {

    @Test func kgLinkedFilteringGivesRecBoleCounts() throws {
        var o = DataOptions(path: ML100K.path)
        let text = "/work/shared/data/ml100k-item-text-minilm384.npy"
        if FileManager.default.fileExists(atPath: text) { o.textFeatures = text }
        let d = try DatasetLoader.load(o)
        // RecBole reports 944 users and 34,629 entities: it counts its [PAD] id.
        #expect(d.userCount == 943 && d.itemCount == 1598)
        #expect(d.split.trainUsers.count + d.split.validUsers.count + d.split.testUsers.count == 97_554)
        #expect(d.entityCount == 34_628 && d.relations.count == 24 && d.knowledge.count == 91_631)
        if o.textFeatures != nil {
            #expect(d.features.text?.width == 384 && d.features.text?.presentCount == 1598)
            #expect(d.features.visual == nil)
        }
    }
}
