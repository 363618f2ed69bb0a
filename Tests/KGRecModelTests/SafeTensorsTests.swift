import Foundation
import Testing
import KGRecTensor
@testable import KGRecModel

@Suite struct SafeTensorsTests {
    static let tensors: [(name: String, value: Matrix)] = [
        ("a", Matrix(rows: 2, cols: 3, data: [1, 2, 3, 4, 5, 6])),
        ("b.weight", Matrix(rows: 1, cols: 2, data: [-1, 0.5])),
    ]

    @Test func writeThenReadRoundTripsTensorsAndMetadata() throws {
        let dir = TempDirectory()
        try SafeTensors.write(path: dir.file("x.safetensors"), tensors: Self.tensors, metadata: ["k": "v"])
        let (t, meta) = try SafeTensors.read(path: dir.file("x.safetensors"))
        #expect(t["a"] == Self.tensors[0].value && t["b.weight"] == Self.tensors[1].value)
        #expect(meta["k"] == "v" && meta[SafeTensors.checksumKey]?.count == 8)
        let bytes = [UInt8](FileManager.default.contents(atPath: dir.file("x.safetensors"))!)
        let n = Int(bytes[0]) | Int(bytes[1]) << 8
        #expect(n % 8 == 0 && bytes.count == 8 + n + 4 * 8)
    }

    @Test func crc32MatchesTheStandardCheckValue() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    }

    static func written() throws -> (TempDirectory, [UInt8]) {
        let dir = TempDirectory()
        try SafeTensors.write(path: dir.file("x.safetensors"), tensors: Self.tensors, metadata: [:])
        return (dir, [UInt8](FileManager.default.contents(atPath: dir.file("x.safetensors"))!))
    }

    @Test func corruptDataFailsTheChecksum() throws {
        var (dir, bytes) = try Self.written()
        bytes[bytes.count - 3] ^= 0x40
        let p = dir.write("bad.safetensors", bytes: bytes)
        let e = #expect(throws: DataError.self) { try SafeTensors.read(path: p) }
        #expect(e?.code == .corrupt && e?.file == p)
    }

    @Test func truncatedFileIsAClearError() throws {
        let (dir, bytes) = try Self.written()
        let p = dir.write("short.safetensors", bytes: Array(bytes.dropLast(4)))
        let e = #expect(throws: DataError.self) { try SafeTensors.read(path: p) }
        #expect(e?.code == .corrupt && e?.file == p)
        let q = dir.write("tiny.safetensors", bytes: [1, 2, 3])
        let tiny = #expect(throws: DataError.self) { try SafeTensors.read(path: q) }
        #expect(tiny?.code == .corrupt)
        let r = dir.write("hdr.safetensors", bytes: Array(bytes.prefix(20)))
        let header = #expect(throws: DataError.self) { try SafeTensors.read(path: r) }
        #expect(header?.code == .corrupt)
    }

    @Test func nonFloat32TensorIsRejected() throws {
        let dir = TempDirectory()
        var header = Array(#"{"x":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}"#.utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        let p = dir.write("f16.safetensors", bytes: [UInt8(header.count), 0, 0, 0, 0, 0, 0, 0] + header + [0, 0, 0, 0])
        let e = #expect(throws: DataError.self) { try SafeTensors.read(path: p) }
        #expect(e?.code == .unsupported && e?.file == p)
    }

    @Test func skipNonFloatLeavesOutOtherDtypesButStillChecksTheirOffsets() throws {
        let dir = TempDirectory()
        // A BERT checkpoint's layout: an I64 [1, 2] `position_ids` beside an F32 tensor.
        var header = Array(#"{"ids":{"dtype":"I64","shape":[1,2],"data_offsets":[0,16]},"w":{"dtype":"F32","shape":[2],"data_offsets":[16,24]}}"#.utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        let floats: [UInt8] = [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40]  // 1.0, 2.0
        let p = dir.write("bert.safetensors", bytes: [UInt8(header.count), 0, 0, 0, 0, 0, 0, 0] + header
                          + [UInt8](repeating: 0, count: 16) + floats)
        let (tensors, _) = try SafeTensors.read(path: p, skipNonFloat: true)
        #expect(Array(tensors.keys) == ["w"] && tensors["w"]?.data == [1, 2])
        let strict = #expect(throws: DataError.self) { try SafeTensors.read(path: p) }
        #expect(strict?.code == .unsupported)
        // A skipped tensor whose bytes do not fit its shape is still an error.
        var bad = Array(#"{"ids":{"dtype":"I64","shape":[1,3],"data_offsets":[0,16]}}"#.utf8)
        while bad.count % 8 != 0 { bad.append(0x20) }
        let q = dir.write("bad.safetensors", bytes: [UInt8(bad.count), 0, 0, 0, 0, 0, 0, 0] + bad + [UInt8](repeating: 0, count: 16))
        let e = #expect(throws: DataError.self) { try SafeTensors.read(path: q, skipNonFloat: true) }
        #expect(e?.code == .corrupt && e?.file == q)
    }

    @Test func checkpointRefusesADatasetOfOtherSize() throws {
        let dir = TempDirectory()
        let small = try SyntheticKG(.tiny).dataset()
        var c = SynthConfig.tiny
        c.users = 100
        let other = try SyntheticKG(c).dataset()
        let model = BPRMatrixFactorization(config: ModelConfig(), userCount: small.userCount, itemCount: small.itemCount)
        let ckpt = Checkpoint(kind: .bpr, model: model.config, training: TrainConfig(), data: DataOptions(path: "x"),
                              counts: DatasetCounts(small), bestEpoch: 3, test: ["ndcg@20": 0.5],
                              tensors: model.namedParameters())
        try ckpt.write(to: dir.file("c.safetensors"))
        let back = try Checkpoint.read(from: dir.file("c.safetensors"))
        #expect(back.kind == .bpr && back.bestEpoch == 3 && back.test["ndcg@20"] == 0.5 && back.counts == DatasetCounts(small))
        let fresh = BPRMatrixFactorization(config: ModelConfig(), userCount: small.userCount, itemCount: small.itemCount)
        try back.restore(into: fresh, dataset: small, path: "c")
        #expect(fresh.namedParameters().map(\.value) == model.namedParameters().map(\.value))
        let wrong = BPRMatrixFactorization(config: ModelConfig(), userCount: other.userCount, itemCount: other.itemCount)
        let e = #expect(throws: DataError.self) { try back.restore(into: wrong, dataset: other, path: "c") }
        #expect(e?.code == .inconsistent && e?.file == "c")
    }
}
