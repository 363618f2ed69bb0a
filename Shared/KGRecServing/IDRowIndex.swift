/// External id → row, looked up by the id's UTF-8 bytes: what the ranker uses to find a Score
/// candidate's catalogue row straight from the request's wire bytes (no `String`, no hashing of
/// a `String`), and from a `String` the same way.
///
/// Layout: one entry per id back to back in `entries` (its byte count as a UInt32, then its bytes)
/// and an open-addressing table (`slots`, a power of two ≥ 2 × count, linear probing) whose slot
/// holds `entry offset << 32 | row` (all ones = empty), so a hit reads one slot and one entry.
/// Memory (`bytes`): 8 × slots + Σ (4 + id bytes); at 400,000 ids of ~7 bytes about 12.8 MB.
/// The hash is unseeded: the keys are the catalogue's own ids (the graph's), so a caller's id can
/// only probe the clusters the catalogue made, never grow them.
/// Immutable; a duplicate id keeps its last row (as a dictionary assignment would).
public struct IDRowIndex: Sendable {
    /// The slots and the entries as one allocation, immutable after `init`: a lookup reads raw
    /// memory without retaining or bounds-checking arrays.
    private final class Storage: @unchecked Sendable {
        let base: UnsafeMutableRawPointer
        let count: Int
        let slotCount: Int
        let entryBytes: Int
        var slots: UnsafeMutablePointer<UInt64> { base.assumingMemoryBound(to: UInt64.self) }
        var entries: UnsafeMutableRawPointer { base + 8 * slotCount }

        init(count: Int, slotCount: Int, entryBytes: Int) {
            self.count = count
            self.slotCount = slotCount
            self.entryBytes = entryBytes
            base = .allocate(byteCount: 8 * slotCount + entryBytes, alignment: 8)
        }

        deinit { base.deallocate() }
    }

    private static let empty = UInt64.max
    private let storage: Storage
    private let mask: Int

    public init(_ ids: [String]) {
        var total = 0
        for id in ids { total += 4 + id.utf8.count }
        precondition(total < Int(UInt32.max), "IDRowIndex: ids longer than 4 GiB in total")
        var slotCount = 16
        while slotCount < 2 * ids.count { slotCount <<= 1 }
        let st = Storage(count: ids.count, slotCount: slotCount, entryBytes: total)
        let slots = st.slots, entries = st.entries
        slots.initialize(repeating: Self.empty, count: slotCount)
        mask = slotCount - 1
        storage = st
        var at = 0
        for (r, id) in ids.enumerated() {
            let n = id.utf8.count
            entries.storeBytes(of: UInt32(n), toByteOffset: at, as: UInt32.self)
            var k = at + 4
            for b in id.utf8 { entries.storeBytes(of: b, toByteOffset: k, as: UInt8.self); k += 1 }
            let key = UnsafeRawBufferPointer(start: entries + at + 4, count: n)
            var s = Self.hash(key) & mask
            while slots[s] != Self.empty, !matches(slots[s], key) { s = (s + 1) & mask }
            slots[s] = UInt64(at) << 32 | UInt64(r)
            at = k
        }
    }

    /// Ids indexed (rows `0..<count`).
    public var count: Int { storage.count }

    /// Bytes held.
    public var bytes: Int { 8 * storage.slotCount + storage.entryBytes }

    /// The row of the id whose UTF-8 bytes are `key`, or nil.
    public func row(_ key: UnsafeRawBufferPointer) -> Int32? {
        let slots = storage.slots
        var s = Self.hash(key) & mask
        while true {
            let slot = slots[s]
            if slot == Self.empty { return nil }
            if matches(slot, key) { return Int32(truncatingIfNeeded: slot) }
            s = (s + 1) & mask
        }
    }

    public subscript(id: String) -> Int32? {
        var id = id
        return id.withUTF8 { row(UnsafeRawBufferPointer($0)) }
    }

    /// The slot's id is `key`: same length, then eight bytes at a time.
    @inline(__always)
    private func matches(_ slot: UInt64, _ key: UnsafeRawBufferPointer) -> Bool {
        let entry = UnsafeRawPointer(storage.entries + Int(slot >> 32))
        let n = Int(entry.loadUnaligned(as: UInt32.self))
        guard n == key.count else { return false }
        guard n > 0 else { return true }
        let a = entry + 4, b = key.baseAddress!
        var i = 0
        while i + 8 <= n {
            if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
            i += 8
        }
        return i == n || Self.tail(a, i, n) == Self.tail(b, i, n)
    }

    /// Bytes `i..<n` (fewer than 8) as one word, in at most three loads.
    @inline(__always)
    static func tail(_ p: UnsafeRawPointer, _ i: Int, _ n: Int) -> UInt64 {
        var word: UInt64 = 0, k = i
        let r = n - i
        if r & 4 != 0 { word = UInt64(p.loadUnaligned(fromByteOffset: k, as: UInt32.self)); k += 4 }
        if r & 2 != 0 { word = word << 16 | UInt64(p.loadUnaligned(fromByteOffset: k, as: UInt16.self)); k += 2 }
        if r & 1 != 0 { word = word << 8 | UInt64(p.load(fromByteOffset: k, as: UInt8.self)) }
        return word
    }

    /// Eight bytes at a time, multiply-xorshift mixing; the length is mixed in first.
    @inline(__always)
    static func hash(_ key: UnsafeRawBufferPointer) -> Int {
        var h = UInt64(truncatingIfNeeded: key.count) &* 0x9E37_79B9_7F4A_7C15
        var i = 0
        if let p = key.baseAddress {
            while i + 8 <= key.count {
                h = (h ^ p.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
                h ^= h >> 31
                i += 8
            }
            if i < key.count { h = (h ^ tail(p, i, key.count)) &* 0xBF58_476D_1CE4_E5B9 }
        }
        h ^= h >> 29
        h = h &* 0x94D0_49BB_1331_11EB
        return Int(truncatingIfNeeded: h ^ (h >> 32))
    }
}
