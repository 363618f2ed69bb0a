import Foundation

/// The first record of an interaction log: which checkpoint its updates belong to, and the
/// version its table counts from (`base`: the log serves versions `base + 1 + updates`).
///
/// When the graph starts with a checkpoint other than its log's, the log is moved aside
/// (`PATH.<old checkpoint>.<unix seconds>`, kept for the operator) and a new one is started whose
/// `base` is past every version the old one served, so table versions strictly increase across
/// checkpoints and restarts (the ranker's version-keyed cache relies on that). A log written
/// before headers existed has none: its records are replayed as before, from base 0.
struct InteractionLogHeader: Equatable, Sendable {
    static let magic = Array("KGRHDR1\n".utf8)

    var checkpoint: String
    var base: UInt64

    var record: [UInt8] {
        let json = try! JSONSerialization.data(withJSONObject: ["checkpoint": checkpoint, "base": base], options: [.sortedKeys])
        return Self.magic + Array(json)
    }

    /// The header in `record`, nil when it is not one (an update record of a header-less log).
    init?(record: [UInt8]) {
        guard record.count > Self.magic.count, Array(record.prefix(Self.magic.count)) == Self.magic,
              let object = try? JSONSerialization.jsonObject(with: Data(record.dropFirst(Self.magic.count))) as? [String: Any],
              let checkpoint = object["checkpoint"] as? String, let base = (object["base"] as? NSNumber)?.uint64Value
        else { return nil }
        self.init(checkpoint: checkpoint, base: base)
    }

    init(checkpoint: String, base: UInt64) {
        self.checkpoint = checkpoint
        self.base = base
    }

    /// The last version a log with this header and `updates` update records served.
    func lastVersion(updates: Int) -> UInt64 { base + 1 + UInt64(updates) }
}
