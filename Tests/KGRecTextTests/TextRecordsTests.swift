import Foundation
import Testing
import KGRecModel
@testable import KGRecText

@Suite struct TextRecordsTests {
    func file(_ bytes: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tr-\(UUID().uuidString).tsv").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func readsIdTabTextLinesKeepingLaterTabs() throws {
        let path = try file(Array("1\tToy Story\n\n2\ta\tb\r\n3\t\n".utf8))
        let r = try TextRecords.read(path: path)
        #expect(r.map(\.id) == ["1", "2", "3"] && r.map(\.text) == ["Toy Story", "a\tb", ""])
    }

    @Test func badLinesAreErrorsNamingFileAndLine() throws {
        let cases: [([UInt8], Int, DataError.Code)] = [
            (Array("1\tok\nno tab here\n".utf8), 2, .malformed),
            (Array("1\tok\n2\tbad ".utf8) + [0xFF, 0xFE] + [0x0A], 2, .malformed),
            (Array("1\tok\n\tempty id\n".utf8), 2, .malformed),
            (Array("1\tok\n1\tagain\n".utf8), 2, .duplicate),
        ]
        for (bytes, line, code) in cases {
            let path = try file(bytes)
            let e = #expect(throws: DataError.self) { try TextRecords.read(path: path) }
            #expect(e?.code == code && e?.file == path && e?.line == line, "\(String(describing: e))")
        }
    }

    @Test func ml100kItemsBecomeTitleYearGenres() throws {
        let path = try file(Array("item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n1\tToy Story\t1995\tAnimation Children's Comedy\n".utf8))
        let r = try TextRecords.ml100kItems(path: path)
        #expect(r.count == 1 && r[0].id == "1" && r[0].text == "Toy Story (1995). Genres: Animation, Children's, Comedy.")
    }
}
