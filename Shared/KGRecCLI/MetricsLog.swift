import Foundation

/// `OUT/metrics.jsonl`: one JSON object per line (sorted keys), one line per epoch record, written
/// as training goes so a long run can be followed with `tail -f`. Without an output directory
/// nothing is written.
final class MetricsLog {
    private let handle: FileHandle?
    private let encoder: JSONEncoder

    init(directory: String?) throws {
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let directory else { handle = nil; return }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = (directory as NSString).appendingPathComponent("metrics.jsonl")
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        handle = FileHandle(forWritingAtPath: path)
    }

    deinit { try? handle?.close() }

    func append<Record: Encodable>(_ record: Record) {
        if let handle, let line = try? encoder.encode(record) { handle.write(line + Data("\n".utf8)) }
    }
}
