import Foundation
import Testing
@testable import KGRecModel

@Suite struct SplitFilesTests {
    static func expectSameSplit(_ a: InteractionSplit, _ b: InteractionSplit) {
        #expect(a.userCount == b.userCount && a.itemCount == b.itemCount)
        #expect(a.trainUsers == b.trainUsers && a.trainItems == b.trainItems)
        #expect(a.validUsers == b.validUsers && a.validItems == b.validItems)
        #expect(a.testUsers == b.testUsers && a.testItems == b.testItems)
    }

    /// A synthetic dataset directory, `tiny.*` (every phase populated); keep the directory alive.
    static func synthetic() throws -> (TempDirectory, DataOptions) {
        let dir = TempDirectory()
        try SyntheticKG(.tiny).write(to: dir.path)
        return (dir, DataOptions(path: dir.path))
    }

    @Test func writtenSplitFilesReadBackAsTheSameSplit() throws {
        let (dir, options) = try Self.synthetic()
        for seed: UInt64 in [2020, 3] {
            var drawn = options
            drawn.seed = seed
            let out = dir.file("split-\(seed)")
            let paths = try SplitFiles.write(drawn, to: out)
            #expect(paths.map { ($0 as NSString).lastPathComponent } == ["tiny.train.inter", "tiny.valid.inter", "tiny.test.inter"])
            var read = options
            read.splitFiles = out
            read.seed = 99  // ignored: the files decide
            let a = try DatasetLoader.load(drawn).split, b = try DatasetLoader.load(read).split
            #expect(!a.validUsers.isEmpty && !a.testUsers.isEmpty)
            Self.expectSameSplit(a, b)
        }
    }

    @Test func splitFilesKeepTheSourceRowsAndColumnsVerbatim() throws {
        let dir = TempDirectory()
        RecBoleLoaderTests.write(dir, inter: "user_id:token\titem_id:token\trating:float\ttimestamp:float\n"
            + "u1\ta\t5\t881250949\nu1\tb\t3\t891717742\nu2\tc\t4\t878887116\n\nu3\ta\t1\t880606923\nu3\tb\t2\t886397596\n")
        _ = try SplitFiles.write(DataOptions(path: dir.path), to: dir.path)  // beside the source, as RecBole reads them
        var rows = [String]()
        for phase in SplitFiles.phases {
            let text = try String(contentsOfFile: dir.file("toy.\(phase).inter"), encoding: .utf8)
            let lines = text.split(separator: "\n").map(String.init)
            #expect(lines.first == "user_id:token\titem_id:token\trating:float\ttimestamp:float")
            rows += lines.dropFirst()
        }
        // The linked-only rows (item c has no KG link), each once, unchanged.
        #expect(rows.sorted() == ["u1\ta\t5\t881250949", "u1\tb\t3\t891717742", "u3\ta\t1\t880606923", "u3\tb\t2\t886397596"])
        // The phase files beside the source do not make the dataset name ambiguous.
        var read = DataOptions(path: dir.path)
        read.splitFiles = dir.path
        Self.expectSameSplit(try DatasetLoader.load(DataOptions(path: dir.path)).split, try DatasetLoader.load(read).split)
    }

    @Test func theSplitSeedAloneDecidesTheSplit() throws {
        let (dir, options) = try Self.synthetic()
        defer { withExtendedLifetime(dir) {} }
        var a = options, b = options
        a.seed = 11
        b.seed = 12
        let sa = try DatasetLoader.load(a).split, sb = try DatasetLoader.load(b).split
        #expect(sa.testItems != sb.testItems)
        Self.expectSameSplit(sa, try DatasetLoader.load(a).split)
    }

    @Test func aMalformedSplitFileNamesFileAndLine() throws {
        let (dir, options) = try Self.synthetic()
        let out = dir.file("split")
        _ = try SplitFiles.write(options, to: out)
        var read = options
        read.splitFiles = out
        let valid = SplitFiles.path(directory: out, name: "tiny", phase: "valid")
        let original = try String(contentsOfFile: valid, encoding: .utf8)
        var lines = original.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let cases: [(String, DataError.Code)] = [
            ("nobody\t\(lines[2].split(separator: "\t")[1])", .unknownID),
            ("\(lines[2].split(separator: "\t")[0])\tnothing", .unknownID),
            ("ragged", .malformed),
        ]
        for (bad, code) in cases {
            lines[2] = bad
            try lines.joined(separator: "\n").write(toFile: valid, atomically: true, encoding: .utf8)
            let e = #expect(throws: DataError.self) { try DatasetLoader.load(read) }
            #expect(e?.code == code && e?.file == valid && e?.line == 3, "\(String(describing: e))")
        }
        // A pair of the dataset that is not an interaction, and a missing file.
        let raw = try DatasetLoader.loadRaw(options).raw
        let user = raw.interactionUsers[0]
        let seen = Set((0..<raw.interactionUsers.count).filter { raw.interactionUsers[$0] == user }.map { raw.interactionItems[$0] })
        let otherItem = raw.items[(0..<raw.items.count).first { !seen.contains(Int32($0)) }!]
        let userToken = raw.users[Int(user)]
        lines[2] = "\(userToken)\t\(otherItem)"
        try lines.joined(separator: "\n").write(toFile: valid, atomically: true, encoding: .utf8)
        let e = #expect(throws: DataError.self) { try DatasetLoader.load(read) }
        #expect(e?.code == .unknownID && e?.file == valid && e?.line == 3)
        try FileManager.default.removeItem(atPath: valid)
        let missing = #expect(throws: DataError.self) { try DatasetLoader.load(read) }
        #expect(missing?.code == .unreadable && missing?.file == valid)
    }

    @Test func splitFilesMissingARowAreRefused() throws {
        let (dir, options) = try Self.synthetic()
        let out = dir.file("split")
        _ = try SplitFiles.write(options, to: out)
        var read = options
        read.splitFiles = out
        let test = SplitFiles.path(directory: out, name: "tiny", phase: "test")
        let lines = try String(contentsOfFile: test, encoding: .utf8).split(separator: "\n").map(String.init)
        try (lines.dropLast().joined(separator: "\n") + "\n").write(toFile: test, atomically: true, encoding: .utf8)
        let e = #expect(throws: DataError.self) { try DatasetLoader.load(read) }
        #expect(e?.code == .inconsistent, "\(String(describing: e))")
    }
}
