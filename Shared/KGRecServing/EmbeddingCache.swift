import Synchronization

/// A thread-safe LRU cache of embedding vectors bounded by bytes, whose entries belong to one
/// graph table version: an entry stored under an older version is a miss and is dropped.
///
/// Memory accounting per entry: `4 × vector.count + key.utf8.count + entryOverhead` bytes.
public final class EmbeddingCache: Sendable {
    public struct Stats: Sendable, Equatable {
        public var hits = 0
        public var misses = 0
        public var evictions = 0
        public var entries = 0
        public var bytes = 0
    }

    /// Bookkeeping bytes charged per entry on top of its key and floats.
    public static let entryOverhead = 64

    public let capacityBytes: Int
    private let state: Mutex<LRUState>

    public init(capacityBytes: Int) {
        precondition(capacityBytes >= 0)
        self.capacityBytes = capacityBytes
        state = Mutex(LRUState())
    }

    /// The vector under `key` if it was stored for `version`; counts a hit or (unless
    /// `countingMiss` is false) a miss.
    public func get(_ key: String, version: UInt64, countingMiss: Bool = true) -> [Float]? {
        state.withLock { s in
            let miss = countingMiss ? 1 : 0
            guard let slot = s.index[key] else { s.stats.misses += miss; return nil }
            guard s.nodes[slot].version == version else {
                s.remove(slot: slot)
                s.stats.misses += miss
                return nil
            }
            s.moveToFront(slot)
            s.stats.hits += 1
            return s.nodes[slot].vector
        }
    }

    /// Stores `vector` under `key` for `version`, evicting least recently used entries to fit.
    /// An entry larger than the whole capacity is not stored.
    public func put(_ key: String, version: UInt64, vector: [Float]) {
        let size = Self.cost(key: key, floats: vector.count)
        state.withLock { s in
            if let slot = s.index[key] { s.remove(slot: slot) }
            guard size <= capacityBytes else { return }
            while s.stats.bytes + size > capacityBytes, let tail = s.tail {
                s.remove(slot: tail)
                s.stats.evictions += 1
            }
            s.insertFront(key: key, version: version, vector: vector, size: size)
        }
    }

    /// Drops every entry.
    public func removeAll() {
        state.withLock { s in
            let kept = (s.stats.hits, s.stats.misses, s.stats.evictions)
            s = LRUState()
            (s.stats.hits, s.stats.misses, s.stats.evictions) = kept
        }
    }

    public var stats: Stats { state.withLock { $0.stats } }

    static func cost(key: String, floats: Int) -> Int { 4 * floats + key.utf8.count + entryOverhead }
}

/// The LRU list as arrays of nodes linked by index, with a free list; guarded by the cache.
struct LRUState: ~Copyable {
    struct Node {
        var key: String
        var version: UInt64
        var vector: [Float]
        var size: Int
        var prev: Int?
        var next: Int?
    }

    var nodes: [Node] = []
    var free: [Int] = []
    var index: [String: Int] = [:]
    var head: Int?
    var tail: Int?
    var stats = EmbeddingCache.Stats()

    mutating func insertFront(key: String, version: UInt64, vector: [Float], size: Int) {
        let node = Node(key: key, version: version, vector: vector, size: size, prev: nil, next: head)
        let slot: Int
        if let f = free.popLast() { nodes[f] = node; slot = f } else { nodes.append(node); slot = nodes.count - 1 }
        if let h = head { nodes[h].prev = slot }
        head = slot
        if tail == nil { tail = slot }
        index[key] = slot
        stats.entries += 1
        stats.bytes += size
    }

    mutating func unlink(_ slot: Int) {
        let (p, n) = (nodes[slot].prev, nodes[slot].next)
        if let p { nodes[p].next = n } else { head = n }
        if let n { nodes[n].prev = p } else { tail = p }
        nodes[slot].prev = nil
        nodes[slot].next = nil
    }

    mutating func remove(slot: Int) {
        unlink(slot)
        index[nodes[slot].key] = nil
        stats.entries -= 1
        stats.bytes -= nodes[slot].size
        nodes[slot].vector = []
        nodes[slot].key = ""
        free.append(slot)
    }

    mutating func moveToFront(_ slot: Int) {
        guard head != slot else { return }
        unlink(slot)
        nodes[slot].next = head
        if let h = head { nodes[h].prev = slot }
        head = slot
        if tail == nil { tail = slot }
    }
}
