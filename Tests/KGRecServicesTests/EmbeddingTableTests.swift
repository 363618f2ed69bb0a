import Foundation
@testable import KGRecCLI
import KGRecModel
import KGRecWire
import Testing

/// `EmbeddingTable` (`kgrec table-graph`'s `.kgrtable` file and seeded tables) and the stand-in
/// graph that serves one (`TableGraphService`).
@Suite struct EmbeddingTableTests {
    static func tempPath(_ name: String) -> String {
        (NSTemporaryDirectory() as NSString).appendingPathComponent("kgrec-table-\(UInt64.random(in: 0 ... .max))-\(name)")
    }

    /// Users and items in unequal numbers, both ways round (the shorter list ends first).
    @Test(arguments: [(3, 1100), (1100, 3)])
    func aSeededTableHasEveryUserAndItemOnceWhicheverListIsLonger(users: Int, items: Int) throws {
        let t = EmbeddingTable.synthetic(users: users, items: items, visual: 3, text: 2, seen: 2, batchSize: 512)
        let graph = try TableGraphService(table: t)
        #expect(graph.counts.users == users && graph.counts.items == items)
        let m = try t.matrices(queries: 2)
        #expect(m.itemCount == items && m.visual == 3 && m.text == 2 && m.items.count == items * 5)
        #expect(m.userCount == 2)
    }

    @Test func aWrittenTableReadsBackBatchForBatch() throws {
        let t = EmbeddingTable.synthetic(users: 40, items: 700, visual: 4, text: 4, batchSize: 256)
        let path = Self.tempPath("ok.kgrtable")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try t.write(to: path)
        let back = try EmbeddingTable(path: path)
        #expect(back.batches.count == t.batches.count && back.batches.map { Data($0) } == t.batches.map { Data($0) })
    }

    @Test func aForeignOrTruncatedFileIsAnErrorNamingIt() throws {
        let t = EmbeddingTable.synthetic(users: 5, items: 5, visual: 2, text: 2)
        let good = Self.tempPath("good.kgrtable"), bad = Self.tempPath("bad.kgrtable")
        defer { for p in [good, bad] { try? FileManager.default.removeItem(atPath: p) } }
        try t.write(to: good)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        func error(_ content: Data) throws -> DataError? {
            try content.write(to: URL(fileURLWithPath: bad))
            do { _ = try EmbeddingTable(path: bad) } catch let e as DataError { return e }
            return nil
        }
        let truncated = try #require(try error(bytes.prefix(bytes.count - 3)))
        #expect(truncated.code == .corrupt && truncated.file == bad)
        let lengthCut = try #require(try error(bytes.prefix(EmbeddingTable.magic.count + 2)))
        #expect(lengthCut.code == .corrupt && lengthCut.file == bad)
        let foreign = try #require(try error(Data("PK\u{3}\u{4} not a table".utf8)))
        #expect(foreign.code == .unsupported && foreign.file == bad)
        let missing = Self.tempPath("missing.kgrtable")
        let absent = #expect(throws: DataError.self) { try EmbeddingTable(path: missing) }
        #expect(absent?.code == .unreadable && absent?.file == missing && absent?.cause != nil)
    }

    /// GetEmbeddings from the table: the very vectors it holds, unknown ids listed as unknown.
    @Test func theStandInGraphAnswersFromTheTableAndListsUnknownIds() throws {
        let t = EmbeddingTable.synthetic(users: 30, items: 600, visual: 3, text: 3, batchSize: 256)
        let graph = try TableGraphService(table: t)
        var r = Kgrec_V1_GetEmbeddingsRequest()
        r.userIds = ["u7", "nobody"]
        r.itemIds = ["i599", "i0", "i600"]
        let answer = try graph.answer(r)
        #expect(answer.users.map(\.id) == ["u7"] && answer.unknownUserIds == ["nobody"])
        #expect(answer.items.map(\.id) == ["i599", "i0"] && answer.unknownItemIds == ["i600"])
        let last = try t.batch(2).items.first { $0.id == "i599" }
        #expect(answer.items[0] == last && answer.version == 1)
        let u7 = try t.batch(0).users.first { $0.id == "u7" }
        #expect(answer.users[0] == u7)
    }
}
