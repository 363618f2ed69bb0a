import KGRecWire

/// Merging an interaction log's update records at start-up, so replay does not grow with the
/// number of updates ever made.
///
/// An update record is one `AddInteractionsRequest`, which has only repeated fields, so
/// consecutive requests merge into one that lists their new items, then their interactions, each
/// in log order. Applying the merged request gives the same state as applying them one by one: new
/// items are added in the same order, users are created in the same (interaction) order, and every
/// merged request was valid in sequence, so it is valid merged. Versions count records, so the
/// header's base absorbs the records merged away (`base + merged-away + 1 + remaining` is the old
/// last version) and versions keep strictly increasing.
enum InteractionLogCompaction {
    /// Largest merged record (the log allows up to `DurableLog.maxRecordBytes`).
    static let mergedRecordBytes = 16 << 20

    /// `updates` merged into as few records as `mergedRecordBytes` allows, oldest first; a record
    /// already bigger than that stays on its own.
    static func merged(_ updates: [[UInt8]]) throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        var pending = Kgrec_V1_AddInteractionsRequest()
        var pendingBytes = 0
        var pendingCount = 0
        func flush() throws {
            guard pendingCount > 0 else { return }
            out.append(pending.serializedBytes())
            pending = Kgrec_V1_AddInteractionsRequest()
            pendingBytes = 0
            pendingCount = 0
        }
        for bytes in updates {
            if pendingCount > 0, pendingBytes + bytes.count > mergedRecordBytes { try flush() }
            let request = try Kgrec_V1_AddInteractionsRequest(serializedBytes: bytes)
            pending.newItems.append(contentsOf: request.newItems)
            pending.interactions.append(contentsOf: request.interactions)
            pendingBytes += bytes.count
            pendingCount += 1
        }
        try flush()
        return out
    }
}
