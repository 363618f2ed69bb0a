import Foundation

/// A whole text file in memory, scanned line by line and field by field on raw bytes (fast enough
/// for millions of lines; no per-line `String` unless a field is kept).
public struct TextFile {
    public let path: String
    public let bytes: [UInt8]

    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataError(.unreadable, file: path, "cannot read file")
        }
        self.path = path
        bytes = [UInt8](data)
    }

    /// Calls `body(lineNumber, line)` for each line (1-based, trailing `\r` removed, blank lines kept).
    public func forEachLine(_ body: (Int, ArraySlice<UInt8>) throws -> Void) rethrows {
        var start = 0, number = 0
        let n = bytes.count
        while start < n {
            var end = start
            while end < n && bytes[end] != 0x0A { end += 1 }
            number += 1
            var stop = end
            if stop > start && bytes[stop - 1] == 0x0D { stop -= 1 }
            try body(number, bytes[start..<stop])
            start = end + 1
        }
    }

    /// Splits `line` on `separator`; with `collapse`, runs of separators count as one and leading or
    /// trailing ones are ignored (whitespace-separated formats).
    public static func fields(_ line: ArraySlice<UInt8>, separator: UInt8, collapse: Bool = false) -> [ArraySlice<UInt8>] {
        var out = [ArraySlice<UInt8>]()
        var s = line.startIndex
        var i = s
        while i < line.endIndex {
            if line[i] == separator {
                if !collapse || i > s { out.append(line[s..<i]) }
                s = i + 1
            }
            i += 1
        }
        if !collapse || line.endIndex > s { out.append(line[s..<line.endIndex]) }
        return out
    }

    static func string(_ f: ArraySlice<UInt8>) -> String { String(decoding: f, as: UTF8.self) }

    /// A non-negative decimal integer, or nil.
    static func int(_ f: ArraySlice<UInt8>) -> Int? {
        if f.isEmpty || f.count > 18 { return nil }
        var v = 0
        for c in f {
            guard c >= 0x30 && c <= 0x39 else { return nil }
            v = v * 10 + Int(c - 0x30)
        }
        return v
    }
}
