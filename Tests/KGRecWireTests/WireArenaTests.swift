import GRPCCore
import Testing
@testable import KGRecWire

/// Messages bigger than the arena's first block spill into heap chunks and still round-trip.
@Suite struct WireArenaTests {
    @Test func largeVectorRoundTrips() throws {
        let values = (0..<100_000).map { Float($0) * 0.5 - 7 }
        let v = Kgrec_V1_Vector(values: values)
        let bytes = v.serializedBytes()
        #expect(bytes.count == 1 + 3 + 400_000)  // tag, 3-byte length varint, payload
        #expect(try Kgrec_V1_Vector(serializedBytes: bytes) == v)
    }

    @Test func manySmallNestedMessagesRoundTrip() throws {
        var users: [Kgrec_V1_Embedding] = []
        for i in 0..<5_000 {
            let f = Float(i)
            let visual: Kgrec_V1_Vector? = i % 3 == 0 ? nil : Kgrec_V1_Vector(values: [f, 1])
            let text = Kgrec_V1_Vector(values: [-f])
            users.append(Kgrec_V1_Embedding(id: "user-\(i)", vectors: .init(visual: visual, text: text)))
        }
        let batch = Kgrec_V1_EmbeddingBatch(version: 9, users: users)
        #expect(try Kgrec_V1_EmbeddingBatch(serializedBytes: batch.serializedBytes()) == batch)
    }

    @Test func allocationsAreAlignedAndDistinct() {
        WireArena.with(initialBytes: 64) { arena in
            var seen: [UnsafeMutableRawPointer] = []
            for size in [1, 7, 16, 100, 5_000, 3, 70_000, 9] {
                let p = arena.pointee.allocate(byteCount: size)
                #expect(Int(bitPattern: p) % WireArena.alignment == 0)
                p.initializeMemory(as: UInt8.self, repeating: 0xab, count: size)
                seen.append(p)
            }
            #expect(Set(seen).count == seen.count)
        }
    }

    @Test func largeBytesPayloadRoundTrips() throws {
        let body = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let response = Grpc_Testing_SimpleResponse(payload: .init(body: body), username: "u")
        #expect(try Grpc_Testing_SimpleResponse(serializedBytes: response.serializedBytes()) == response)
    }

    @Test func spareChunksAreReusedSafelyAcrossCallsAndThreads() async throws {
        // Repeated big encodes/decodes reuse each thread's spare chunk; results must not bleed
        // between calls (each batch has different contents) or threads.
        let batches = (0..<8).map { k in
            Kgrec_V1_EmbeddingBatch(version: UInt64(k), items: (0..<300).map { i in
                Kgrec_V1_Embedding(id: "b\(k)-\(i)", vectors: .init(visual: .init(values: [Float(k), Float(i)]), text: nil))
            })
        }
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for round in 0..<4 {
                for batch in batches {
                    group.addTask {
                        let bytes = batch.serializedBytes()
                        return try Kgrec_V1_EmbeddingBatch(serializedBytes: bytes) == batch && round >= 0
                    }
                }
            }
            for try await ok in group { #expect(ok) }
        }
    }

    @Test func oversizedChunksAreNotKeptButStillWork() throws {
        // Bigger than WireChunkCache.maxBytes: allocated, used, freed.
        let values = [Float](repeating: 1.5, count: (WireChunkCache.maxBytes / 4) + 1000)
        let v = Kgrec_V1_Vector(values: values)
        #expect(try Kgrec_V1_Vector(serializedBytes: v.serializedBytes()).values.count == values.count)
    }
}
