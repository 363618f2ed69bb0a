import Testing
@testable import KGRecModel

@Suite struct SyntheticKGTests {
    @Test func sameSeedSameDataOtherSeedOtherData() throws {
        let a = try SyntheticKG(.tiny), b = try SyntheticKG(.tiny)
        var c = SynthConfig.tiny
        c.seed = 8
        let other = try SyntheticKG(c)
        #expect(a.raw.interactionItems == b.raw.interactionItems && a.features == b.features)
        #expect(a.raw.interactionItems != other.raw.interactionItems)
    }

    @Test func hasTheConfiguredShapeWithMissingModalities() throws {
        var c = SynthConfig.tiny
        c.missingVisual = 0.3
        let s = try SyntheticKG(c)
        #expect(s.raw.users.count == c.users && s.raw.items.count == c.items && s.raw.entities.count == c.items + c.attributes)
        let v = try #require(s.features.visual), t = try #require(s.features.text)
        #expect(v.width == c.visualWidth && t.width == c.textWidth)
        #expect(v.presentCount > c.items / 2 && v.presentCount < c.items * 85 / 100)
        #expect(t.presentCount > c.items * 8 / 10 && t.presentCount < c.items)
        #expect((c.items..<c.items + c.attributes).allSatisfy { v.row(ofNode: $0) < 0 })
        for u in 0..<c.users {
            let w = s.userWeights[u * 3..<u * 3 + 3]
            #expect(abs(w.reduce(0, +) - 1) < 1e-5)
        }
        // Every item has 1–2 attributes per relation.
        let d = s.dataset()
        for i in 0..<c.items {
            let kg = d.graph.edges(of: i).filter { d.graph.relations[$0] >= 2 }.count
            #expect(kg >= c.relations && kg <= 2 * c.relations)
        }
    }

    @Test func writtenFilesLoadBackAsTheSameDataset() throws {
        let dir = TempDirectory()
        let s = try SyntheticKG(.tiny)
        try s.write(to: dir.path)
        let loaded = try DatasetLoader.load(DataOptions(path: dir.path))
        let direct = s.dataset()
        #expect(loaded.userCount == direct.userCount && loaded.itemCount == direct.itemCount)
        #expect(loaded.entityCount == direct.entityCount && loaded.knowledge.count == direct.knowledge.count)
        #expect(loaded.split.trainSets.items.count == direct.split.trainSets.items.count)
        #expect(loaded.features.visual?.presentCount == direct.features.visual?.presentCount)
        #expect(loaded.features.text?.values.reduce(0, +) == direct.features.text?.values.reduce(0, +))
        #expect(loaded.graph.tripleCount == direct.graph.tripleCount)
    }

    @Test func invalidConfigIsRejected() {
        var c = SynthConfig.tiny
        c.missingText = 1.5
        let e = #expect(throws: DataError.self) { try SyntheticKG(c) }
        #expect(e?.code == .invalidValue && e?.file == "synth")
    }
}
