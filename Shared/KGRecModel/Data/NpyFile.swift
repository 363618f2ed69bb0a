import Foundation

/// NumPy `.npy` matrices: format versions 1.0, 2.0 and 3.0, little-endian float32 (`<f4`) or
/// float16 (`<f2`), C order, 2-D shape `(rows, cols)`. Read as float32.
public enum NpyFile {
    /// Reads a `[rows, cols]` row-major float32 matrix. Throws `DataError` naming the problem.
    public static func read(path: String) throws -> (rows: Int, cols: Int, values: [Float]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataError(.unreadable, file: path, "cannot read file")
        }
        let b = [UInt8](data)
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard b.count >= 10, Array(b[0..<6]) == magic else {
            throw DataError(.unsupported, file: path, "bad header: not a .npy file (magic \\x93NUMPY missing)")
        }
        let major = b[6]
        var headerStart = 10, headerLength = 0
        switch major {
        case 1: headerLength = Int(b[8]) | Int(b[9]) << 8
        case 2, 3:
            guard b.count >= 12 else { throw DataError(.corrupt, file: path, "truncated header") }
            headerLength = Int(b[8]) | Int(b[9]) << 8 | Int(b[10]) << 16 | Int(b[11]) << 24
            headerStart = 12
        default: throw DataError(.unsupported, file: path, "unsupported .npy version \(major).\(b[7])")
        }
        guard b.count >= headerStart + headerLength else { throw DataError(.corrupt, file: path, "truncated header") }
        let header = String(decoding: b[headerStart..<headerStart + headerLength], as: UTF8.self)
        guard let descr = value(of: "descr", in: header), let order = value(of: "fortran_order", in: header),
              let shapeText = value(of: "shape", in: header) else {
            throw DataError(.malformed, file: path, "bad header: expected descr, fortran_order and shape in '\(header.trimmingCharacters(in: .whitespacesAndNewlines))'")
        }
        let dtype = descr.trimmingCharacters(in: CharacterSet(charactersIn: "'\" "))
        let elementSize: Int
        switch dtype {
        case "<f4", "|f4": elementSize = 4
        case "<f2", "|f2": elementSize = 2
        default: throw DataError(.unsupported, file: path, "unsupported dtype '\(dtype)': expected little-endian float32 (<f4) or float16 (<f2)")
        }
        guard order.trimmingCharacters(in: .whitespaces) == "False" else {
            throw DataError(.unsupported, file: path, "unsupported Fortran order: expected C order (fortran_order: False)")
        }
        let dims = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "() "))
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard dims.count == 2, let rows = Int(dims[0]), let cols = Int(dims[1]), rows >= 0, cols > 0 else {
            throw DataError(.unsupported, file: path, "wrong shape (\(dims.joined(separator: ", "))): expected a 2-D matrix (rows, cols)")
        }
        let offset = headerStart + headerLength
        let expected = rows * cols * elementSize
        guard b.count - offset == expected else {
            throw DataError(.corrupt, file: path, "data section is \(b.count - offset) bytes, expected \(expected) for shape (\(rows), \(cols)) \(dtype)")
        }
        var values = [Float](repeating: 0, count: rows * cols)
        b.withUnsafeBytes { raw in
            let src = raw.baseAddress! + offset
            if elementSize == 4 {
                for k in 0..<values.count {
                    values[k] = Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * k, as: UInt32.self)))
                }
            } else {
                for k in 0..<values.count {
                    values[k] = halfToFloat(UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * k, as: UInt16.self)))
                }
            }
        }
        return (rows, cols, values)
    }

    /// Writes `[rows, cols]` row-major float32 as a version 1.0 `.npy` file.
    public static func write(path: String, rows: Int, cols: Int, values: [Float]) throws {
        precondition(values.count == rows * cols)
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows), \(cols)), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out = [UInt8]()
        out.reserveCapacity(10 + header.utf8.count + 4 * values.count)
        out += [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0]
        let hl = header.utf8.count
        out += [UInt8(hl & 0xFF), UInt8(hl >> 8)]
        out += Array(header.utf8)
        values.withUnsafeBytes { out += $0 }  // little-endian hosts only (x86_64, arm64)
        guard FileManager.default.createFile(atPath: path, contents: Data(out)) else {
            throw DataError(.unwritable, file: path, "cannot write file")
        }
    }

    /// The text after `'key':` up to the next top-level comma (tuples kept whole).
    private static func value(of key: String, in header: String) -> String? {
        guard let r = header.range(of: "'\(key)':") ?? header.range(of: "\"\(key)\":") else { return nil }
        var depth = 0
        var out = ""
        for c in header[r.upperBound...] {
            if c == "(" { depth += 1 }
            if c == ")" { depth -= 1 }
            if (c == "," && depth == 0) || c == "}" { break }
            out.append(c)
        }
        return out.trimmingCharacters(in: .whitespaces)
    }

    /// IEEE 754 binary16 → binary32.
    static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exp = Int(h >> 10) & 0x1F
        let mant = UInt32(h & 0x3FF)
        if exp == 0 {
            if mant == 0 { return Float(bitPattern: sign) }
            let v = Float(mant) * (1.0 / 16_777_216.0)  // 2^-24
            return sign != 0 ? -v : v
        }
        if exp == 31 { return Float(bitPattern: sign | 0x7F80_0000 | (mant << 13)) }
        return Float(bitPattern: sign | UInt32(exp - 15 + 127) << 23 | (mant << 13))
    }
}
