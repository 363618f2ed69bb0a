import GRPCCore
import Testing
@testable import KGRecWire

/// Bad input becomes an `RPCError` naming the message, never a crash.
@Suite struct WireDecodingTests {
    func decodeError<M: GRPCMessage>(_ type: M.Type, _ bytes: [UInt8]) -> RPCError? {
        do {
            _ = try M(serializedBytes: bytes)
            return nil
        } catch let e as RPCError {
            return e
        } catch {
            return RPCError(.unknown, "unexpected error \(error)")
        }
    }

    @Test func truncatedVarintIsInternalError() {
        let e = decodeError(Grpc_Testing_SimpleRequest.self, [0x10, 0x96])
        #expect(e?.code == .internal)
        #expect(e?.message.contains("grpc.testing.SimpleRequest") == true)
    }

    @Test func lengthPastTheEndIsInternalError() {
        // payload (field 3) claims 100 bytes, 2 follow.
        #expect(decodeError(Grpc_Testing_SimpleRequest.self, [0x1a, 0x64, 0x12, 0x00])?.code == .internal)
    }

    @Test func wrongWireTypeIsInternalError() {
        // Field 1 of Vector (repeated float) sent as a varint.
        #expect(decodeError(Kgrec_V1_Vector.self, [0x08, 0x01])?.code == .internal)
    }

    @Test func packedFloatsWithRaggedLengthAreRejected() {
        #expect(decodeError(Kgrec_V1_Vector.self, [0x0a, 0x03, 0, 0, 0])?.code == .internal)
    }

    @Test func fieldNumberZeroIsRejected() {
        #expect(decodeError(Grpc_Testing_EchoStatus.self, [0x00, 0x01])?.code == .internal)
    }

    @Test func invalidUTF8StringIsRejectedNamingTheField() {
        // EchoStatus.message = 0xff 0xfe
        let e = decodeError(Grpc_Testing_EchoStatus.self, [0x12, 0x02, 0xff, 0xfe])
        #expect(e?.code == .internal)
        #expect(e?.message.contains("grpc.testing.EchoStatus.message") == true)
    }

    @Test func invalidUTF8InsideNestedRepeatedMessageIsRejected() {
        // ScoreResponse.items[0].item_id = 0xc3 (a lone lead byte).
        let e = decodeError(Kgrec_V1_ScoreResponse.self, [0x0a, 0x03, 0x0a, 0x01, 0xc3])
        #expect(e?.message.contains("kgrec.v1.ScoredItem.item_id") == true)
    }

    @Test func stringWithEmbeddedNULIsInvalidArgumentNamingTheField() {
        // EchoStatus.message = "a\0b": protobuf-c would hand over "a".
        let e = decodeError(Grpc_Testing_EchoStatus.self, [0x12, 0x03, 0x61, 0x00, 0x62])
        #expect(e?.code == .invalidArgument)
        #expect(e?.message.contains("grpc.testing.EchoStatus.message") == true)
        // A trailing NUL is as much a NUL as an inner one.
        #expect(decodeError(Grpc_Testing_EchoStatus.self, [0x12, 0x02, 0x61, 0x00])?.code == .invalidArgument)
    }

    @Test func embeddedNULInsideNestedRepeatedMessageIsInvalidArgument() {
        // ScoreResponse.items[1].item_id = "i\0" (items[0] is fine).
        let e = decodeError(Kgrec_V1_ScoreResponse.self, [0x0a, 0x03, 0x0a, 0x01, 0x69, 0x0a, 0x04, 0x0a, 0x02, 0x69, 0x00])
        #expect(e?.code == .invalidArgument)
        #expect(e?.message.contains("kgrec.v1.ScoredItem.item_id") == true)
    }

    @Test func zeroBytesOutsideStringsAreNotMistakenForNULs() throws {
        // bytes, packed floats, varints 0 and unknown length-delimited fields may hold 0x00.
        let r = try Grpc_Testing_SimpleRequest(serializedBytes: [0x1a, 0x04, 0x12, 0x02, 0x00, 0x00, 0x10, 0x00])
        #expect(r.payload?.body == [0, 0])
        #expect(try Kgrec_V1_Vector(serializedBytes: [0x0a, 0x04, 0, 0, 0, 0]).values == [0])
        #expect(try Grpc_Testing_EchoStatus(serializedBytes: [0xfa, 0x01, 0x01, 0x00, 0x12, 0x01, 0x61]).message == "a")
    }

    @Test func emptyInputDecodesToDefaults() throws {
        #expect(try Kgrec_V1_EmbeddingBatch(serializedBytes: []) == Kgrec_V1_EmbeddingBatch())
        #expect(try Grpc_Testing_Empty(serializedBytes: []) == Grpc_Testing_Empty())
    }

    @Test func garbageNeverCrashes() {
        // A deterministic pseudo-random sweep: every input either decodes or throws RPCError.
        var state: UInt64 = 0x9e37_79b9_7f4a_7c15
        var failures = 0
        for length in 0..<64 {
            for _ in 0..<40 {
                var bytes: [UInt8] = []
                for _ in 0..<length {
                    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    bytes.append(UInt8(truncatingIfNeeded: state >> 56))
                }
                if decodeError(Kgrec_V1_EmbeddingBatch.self, bytes) != nil { failures += 1 }
                if let e = decodeError(Grpc_Testing_StreamingOutputCallRequest.self, bytes) {
                    #expect(e.code == .internal)
                }
            }
        }
        #expect(failures > 0)
    }
}
