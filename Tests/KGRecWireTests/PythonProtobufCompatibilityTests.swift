import GRPCCore
import Testing
@testable import KGRecWire

/// Bytes made by Python's `protobuf` package (the reference implementation) for the same values:
/// we must decode them to the same structs and encode those structs to the very same bytes.
/// Tests/interop/test_python_golden_bytes.py re-serializes these values with Python on every
/// `make test` and checks the hex below is still what Python produces.
@Suite struct PythonProtobufCompatibilityTests {
    // python-golden: embeddingBatch
    static let embeddingBatchHex = "080712120a027531120c0a0a0a080000c03f000000c012040a0275321a0f0a0369c3a9120812060a040000803e22080a0269310a026932"
    // python-golden: scoreResponse
    static let scoreResponseHex = "0a130a026931150000c03f1d0000803f250000003f100318ffffffffffffffffff012201782a100805120c756e6b6e6f776e2075736572"
    // python-golden: encodeRequest
    static let encodeRequestHex = "0a2808fdffffffffffffffff0112080a060a040000003f1a1101808080808020ffffffffffffffffff011009"
    // python-golden: neighborsRequest
    static let neighborsRequestHex = "0a036d2e3110031804"

    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var it = hex.utf8.makeIterator()
        while let hi = it.next(), let lo = it.next() {
            out.append(UInt8(String(decoding: [hi, lo], as: UTF8.self), radix: 16)!)
        }
        return out
    }

    func check<M: GRPCMessage & Equatable>(_ value: M, _ hex: String) throws {
        #expect(try M(serializedBytes: Self.bytes(hex)) == value)
        #expect(value.serializedBytes() == Self.bytes(hex))
    }

    @Test func embeddingBatchWithAbsentAndPresentModalities() throws {
        try check(Kgrec_V1_EmbeddingBatch(
            version: 7,
            users: [Kgrec_V1_Embedding(id: "u1", vectors: .init(visual: .init(values: [1.5, -2.0]), text: nil)),
                    Kgrec_V1_Embedding(id: "u2")],
            items: [Kgrec_V1_Embedding(id: "ié", vectors: .init(visual: nil, text: .init(values: [0.25])))],
            seen: [Kgrec_V1_SeenItems(itemIds: ["i1", "i2"])]), Self.embeddingBatchHex)
    }

    @Test func scoreResponseWithErrorAndMaxRequestID() throws {
        try check(Kgrec_V1_ScoreResponse(
            items: [Kgrec_V1_ScoredItem(itemId: "i1", score: 1.5, visualScore: 1.0, textScore: 0.5)],
            graphVersion: 3, requestId: .max, unknownItemIds: ["x"],
            error: Kgrec_V1_RequestError(code: 5, message: "unknown user")), Self.scoreResponseHex)
    }

    @Test func encodeRequestWithNegativeAndLargeInt64s() throws {
        try check(Kgrec_V1_EncodeRequest(
            items: [Kgrec_V1_EncodeItem(entity: -3, raw: .init(visual: .init(values: [0.5]), text: nil),
                                        neighbours: [1, 1 << 40, -1])],
            requestId: 9), Self.encodeRequestHex)
    }

    @Test func neighborsRequestWithEnum() throws {
        try check(Kgrec_V1_NeighborsRequest(entityId: "m.1", kind: .attribute, limit: 4), Self.neighborsRequestHex)
    }
}
