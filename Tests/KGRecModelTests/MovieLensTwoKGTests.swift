import Foundation
@testable import KGRecModel
import Testing

/// `MovieLensTwoKG` on a hand-written ml-100k: movies 1 and 2 (1995) are linked to Freebase, 3
/// (1987) is not.
@Suite struct MovieLensTwoKGTests {
    static func write(_ dir: TempDirectory) throws -> (b: MovieLensTwoKG.TextFeatures, a: MovieLensTwoKG.TextFeatures) {
        dir.write("ml-100k.inter", "user_id:token\titem_id:token\trating:float\nu1\t1\t5\nu1\t2\t3\nu2\t1\t4\nu2\t3\t2\n")
        dir.write("ml-100k.link", "item_id:token\tentity_id:token\n1\tm.1\n2\tm.2\n")
        dir.write("ml-100k.kg", "head_id:token\trelation_id:token\ttail_id:token\nm.1\tfilm.genre\tm.g\nm.2\tfilm.genre\tm.g\n")
        dir.write("ml-100k.item", "item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n"
                  + "1\tAlpha\t1995\tAction Comedy\n2\tBeta\t1995\tAction\n3\tGamma\t1987\tDrama\n")
        var files = [MovieLensTwoKG.TextFeatures]()
        for (name, rows) in [("b", 3), ("a", 3)] {
            let npy = dir.file("\(name).npy")
            try NpyFile.write(path: npy, rows: rows, cols: 2, values: (0..<rows * 2).map { Float($0) + (name == "a" ? 100 : 0) })
            files.append(.init(npy: npy, ids: dir.write("\(name).ids", "1\n2\n3\n")))
        }
        return (files[0], files[1])
    }

    static func triples(_ s: KGSide) -> [String] {
        (0..<s.triples.count).map { k in
            s.entities[Int(s.triples.heads[k])] + " " + s.triples.relationNames[Int(s.triples.relations[k])] + " " + s.entities[Int(s.triples.tails[k])]
        }
    }

    /// Two movies of 1995 used to write `year:1995 in_decade decade:1990s` twice.
    @Test func kgBHasEveryTripleOnce() throws {
        let dir = TempDirectory()
        let text = try Self.write(dir)
        for k in [0, 1, 2] {
            let task = try MovieLensTwoKG.make(directory: dir.path, bText: text.b, coWatched: k)
            let b = Self.triples(task.sides[1])
            #expect(Set(b).count == b.count, "co-watched \(k): \(b)")
            #expect(b.filter { $0 == "year:1995 in_decade decade:1990s" }.count == 1)
        }
        let plain = Self.triples(try MovieLensTwoKG.make(directory: dir.path, bText: text.b).sides[1])
        // genres 2 + 1 + 1, released_in and released_in_decade 3 + 3, in_decade for 1995 and 1987.
        #expect(plain.count == 12)
    }

    @Test func kgAHasContentOnlyWhenGivenAText() throws {
        let dir = TempDirectory()
        let text = try Self.write(dir)
        let none = try MovieLensTwoKG.make(directory: dir.path, bText: text.b)
        #expect(none.sides[0].features.text == nil && none.sides[1].features.text?.presentCount == 3)
        let task = try MovieLensTwoKG.make(directory: dir.path, bText: text.b, aText: text.a)
        let a = try #require(task.sides[0].features.text)
        // A's linked movies (items 0, 1 = item_id 1, 2) get rows 1 and 2 of a.npy; item_id 3 has no Freebase entity.
        #expect(a.presentCount == 2 && task.sides[0].entities[0] == "m.1")
        #expect(Array(a.vector(ofNode: 0)!) == [100, 101] && Array(a.vector(ofNode: 1)!) == [102, 103])
        #expect(task.features.text?.presentCount == 5)
    }
}
