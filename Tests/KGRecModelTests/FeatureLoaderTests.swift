import Testing
@testable import KGRecModel

@Suite struct FeatureLoaderTests {
    static func resolve(_ t: String) -> FeatureLoader.Resolution {
        switch t {
        case "a": return .entity(0)
        case "b": return .entity(1)
        case "g": return .entity(3)
        case "dropped": return .dropped
        default: return .unknown
        }
    }

    @Test func mapsRowsToEntitiesAndSkipsDroppedOnes() throws {
        let dir = TempDirectory()
        try NpyFile.write(path: dir.file("f.npy"), rows: 3, cols: 2, values: [1, 2, 3, 4, 5, 6])
        dir.write("f.ids", "g\ndropped\na\n")
        let f = try FeatureLoader.load(npy: dir.file("f.npy"), ids: dir.file("f.ids"), entityCount: 5, resolve: Self.resolve)
        #expect(f.width == 2 && f.rowCount == 2)
        #expect(f.rowOfEntity == [1, -1, -1, 0, -1])
        #expect(f.vector(ofNode: 0).map(Array.init) == [5, 6])
        #expect(f.vector(ofNode: 3).map(Array.init) == [1, 2])
        #expect(f.vector(ofNode: 1) == nil)
        #expect(f.row(ofNode: 99) == -1)  // users have no content
    }

    @Test func unknownIdNamesTheIdsFileLine() throws {
        let dir = TempDirectory()
        try NpyFile.write(path: dir.file("f.npy"), rows: 2, cols: 1, values: [1, 2])
        dir.write("f.ids", "a\nzzz\n")
        let e = #expect(throws: DataError.self) {
            try FeatureLoader.load(npy: dir.file("f.npy"), ids: dir.file("f.ids"), entityCount: 5, resolve: Self.resolve)
        }
        #expect(e?.code == .unknownID && e?.file == dir.file("f.ids") && e?.line == 2)
    }

    @Test func duplicateIdOrRowCountMismatchIsAnError() throws {
        let dir = TempDirectory()
        try NpyFile.write(path: dir.file("f.npy"), rows: 2, cols: 1, values: [1, 2])
        dir.write("dup.ids", "a\na\n")
        dir.write("short.ids", "a\n")
        let dup = #expect(throws: DataError.self) {
            try FeatureLoader.load(npy: dir.file("f.npy"), ids: dir.file("dup.ids"), entityCount: 5, resolve: Self.resolve)
        }
        #expect(dup?.code == .duplicate && dup?.file == dir.file("dup.ids") && dup?.line == 2)
        let short = #expect(throws: DataError.self) {
            try FeatureLoader.load(npy: dir.file("f.npy"), ids: dir.file("short.ids"), entityCount: 5, resolve: Self.resolve)
        }
        #expect(short?.code == .inconsistent && short?.file == dir.file("short.ids"))
    }
}
