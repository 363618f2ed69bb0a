import Testing
@testable import KGRecServing

@Suite struct EmbeddingCacheTests {
    private let vector = [Float](repeating: 1, count: 16)
    private var entryCost: Int { EmbeddingCache.cost(key: "u1", floats: 16) }

    @Test func hitReturnsTheStoredVector() {
        let cache = EmbeddingCache(capacityBytes: 10_000)
        cache.put("u1", version: 3, vector: vector)
        #expect(cache.get("u1", version: 3) == vector)
        #expect(cache.stats.hits == 1)
    }

    @Test func entryFromAnOlderVersionIsAMissAndIsDropped() {
        let cache = EmbeddingCache(capacityBytes: 10_000)
        cache.put("u1", version: 3, vector: vector)
        #expect(cache.get("u1", version: 4) == nil)
        #expect(cache.stats.entries == 0)
        #expect(cache.get("u1", version: 3) == nil)
    }

    @Test func leastRecentlyUsedEntryIsEvictedFirst() {
        let cache = EmbeddingCache(capacityBytes: 2 * entryCost)
        cache.put("u1", version: 1, vector: vector)
        cache.put("u2", version: 1, vector: vector)
        _ = cache.get("u1", version: 1)  // u2 is now the least recently used
        cache.put("u3", version: 1, vector: vector)
        #expect(cache.get("u2", version: 1) == nil)
        #expect(cache.get("u1", version: 1) != nil)
        #expect(cache.get("u3", version: 1) != nil)
        #expect(cache.stats.evictions == 1)
    }

    @Test func bytesNeverExceedTheCapacity() {
        let cache = EmbeddingCache(capacityBytes: 5_000)
        for i in 0..<1_000 {
            cache.put("key\(i)", version: 1, vector: [Float](repeating: 0, count: i % 40))
            #expect(cache.stats.bytes <= 5_000)
        }
        #expect(cache.stats.entries > 0)
    }

    @Test func entryLargerThanTheCapacityIsNotStored() {
        let cache = EmbeddingCache(capacityBytes: 100)
        cache.put("big", version: 1, vector: [Float](repeating: 0, count: 1_000))
        #expect(cache.stats.entries == 0)
        #expect(cache.stats.bytes == 0)
    }

    @Test func replacingAKeyKeepsOneEntry() {
        let cache = EmbeddingCache(capacityBytes: 10_000)
        cache.put("u1", version: 1, vector: vector)
        cache.put("u1", version: 2, vector: [2])
        #expect(cache.stats.entries == 1)
        #expect(cache.get("u1", version: 2) == [2])
    }

    @Test func concurrentUseKeepsTheAccountingConsistent() async {
        let cost = EmbeddingCache.cost(key: "u10", floats: 16)
        let cache = EmbeddingCache(capacityBytes: 20 * cost)
        await withTaskGroup(of: Void.self) { group in
            for t in 0..<4 {
                group.addTask {
                    for i in 0..<2_000 {
                        let key = "u\(10 + (i * 7 + t) % 50)"  // all keys 3 bytes: equal cost
                        if cache.get(key, version: 1) == nil { cache.put(key, version: 1, vector: [Float](repeating: 1, count: 16)) }
                    }
                }
            }
        }
        let s = cache.stats
        #expect(s.hits + s.misses == 8_000)
        #expect(s.entries <= 20)
        #expect(s.bytes == s.entries * cost)
    }
}
