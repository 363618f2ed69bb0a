import Testing
@testable import KGRecModel

@Suite struct KGATLoaderTests {
    @Test func readsTrainTestAndKGWithItemsAsFirstEntities() throws {
        let dir = TempDirectory()
        var train = ""
        for u in 0..<3 { train += "\(u) " + (0..<10).map { String(($0 + u) % 12) }.joined(separator: " ") + "\n" }
        dir.write("train.txt", train)
        dir.write("test.txt", "0 11\n1 0 \n2\n")
        dir.write("kg_final.txt", "0 0 12\n1 1 13\n\n")
        let raw = try KGATLoader.load(directory: dir.path)
        #expect(raw.users.count == 3 && raw.items.count == 12 && raw.entities.count == 14 && raw.relations.count == 2)
        let s = try #require(raw.presplit)
        #expect(s.testUsers == [0, 1] && s.testItems == [11, 0])
        #expect(s.trainUsers.count + s.validUsers.count == 30)
        #expect(s.validSets.count(of: 0) == 1)  // RecBole rounding of 8:1 over 10
        let d = try DatasetLoader.load(DataOptions(path: dir.path, format: .kgat))
        #expect(d.graph.contains(head: 12, relation: 3, tail: 0))
    }

    @Test func raggedKGLineIsAnError() throws {
        let dir = TempDirectory()
        dir.write("train.txt", "0 1 2\n")
        dir.write("test.txt", "0 3\n")
        dir.write("kg_final.txt", "0 0 4\n1 1\n")
        let e = #expect(throws: DataError.self) { try KGATLoader.load(directory: dir.path) }
        #expect(e?.code == .malformed && e?.file == dir.file("kg_final.txt") && e?.line == 2)
    }

    @Test func nonIntegerIdIsAnError() throws {
        let dir = TempDirectory()
        dir.write("train.txt", "0 1 2\n1 x 3\n")
        dir.write("test.txt", "0 3\n")
        let e = #expect(throws: DataError.self) { try KGATLoader.load(directory: dir.path) }
        #expect(e?.code == .malformed && e?.file == dir.file("train.txt") && e?.line == 2)
    }
}
