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
        entries.append((key.lowercased(), .string(value)))
    }

    /// Adds a binary value; the key must end in `-bin`.
    public mutating func add(_ key: String, binary: [UInt8]) {
        precondition(key.lowercased().hasSuffix("-bin"), "binary metadata keys end in -bin")
        entries.append((key.lowercased(), .binary(binary)))
    }

    public mutating func add(_ key: String, value: Value) {
        entries.append((key.lowercased(), value))
    }

    public mutating func removeAll(_ key: String) {
        let k = key.lowercased()
        entries.removeAll { $0.key == k }
    }

    /// The first text value under `key`.
    public subscript(key: String) -> String? {
        let k = key.lowercased()
        for e in entries where e.key == k { if case .string(let s) = e.value { return s } }
        return nil
    }

    /// The first binary value under `key` (a `-bin` key).
    public func binary(_ key: String) -> [UInt8]? {
        let k = key.lowercased()
        for e in entries where e.key == k { if case .binary(let b) = e.value { return b } }
        return nil
    }

    public func values(_ key: String) -> [Value] {
        let k = key.lowercased()
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
