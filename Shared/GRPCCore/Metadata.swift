/// Custom metadata of a call: an ordered multimap from lower-case keys to values. Keys ending in
/// `-bin` carry binary values (base64 on the wire, done by the transport); all others ASCII text.
public struct Metadata: Hashable, Sendable, Sequence {
    public enum Value: Hashable, Sendable {
        case string(String)
        case binary([UInt8])
    }

    public private(set) var entries: [(key: String, value: Value)] = []

    public init() {}

    public init(_ pairs: [(String, String)]) {
        for (k, v) in pairs { add(k, v) }
    }

    public var isEmpty: Bool { entries.isEmpty }
    public var count: Int { entries.count }

    /// Adds a text value; the key is lower-cased.
    public mutating func add(_ key: String, _ value: String) {
        append(Self.lowercased(key), .string(value))
    }

    /// Adds a binary value; the key must end in `-bin`.
    public mutating func add(_ key: String, binary: [UInt8]) {
        let k = Self.lowercased(key)
        precondition(k.hasSuffix("-bin"), "binary metadata keys end in -bin")
        append(k, .binary(binary))
    }

    public mutating func add(_ key: String, value: Value) {
        append(Self.lowercased(key), value)
    }

    /// A request's metadata is built one entry at a time on the per-call path: room for four
    /// entries at the first one, so a few entries cost one allocation rather than one per growth.
    private mutating func append(_ key: String, _ value: Value) {
        if entries.capacity == 0 { entries.reserveCapacity(4) }
        entries.append((key, value))
    }

    /// `key.lowercased()`, without building a new string when it already is (HTTP/2 header
    /// names always are).
    private static func lowercased(_ key: String) -> String {
        key.utf8.allSatisfy { $0 < 0x80 && !(UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) } ? key : key.lowercased()
    }

    public mutating func removeAll(_ key: String) {
        let k = Self.lowercased(key)
        entries.removeAll { $0.key == k }
    }

    /// The first text value under `key`.
    public subscript(key: String) -> String? {
        let k = Self.lowercased(key)
        for e in entries where e.key == k { if case .string(let s) = e.value { return s } }
        return nil
    }

    /// The first binary value under `key` (a `-bin` key).
    public func binary(_ key: String) -> [UInt8]? {
        let k = Self.lowercased(key)
        for e in entries where e.key == k { if case .binary(let b) = e.value { return b } }
        return nil
    }

    public func values(_ key: String) -> [Value] {
        let k = Self.lowercased(key)
        return entries.filter { $0.key == k }.map(\.value)
    }

    public func makeIterator() -> IndexingIterator<[(key: String, value: Value)]> {
        entries.makeIterator()
    }

    public static func == (a: Metadata, b: Metadata) -> Bool {
        a.entries.count == b.entries.count
            && zip(a.entries, b.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    public func hash(into h: inout Hasher) {
        for e in entries { h.combine(e.key); h.combine(e.value) }
    }
}
