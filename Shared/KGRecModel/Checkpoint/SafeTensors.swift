import Foundation
import KGRecTensor

/// The safetensors format (as Hugging Face's `safetensors` reads it): 8-byte little-endian header
/// length N, N bytes of JSON header (`{"name": {"dtype": "F32", "shape": [r, c], "data_offsets":
/// [begin, end]}, …, "__metadata__": {string: string}}`, space-padded to 8 bytes), then the raw
/// little-endian tensor bytes. We write and read float32 tensors; the metadata carries
/// `kgrec.crc32`, the CRC-32 of the data section, verified on read.
public enum SafeTensors {
    public static let checksumKey = "kgrec.crc32"
    /// Bytes per element of the dtypes `read(path:skipNonFloat:)` can skip.
    static let otherDtypeSizes: [String: Int] = ["F64": 8, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2,
                                                 "I8": 1, "U8": 1, "BOOL": 1]

    /// Writes `tensors` (`[rows, cols]` float32 each, in order) with `metadata` plus the checksum.
    /// Streams: the header is built from the tensors' sizes and a running CRC, then each tensor's
    /// bytes go to the file from the matrix itself (no copy of the data section in memory).
    public static func write(path: String, tensors: [(name: String, value: Matrix)], metadata: [String: String]) throws {
        var entries = [String: Any]()
        var offset = 0, crc: UInt32 = 0
        for (name, m) in tensors {
            guard entries[name] == nil, name != "__metadata__" else {
                throw DataError(.duplicate, file: path, "duplicate or reserved tensor name '\(name)'")
            }
            let size = 4 * m.count
            entries[name] = ["dtype": "F32", "shape": [m.rows, m.cols], "data_offsets": [offset, offset + size]] as [String: Any]
            m.data.withUnsafeBytes { crc = CRC32.checksum($0, initial: crc) }
            offset += size
        }
        var meta = metadata
        meta[checksumKey] = String(format: "%08x", crc)
        entries["__metadata__"] = meta
        var header = try JSONSerialization.data(withJSONObject: entries, options: [.sortedKeys])
        while header.count % 8 != 0 { header.append(0x20) }
        let tmp = path + ".tmp"
        guard FileManager.default.createFile(atPath: tmp, contents: nil), let file = FileHandle(forWritingAtPath: tmp) else {
            throw DataError(.unwritable, file: path, "cannot write file")
        }
        do {
            defer { try? file.close() }
            var n = UInt64(header.count).littleEndian
            try file.write(contentsOf: withUnsafeBytes(of: &n) { Data($0) })
            try file.write(contentsOf: header)
            for (_, m) in tensors {
                try m.data.withUnsafeBytes { raw in
                    guard let base = raw.baseAddress, raw.count > 0 else { return }
                    try file.write(contentsOf: Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: base), count: raw.count, deallocator: .none))
                }
            }
        } catch {
            throw DataError(.unwritable, file: path, "cannot write \(tmp): \(error)", cause: error)
        }
        _ = try? FileManager.default.removeItem(atPath: path)
        do { try FileManager.default.moveItem(atPath: tmp, toPath: path) } catch {
            throw DataError(.unwritable, file: path, "cannot move \(tmp) into place: \(error)", cause: error)
        }
    }

    /// Reads every tensor (1-D `[n]` comes back as `[1, n]`) and the metadata. Throws `DataError` on
    /// a truncated or corrupt file, a non-F32 tensor, bad offsets or a checksum mismatch. With
    /// `skipNonFloat`, tensors of other dtypes (e.g. a BERT checkpoint's I64 `position_ids`) are
    /// checked for fitting the data section and left out instead of rejected.
    public static func read(path: String, skipNonFloat: Bool = false) throws -> (tensors: [String: Matrix], metadata: [String: String]) {
        guard let file = FileManager.default.contents(atPath: path) else { throw DataError(.unreadable, file: path, "cannot read file") }
        let bytes = [UInt8](file)
        guard bytes.count >= 8 else { throw DataError(.corrupt, file: path, "truncated: \(bytes.count) bytes, no header length") }
        let n = bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard n <= UInt64(bytes.count - 8) else {
            throw DataError(.corrupt, file: path, "truncated or corrupt: header length \(n) exceeds the file (\(bytes.count) bytes)")
        }
        let headerEnd = 8 + Int(n)
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes[8..<headerEnd])),
              let header = object as? [String: Any] else {
            throw DataError(.malformed, file: path, "corrupt header: not a JSON object")
        }
        let dataSection = bytes.count - headerEnd
        var metadata = [String: String]()
        if let m = header["__metadata__"] {
            guard let mm = m as? [String: String] else { throw DataError(.malformed, file: path, "corrupt header: __metadata__ must map strings to strings") }
            metadata = mm
        }
        var tensors = [String: Matrix]()
        var ranges = [(Int, Int)]()
        for (name, value) in header where name != "__metadata__" {
            guard let t = value as? [String: Any], let dtype = t["dtype"] as? String,
                  let shape = t["shape"] as? [Int], let offsets = t["data_offsets"] as? [Int], offsets.count == 2 else {
                throw DataError(.malformed, file: path, "corrupt header: tensor '\(name)' needs dtype, shape and data_offsets")
            }
            if dtype != "F32", skipNonFloat, let size = otherDtypeSizes[dtype] {
                let count = shape.reduce(1, *), (b, e) = (offsets[0], offsets[1])
                guard b >= 0, e >= b, e <= dataSection, e - b == size * count else {
                    throw DataError(.corrupt, file: path, "tensor '\(name)': data_offsets [\(b), \(e)] do not fit \(dtype) shape \(shape) in a \(dataSection)-byte data section (truncated?)")
                }
                ranges.append((b, e))
                continue
            }
            guard dtype == "F32" else { throw DataError(.unsupported, file: path, "tensor '\(name)' has dtype \(dtype), expected F32") }
            guard shape.count <= 2, shape.allSatisfy({ $0 >= 0 }) else {
                throw DataError(.unsupported, file: path, "tensor '\(name)' has shape \(shape), expected 1-D or 2-D")
            }
            let rows = shape.count == 2 ? shape[0] : 1, cols = shape.last ?? 1
            let (b, e) = (offsets[0], offsets[1])
            guard b >= 0, e >= b, e <= dataSection, e - b == 4 * rows * cols else {
                throw DataError(.corrupt, file: path, "tensor '\(name)': data_offsets [\(b), \(e)] do not fit shape \(shape) in a \(dataSection)-byte data section (truncated?)")
            }
            ranges.append((b, e))
            var values = [Float](repeating: 0, count: rows * cols)
            values.withUnsafeMutableBytes { dst in
                bytes.withUnsafeBytes { src in dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[headerEnd + b..<headerEnd + e])) }
            }
            tensors[name] = Matrix(rows: rows, cols: cols, data: values)
        }
        var end = 0
        for (b, e) in ranges.sorted(by: { $0 < $1 }) {
            guard b == end else { throw DataError(.corrupt, file: path, "corrupt header: tensor data overlaps or leaves a gap at byte \(end)") }
            end = e
        }
        guard end == dataSection else {
            throw DataError(.corrupt, file: path, "data section is \(dataSection) bytes but tensors cover \(end) (truncated or trailing bytes)")
        }
        if let expected = metadata[checksumKey] {
            let actual = bytes.withUnsafeBytes { String(format: "%08x", CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[headerEnd...]))) }
            guard actual == expected else {
                throw DataError(.corrupt, file: path, "checksum mismatch: data CRC-32 is \(actual), header says \(expected) (corrupt file)")
            }
        }
        return (tensors, metadata)
    }
}
