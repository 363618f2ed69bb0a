import Testing
@testable import KGRecModel

@Suite struct RecBoleLoaderTests {
    /// 3 users, items a (linked), b (linked), c (not linked); KG with 2 relations.
    static func write(_ dir: TempDirectory, inter: String? = nil, kg: String? = nil) {
        dir.write("toy.inter", inter ?? "user_id:token\titem_id:token\trating:float\nu1\ta\t5\nu1\tb\t3\nu2\tc\t4\nu3\ta\t1\nu3\tc\t2\n")
        dir.write("toy.link", "item_id:token\tentity_id:token\na\tm.a\nb\tm.b\n")
        dir.write("toy.kg", kg ?? "head_id:token\trelation_id:token\ttail_id:token\nm.a\tgenre\tm.g1\nm.b\tgenre\tm.g1\nm.g1\tsub\tm.g2\n")
        dir.write("toy.item", "item_id:token\tmovie_title:token_seq\na\tAlpha\nb\tBeta\nc\tGamma\n")
    }

    @Test func keepsOnlyInteractionsOfKGLinkedItems() throws {
        let dir = TempDirectory()
        Self.write(dir)
        let raw = try RecBoleLoader.load(directory: dir.path)
        #expect(raw.users.tokens == ["u1", "u3"])
        #expect(raw.items.tokens == ["a", "b"])
        #expect(raw.interactionUsers == [0, 0, 1])
        #expect(raw.entities.tokens == ["m.a", "m.b", "m.g1", "m.g2"])
        #expect(raw.relations.tokens == ["genre", "sub"])
        #expect(raw.knowledge.heads == [0, 1, 2] && raw.knowledge.tails == [2, 2, 3])
        #expect(raw.itemTitles == ["Alpha", "Beta"])
        #expect(raw.droppedItems.contains("c"))
        if case .dropped = raw.resolve("c") {} else { Issue.record("c should resolve as dropped") }
        if case .entity(let e) = raw.resolve("m.g1") { #expect(e == 2) } else { Issue.record("m.g1 should resolve") }
    }

    @Test func allInteractionsWhenNotFiltering() throws {
        let dir = TempDirectory()
        Self.write(dir)
        let raw = try RecBoleLoader.load(directory: dir.path, linkedOnly: false)
        #expect(raw.items.tokens == ["a", "b", "c"])
        #expect(raw.entities[2] == "c")  // unlinked item: its own token
        #expect(raw.interactionUsers.count == 5)
    }

    @Test func badHeaderNamesFileAndLine() throws {
        let dir = TempDirectory()
        Self.write(dir, inter: "user_id\titem_id:token\nu1\ta\n")
        let e = #expect(throws: DataError.self) { try RecBoleLoader.load(directory: dir.path) }
        #expect(e?.code == .malformed && e?.file == dir.file("toy.inter") && e?.line == 1)
    }

    @Test func missingColumnIsAnError() throws {
        let dir = TempDirectory()
        Self.write(dir, inter: "user_id:token\trating:float\nu1\t3\n")
        let e = #expect(throws: DataError.self) { try RecBoleLoader.load(directory: dir.path) }
        #expect(e?.code == .malformed && e?.file == dir.file("toy.inter") && e?.line == 1)
    }

    @Test func raggedLineNamesTheLine() throws {
        let dir = TempDirectory()
        Self.write(dir, kg: "head_id:token\trelation_id:token\ttail_id:token\nm.a\tgenre\tm.g1\nm.b\tgenre\n")
        let e = #expect(throws: DataError.self) { try RecBoleLoader.load(directory: dir.path) }
        #expect(e?.code == .malformed && e?.file == dir.file("toy.kg") && e?.line == 3)
    }

    @Test func emptyTokenIsAnError() throws {
        let dir = TempDirectory()
        Self.write(dir, inter: "user_id:token\titem_id:token\nu1\t\n")
        let e = #expect(throws: DataError.self) { try RecBoleLoader.load(directory: dir.path) }
        #expect(e?.code == .malformed && e?.file == dir.file("toy.inter") && e?.line == 2)
    }

    @Test func missingDirectoryOrInterFileIsAnError() throws {
        let dir = TempDirectory()
        let noInter = #expect(throws: DataError.self) { try RecBoleLoader.load(directory: dir.path) }
        #expect(noInter?.code == .malformed && noInter?.file == dir.path)
        let noDirectory = #expect(throws: DataError.self) { try DatasetLoader.load(DataOptions(path: dir.file("nope"))) }
        #expect(noDirectory?.code == .unreadable && noDirectory?.file == dir.file("nope"))
    }
}
