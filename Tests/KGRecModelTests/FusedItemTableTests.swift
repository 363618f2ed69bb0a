import Foundation
@testable import KGRecModel
import Testing

@Suite struct FusedItemTableTests {
    static let items = (0..<5).map { i in FusedItem(channels: (0..<2).map { c in (0..<3).map { Float(i * 10 + c) + Float($0) / 4 } }) }

    func written(_ dir: TempDirectory) throws -> String {
        let path = dir.file(FusedItemTable.fileName)
        try FusedItemTable.write(Self.items, channels: 2, width: 3, modelVersion: "multikg4rec-00c0ffee", to: path)
        return path
    }

    func read(_ path: String, version: String = "multikg4rec-00c0ffee", items: Int = 5) throws -> [FusedItem] {
        try FusedItemTable.read(path: path, modelVersion: version, items: items, channels: 2, width: 3)
    }

    /// Throws a DataError with `code` naming `path`.
    func expectRefused(_ path: String, _ code: DataError.Code, version: String = "multikg4rec-00c0ffee", items: Int = 5) {
        let e = #expect(throws: DataError.self) { _ = try read(path, version: version, items: items) }
        #expect(e?.code == code && e?.file == path, "\(String(describing: e))")
    }

    @Test func writtenTableReadsBackExactly() throws {
        let dir = TempDirectory()
        #expect(try read(try written(dir)) == Self.items)
    }

    @Test func truncatedArtifactIsAnErrorNamingTheFile() throws {
        let dir = TempDirectory()
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try written(dir))))
        expectRefused(dir.write("short.kgrf", bytes: Array(bytes.dropLast(4))), .corrupt)
        expectRefused(dir.write("header.kgrf", bytes: Array(bytes.prefix(40))), .corrupt)
    }

    @Test func wrongMagicIsAnErrorNamingTheFile() throws {
        let dir = TempDirectory()
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try written(dir))))
        bytes[0] = UInt8(ascii: "X")
        expectRefused(dir.write("magic.kgrf", bytes: bytes), .unsupported)
    }

    @Test func artifactOfAnotherCheckpointIsRefused() throws {
        let dir = TempDirectory()
        let path = try written(dir)
        expectRefused(path, .inconsistent, version: "multikg4rec-12345678")
        expectRefused(path, .inconsistent, items: 6)
    }

    @Test func corruptPayloadFailsTheChecksum() throws {
        let dir = TempDirectory()
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try written(dir))))
        bytes[FusedItemTable.headerBytes + 7] ^= 0x40
        expectRefused(dir.write("flip.kgrf", bytes: bytes), .corrupt)
    }

    @Test func missingArtifactIsAnErrorNamingTheFile() {
        expectRefused("/nonexistent/fused-items.kgrf", .unreadable)
    }
}
