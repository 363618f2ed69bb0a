/// A RecBole atomic file (`.inter`, `.item`, `.kg`, `.link`): tab-separated, first line a header of
/// `name:type` fields (type `token`, `token_seq`, `float` or `float_seq`).
struct AtomicFile {
    static let types: Set<String> = ["token", "token_seq", "float", "float_seq"]

    /// The requested columns (column-major: `result[c][row]`); `optional` columns may be missing and
    /// come back empty. Throws `DataError` on a bad header, a missing required column or a ragged line.
    static func read(path: String, columns: [String], optional: Set<String> = []) throws -> [[String]] {
        try readTable(path: path, columns: columns, optional: optional).columns
    }

    /// `read`'s columns plus the 1-based file line of each row (`lines[row]`), for errors about a row.
    static func readTable(path: String, columns: [String], optional: Set<String> = []) throws -> (columns: [[String]], lines: [Int]) {
        let file = try TextFile(path: path)
        var lines = [Int]()
        var positions = [Int?](repeating: nil, count: columns.count)
        var width = 0
        var result = [[String]](repeating: [], count: columns.count)
        try file.forEachLine { number, line in
            if number == 1 {
                let header = TextFile.fields(line, separator: 0x09)
                width = header.count
                var names = [String: Int]()
                for (k, h) in header.enumerated() {
                    let field = TextFile.string(h)
                    let parts = field.split(separator: ":", omittingEmptySubsequences: false)
                    guard parts.count == 2, !parts[0].isEmpty, types.contains(String(parts[1])) else {
                        throw DataError(.malformed, file: path, line: 1,
                                        "bad header field '\(field)': expected name:type with type token, token_seq, float or float_seq")
                    }
                    names[String(parts[0])] = k
                }
                for (c, name) in columns.enumerated() {
                    positions[c] = names[name]
                    if positions[c] == nil && !optional.contains(name) {
                        throw DataError(.malformed, file: path, line: 1, "missing column '\(name)' in header")
                    }
                }
                return
            }
            if line.isEmpty { return }
            let fields = TextFile.fields(line, separator: 0x09)
            guard fields.count == width else {
                throw DataError(.malformed, file: path, line: number, "ragged line: expected \(width) tab-separated fields, found \(fields.count)")
            }
            for c in 0..<columns.count {
                guard let p = positions[c] else { continue }
                if fields[p].isEmpty && !optional.contains(columns[c]) {
                    throw DataError(.malformed, file: path, line: number, "empty value in column '\(columns[c])'")
                }
                result[c].append(TextFile.string(fields[p]))
            }
            lines.append(number)
        }
        if width == 0 { throw DataError(.malformed, file: path, line: 1, "empty file: missing header") }
        return (result, lines)
    }
}
