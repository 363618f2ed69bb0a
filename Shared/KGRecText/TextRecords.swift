import Foundation
import KGRecModel

/// `id<TAB>text` lines: the input of `kgrec embed-text` (one item per line, UTF-8, ids unique and
/// non-empty; the text may be empty and may contain further tabs). Blank lines are skipped.
public enum TextRecords {
    public static func read(path: String) throws -> [(id: String, text: String)] {
        let file = try TextFile(path: path)
        var out = [(id: String, text: String)]()
        var seen = [String: Int]()
        try file.forEachLine { number, line in
            if line.isEmpty { return }
            guard let tab = line.firstIndex(of: 0x09) else {
                throw DataError(.malformed, file: path, line: number, "no tab: expected 'id<TAB>text'")
            }
            guard let id = String(bytes: line[line.startIndex..<tab], encoding: .utf8),
                  let text = String(bytes: line[(tab + 1)...], encoding: .utf8) else {
                throw DataError(.malformed, file: path, line: number, "invalid UTF-8")
            }
            guard !id.isEmpty else { throw DataError(.malformed, file: path, line: number, "empty id") }
            if let first = seen[id] { throw DataError(.duplicate, file: path, line: number, "duplicate id '\(id)' (first on line \(first))") }
            seen[id] = number
            out.append((id, text))
        }
        return out
    }

    /// Writes `records` as `id<TAB>text` lines (ids and texts must hold no newline or, for ids, tab).
    public static func write(_ records: [(id: String, text: String)], to path: String) throws {
        var text = ""
        for r in records {
            guard !r.id.contains("\t"), !r.id.contains("\n"), !r.text.contains("\n") else {
                throw DataError(.invalidValue, file: path, "item '\(r.id)': ids may hold no tab or newline, texts no newline")
            }
            text += r.id + "\t" + r.text + "\n"
        }
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) else {
            throw DataError(.unwritable, file: path, "cannot write file")
        }
    }

    /// The item texts of the shared ml-100k text features, from RecBole's `ml-100k.item`
    /// (`item_id:token  movie_title:token_seq  release_year:token  class:token_seq`, tab-separated,
    /// genres space-separated): `"TITLE (YEAR). Genres: G1, G2."`, in file order.
    public static func ml100kItems(path: String) throws -> [(id: String, text: String)] {
        let file = try TextFile(path: path)
        var out = [(id: String, text: String)]()
        var columns = [String: Int]()
        try file.forEachLine { number, line in
            if line.isEmpty { return }
            let fields = TextFile.fields(line, separator: 0x09).map { String(decoding: $0, as: UTF8.self) }
            if number == 1 {
                for (i, f) in fields.enumerated() { columns[f] = i }
                for c in ["item_id:token", "movie_title:token_seq", "release_year:token", "class:token_seq"] where columns[c] == nil {
                    throw DataError(.malformed, file: path, line: 1, "header has no '\(c)' column")
                }
                return
            }
            func field(_ c: String) throws -> String {
                let i = columns[c]!
                guard i < fields.count else { throw DataError(.malformed, file: path, line: number, "missing column '\(c)'") }
                return fields[i]
            }
            let genres = try field("class:token_seq").split(separator: " ").joined(separator: ", ")
            out.append((try field("item_id:token"),
                        "\(try field("movie_title:token_seq")) (\(try field("release_year:token"))). Genres: \(genres)."))
        }
        return out
    }
}
