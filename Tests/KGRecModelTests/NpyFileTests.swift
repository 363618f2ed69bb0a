import Testing
@testable import KGRecModel

@Suite struct NpyFileTests {
    /// A .npy with the given header dict text and raw data bytes (version 1.0, padded to 64).
    static func npy(_ dict: String, _ data: [UInt8], major: UInt8 = 1) -> [UInt8] {
        var h = dict
        let pre = major == 1 ? 10 : 12
        while (pre + h.utf8.count + 1) % 64 != 0 { h += " " }
        h += "\n"
        let n = h.utf8.count
        var out: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, major, 0]
        out += major == 1 ? [UInt8(n & 0xFF), UInt8(n >> 8)] : [UInt8(n & 0xFF), UInt8(n >> 8), 0, 0]
        return out + Array(h.utf8) + data
    }

    static func f32(_ v: [Float]) -> [UInt8] { v.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) } }

    @Test func writeThenReadRoundTrips() throws {
        let dir = TempDirectory()
        let values: [Float] = [1, -2.5, 3, 0.125, 7, 8]
        try NpyFile.write(path: dir.file("m.npy"), rows: 2, cols: 3, values: values)
        let m = try NpyFile.read(path: dir.file("m.npy"))
        #expect(m.rows == 2 && m.cols == 3 && m.values == values)
    }

    @Test func readsFloat16AndVersion2Headers() throws {
        let dir = TempDirectory()
        // 1.0 = 0x3C00, -2.0 = 0xC000, 0.5 = 0x3800, 65504 = 0x7BFF
        let half: [UInt8] = [0x00, 0x3C, 0x00, 0xC0, 0x00, 0x38, 0xFF, 0x7B]
        let p = dir.write("h.npy", bytes: Self.npy("{'descr': '<f2', 'fortran_order': False, 'shape': (2, 2), }", half, major: 2))
        let m = try NpyFile.read(path: p)
        #expect(m.values == [1, -2, 0.5, 65504])
        #expect(NpyFile.halfToFloat(0x0001) == Float(5.9604645e-08))
    }

    @Test func rejectsBadMagic() {
        let dir = TempDirectory()
        let p = dir.write("x.npy", bytes: Array("not numpy at all".utf8))
        let e = #expect(throws: DataError.self) { try NpyFile.read(path: p) }
        #expect(e?.code == .unsupported && e?.file == p)
    }

    @Test func rejectsWrongDtype() {
        let dir = TempDirectory()
        let p = dir.write("x.npy", bytes: Self.npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1), }", [UInt8](repeating: 0, count: 8)))
        let e = #expect(throws: DataError.self) { try NpyFile.read(path: p) }
        #expect(e?.code == .unsupported && e?.file == p)
    }

    @Test func rejectsNon2DShapeAndFortranOrder() {
        let dir = TempDirectory()
        let p = dir.write("x.npy", bytes: Self.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1, 1), }", Self.f32([1, 2])))
        let e = #expect(throws: DataError.self) { try NpyFile.read(path: p) }
        #expect(e?.code == .unsupported && e?.file == p)
        let q = dir.write("y.npy", bytes: Self.npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 1), }", Self.f32([1, 2])))
        let fortran = #expect(throws: DataError.self) { try NpyFile.read(path: q) }
        #expect(fortran?.code == .unsupported && fortran?.file == q)
    }

    @Test func writingIntoAMissingDirectoryIsUnwritable() {
        let dir = TempDirectory()
        let p = dir.file("missing/x.npy")
        let e = #expect(throws: DataError.self) { try NpyFile.write(path: p, rows: 1, cols: 1, values: [1]) }
        #expect(e?.code == .unwritable && e?.file == p)
    }

    @Test func rejectsTruncatedData() {
        let dir = TempDirectory()
        let p = dir.write("x.npy", bytes: Self.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", Self.f32([1, 2, 3])))
        let e = #expect(throws: DataError.self) { try NpyFile.read(path: p) }
        #expect(e?.code == .corrupt && e?.file == p)
    }
}
