import Foundation
import KGRecTensor

/// The encoder stage's output for every trained item, as a binary artifact (`kgrec export`): what
/// the graph service primes its table with instead of sending every item through the encoders at
/// start. The checkpoint determines these vectors (`ServingModel.encode(trainedItemInputs())`), so
/// the file names the checkpoint it was made from and is refused for any other.
///
/// Format (little-endian), version 1:
/// ```
/// 0    magic "KGRFUSED" (8 bytes)
/// 8    u32 format version (1)
/// 12   u32 channels C
/// 16   u32 width d
/// 20   u32 payload CRC-32 (IEEE, over the payload bytes)
/// 24   u64 items I
/// 32   u32 model-version length L (≤ 88), then L bytes of the checkpoint's model version, zero-padded
/// 128  payload: I × C × d float32, row-major [item][channel][d]
/// ```
/// Read through a memory map; every mismatch is a `DataError` naming the file.
public enum FusedItemTable {
    public static let fileName = "fused-items.kgrf"
    static let magic = Array("KGRFUSED".utf8)
    static let version: UInt32 = 1
    static let headerBytes = 128
    static let maxVersionBytes = 88

    /// Writes `items` (each with `channels` vectors of `width` values) for checkpoint `modelVersion`.
    public static func write(_ items: [FusedItem], channels: Int, width: Int, modelVersion: String, to path: String) throws {
        let versionBytes = Array(modelVersion.utf8)
        precondition(versionBytes.count <= maxVersionBytes, "model version too long for the header")
        var payload = [Float]()
        payload.reserveCapacity(items.count * channels * width)
        for item in items {
            precondition(item.channels.count == channels && item.channels.allSatisfy { $0.count == width })
            for v in item.channels { payload += v }
        }
        let crc = payload.withUnsafeBytes { CRC32.checksum($0) }
        var out = [UInt8]()
        out.reserveCapacity(headerBytes + 4 * payload.count)
        out += magic
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        u32(version); u32(UInt32(channels)); u32(UInt32(width)); u32(crc)
        withUnsafeBytes(of: UInt64(items.count).littleEndian) { out += $0 }
        u32(UInt32(versionBytes.count))
        out += versionBytes
        out += [UInt8](repeating: 0, count: headerBytes - out.count)
        payload.withUnsafeBytes { out += $0 }  // little-endian hosts only (x86_64, arm64)
        do { try Data(out).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw DataError(.unwritable, file: path, "cannot write the fused-item artifact: \(error.localizedDescription)", cause: error)
        }
    }

    /// Reads the table and checks it belongs to `modelVersion` with `items` items of `channels` × `width`.
    public static func read(path: String, modelVersion: String, items: Int, channels: Int, width: Int) throws -> [FusedItem] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw DataError(.unreadable, file: path, "cannot read the fused-item artifact: \(error.localizedDescription)", cause: error)
        }
        return try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws -> [FusedItem] in
            guard raw.count >= headerBytes else {
                throw DataError(.corrupt, file: path, "truncated fused-item artifact: \(raw.count) bytes, the header alone is \(headerBytes)")
            }
            guard Array(raw[0..<8]) == magic else {
                throw DataError(.unsupported, file: path, "not a fused-item artifact (magic KGRFUSED missing)")
            }
            func u32(_ at: Int) -> Int { Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self))) }
            guard u32(8) == Int(version) else {
                throw DataError(.unsupported, file: path, "fused-item artifact format version \(u32(8)), this build reads version \(version)")
            }
            let c = u32(12), d = u32(16), crc = UInt32(u32(20))
            let n = Int(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
            let vlen = min(u32(32), maxVersionBytes)
            let written = String(decoding: raw[36..<36 + vlen], as: UTF8.self)
            guard written == modelVersion else {
                throw DataError(.inconsistent, file: path, "fused-item artifact was exported from checkpoint \(written), the loaded "
                                + "checkpoint is \(modelVersion) (run kgrec export again)")
            }
            guard c == channels, d == width, n == items else {
                throw DataError(.inconsistent, file: path, "fused-item artifact holds \(n) items × \(c) channels × \(d), the checkpoint "
                                + "needs \(items) × \(channels) × \(width)")
            }
            let payloadBytes = n * c * d * 4
            guard raw.count == headerBytes + payloadBytes else {
                throw DataError(.corrupt, file: path, "fused-item artifact is \(raw.count) bytes, expected \(headerBytes + payloadBytes) "
                                + "(truncated or padded)")
            }
            let payload = UnsafeRawBufferPointer(rebasing: raw[headerBytes...])
            guard CRC32.checksum(payload) == crc else {
                throw DataError(.corrupt, file: path, "fused-item artifact payload fails its CRC-32 check (corrupt)")
            }
            let floats = payload.bindMemory(to: Float.self)
            return (0..<n).map { i in
                FusedItem(channels: (0..<c).map { ch in Array(floats[((i * c + ch) * d)..<((i * c + ch + 1) * d)]) })
            }
        }
    }
}
