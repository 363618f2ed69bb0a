/// A padded batch of token sequences as a BERT model takes it: ids and attention mask `[count,
/// length]` row-major (length = the longest sequence), padding id `padID` with mask 0.
public struct TokenBatch: Sendable, Equatable {
    public let count: Int
    public let length: Int
    /// `[count · length]`: sequence s, position p at `s · length + p`.
    public let ids: [Int32]
    /// `[count · length]`: 1 for a real token, 0 for padding.
    public let mask: [UInt8]

    public init(sequences: [[Int32]], padID: Int32) {
        count = sequences.count
        length = sequences.map(\.count).max() ?? 0
        var ids = [Int32](repeating: padID, count: count * length)
        var mask = [UInt8](repeating: 0, count: count * length)
        for (s, seq) in sequences.enumerated() {
            for (p, id) in seq.enumerated() { ids[s * length + p] = id; mask[s * length + p] = 1 }
        }
        self.ids = ids
        self.mask = mask
    }

    /// Number of real tokens of each sequence, `[count]`.
    public var lengths: [Int] {
        (0..<count).map { s in (0..<length).reduce(0) { $0 + Int(mask[s * length + $1]) } }
    }

    /// `[count + 1]` prefix sums of `lengths`: sequence s's real tokens are packed rows
    /// `packedOffsets[s] ..< packedOffsets[s + 1]`.
    public var packedOffsets: [Int] {
        var out = [0]
        for l in lengths { out.append(out.last! + l) }
        return out
    }
}
