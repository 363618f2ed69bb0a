/// Per-user sorted item sets in CSR form (e.g. each user's training items).
/// Shapes: `offsets` is `[U + 1]`, `items` is `[P]` sorted ascending within each user's slice.
public struct UserItemSets: Sendable, Equatable {
    public let offsets: [Int32]
    public let items: [Int32]

    /// Groups (user `[P]`, item `[P]`) pairs; duplicates are dropped.
    public init(userCount: Int, users: [Int32], items pairItems: [Int32]) {
        var counts = [Int](repeating: 0, count: userCount + 1)
        for u in users { counts[Int(u) + 1] += 1 }
        for u in 0..<userCount { counts[u + 1] += counts[u] }
        var fill = counts
        var flat = [Int32](repeating: 0, count: users.count)
        for p in 0..<users.count {
            flat[fill[Int(users[p])]] = pairItems[p]
            fill[Int(users[p])] += 1
        }
        var out = [Int32]()
        out.reserveCapacity(flat.count)
        var off = [Int32](repeating: 0, count: userCount + 1)
        for u in 0..<userCount {
            var s = Array(flat[counts[u]..<counts[u + 1]])
            s.sort()
            var last: Int32 = -1
            for i in s where i != last { out.append(i); last = i }
            off[u + 1] = Int32(out.count)
        }
        offsets = off
        items = out
    }

    public var userCount: Int { offsets.count - 1 }

    /// The items of user `u`, sorted.
    @inline(__always) public func items(of u: Int) -> ArraySlice<Int32> {
        items[Int(offsets[u])..<Int(offsets[u + 1])]
    }

    public func count(of u: Int) -> Int { Int(offsets[u + 1] - offsets[u]) }

    /// Whether user `u` has item `i` (binary search).
    @inline(__always) public func contains(_ u: Int, _ i: Int32) -> Bool {
        var lo = Int(offsets[u]), hi = Int(offsets[u + 1])
        while lo < hi {
            let mid = (lo + hi) >> 1
            let v = items[mid]
            if v == i { return true }
            if v < i { lo = mid + 1 } else { hi = mid }
        }
        return false
    }
}
