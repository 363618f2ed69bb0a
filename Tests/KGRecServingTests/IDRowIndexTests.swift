@testable import KGRecServing
import Testing

/// `IDRowIndex` finds every id at its row, by `String` and by bytes alike, and nothing else.
@Suite("ID row index")
struct IDRowIndexTests {
    @Test func everyIdIsFoundAtItsRowAndOnlyThoseIds() {
        // Lengths 0…40 cover the word loop and every tail length; ids that share all but their
        // last byte, or differ only in length, must not be confused.
        var ids = (0..<2_000).map { "i\($0)" }
        ids += (0...40).map { String(repeating: "k", count: $0) }
        ids += ["abcdefgh", "abcdefgi", "abcdefghX", "é", "日本"]
        let index = IDRowIndex(ids)
        #expect(index.count == ids.count)
        for (r, id) in ids.enumerated() {
            #expect(index[id] == Int32(r), "\(id)")
            var bytes = Array(id.utf8)
            #expect(bytes.withUnsafeBytes { index.row($0) } == Int32(r))
            bytes.append(0x21)
            #expect(bytes.withUnsafeBytes { index.row($0) } == nil)  // no id has a "!"
        }
        for absent in ["i2000", "i-1", "abcdefgj", String(repeating: "k", count: 41), "I1", "e"] {
            #expect(index[absent] == nil, "\(absent)")
        }
    }

    @Test func aDuplicateIdKeepsItsLastRow() {
        let index = IDRowIndex(["a", "b", "a"])
        #expect(index["a"] == 2 && index["b"] == 1 && index.count == 3)
    }

    @Test func anEmptyIndexFindsNothing() {
        let index = IDRowIndex([])
        #expect(index["x"] == nil && index[""] == nil && index.count == 0)
    }

    @Test func itsMemoryIsTwiceAsManySlotsAsIdsAndTheIdsWithTheirLengths() {
        let ids = (0..<1_000).map { "item\($0)" }
        // 2,048 slots of 8 bytes (the power of two ≥ 2 × 1,000), each id's bytes after 4 of length.
        #expect(IDRowIndex(ids).bytes == 8 * 2_048 + ids.reduce(0) { $0 + 4 + $1.utf8.count })
    }
}
