import Foundation
import KGRecModel
import Testing
@testable import KGRecCLI

/// `--seed` seeds the model and the sampler, `--split-seed` the split: one can change without the other.
@Suite struct RunSettingsSeedTests {
    static func settings(_ dir: String, _ extra: [String]) throws -> RunSettings {
        try RunSettings(flags: CommandFlags(["--data", dir] + extra, specs: RunSettings.specs))
    }

    @Test func withoutSeedFlagsEverySeedIsRecBoles2020() throws {
        let s = try Self.settings("/nonexistent", [])
        #expect(s.data.seed == 2020 && s.model.seed == 2020 && s.train.seed == 2020)
    }

    @Test func changingSeedWithAFixedSplitSeedKeepsTheSplit() throws {
        let dir = try EndToEndFixture.freshDirectory("kgrec-seeds-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try SyntheticKG(.tiny).write(to: dir)
        let a = try Self.settings(dir, ["--seed", "1", "--split-seed", "5"])
        let b = try Self.settings(dir, ["--seed", "2", "--split-seed", "5"])
        let c = try Self.settings(dir, ["--seed", "1", "--split-seed", "6"])
        #expect(a.model.seed == 1 && a.train.seed == 1 && b.model.seed == 2 && b.train.seed == 2)
        #expect(a.data.seed == 5 && b.data == a.data)
        let sa = try DatasetLoader.load(a.data).split, sb = try DatasetLoader.load(b.data).split
        let sc = try DatasetLoader.load(c.data).split
        #expect(sa.trainUsers == sb.trainUsers && sa.trainItems == sb.trainItems)
        #expect(sa.validItems == sb.validItems && sa.testUsers == sb.testUsers && sa.testItems == sb.testItems)
        #expect(sa.testItems != sc.testItems)
        // `--seed` alone no longer moves the split.
        #expect(try Self.settings(dir, ["--seed", "9"]).data.seed == 2020)
    }

    @Test func aNegativeSeedIsAUsageError() throws {
        let e = #expect(throws: CommandFlags.UsageError.self) { try Self.settings("/x", ["--split-seed", "-1"]) }
        #expect(e?.code == .invalidValue)
    }
}
