import GRPCCore
import Testing
@testable import KGRecWire

/// The generated message structs encode to the bytes protobuf specifies and decode back to the
/// same values.
@Suite struct GeneratedMessageTests {
    func roundTrip<M: GRPCMessage & Equatable>(_ m: M) throws -> M {
        try M(serializedBytes: m.serializedBytes())
    }

    @Test func simpleRequestRoundTripsEveryFieldKind() throws {
        let request = Grpc_Testing_SimpleRequest(
            responseType: .compressable, responseSize: 314_159,
            payload: Grpc_Testing_Payload(body: [0, 1, 2, 255]),
            fillUsername: true, responseCompressed: Grpc_Testing_BoolValue(value: false),
            responseStatus: Grpc_Testing_EchoStatus(code: 2, message: "héllo \t\n ✓"),
            fillServerId: true)
        #expect(try roundTrip(request) == request)
    }

    @Test func defaultValuesEncodeToNothing() {
        #expect(Grpc_Testing_SimpleRequest().serializedBytes() == [])
        #expect(Kgrec_V1_ScoreRequest().serializedBytes() == [])
        #expect(Grpc_Testing_Empty().serializedBytes() == [])
    }

    @Test func presentButEmptySubmessageIsEncodedAndStaysPresent() throws {
        // An empty BoolValue (value false) is a present field of length 0: tag 0x32, length 0.
        let request = Grpc_Testing_SimpleRequest(responseCompressed: Grpc_Testing_BoolValue())
        #expect(request.serializedBytes() == [0x32, 0x00])
        #expect(try roundTrip(request).responseCompressed == Grpc_Testing_BoolValue())
    }

    @Test func encodesTheBytesProtobufSpecifies() {
        // response_size = 150 (field 2, varint 0x96 0x01); payload.body = "ab" (field 3 { field 2 }).
        let request = Grpc_Testing_SimpleRequest(responseSize: 150, payload: .init(body: [0x61, 0x62]))
        #expect(request.serializedBytes() == [0x10, 0x96, 0x01, 0x1a, 0x04, 0x12, 0x02, 0x61, 0x62])
        // A negative int32 is a 10-byte varint.
        #expect(Grpc_Testing_EchoStatus(code: -1).serializedBytes()
            == [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])
    }

    @Test func repeatedFloatsArePackedLittleEndian() throws {
        let v = Kgrec_V1_Vector(values: [1.0, -2.5])
        // Field 1, wire type 2, 8 bytes: 1.0f = 00 00 80 3f, -2.5f = 00 00 20 c0.
        #expect(v.serializedBytes() == [0x0a, 0x08, 0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc0])
        #expect(try roundTrip(v) == v)
    }

    @Test func unpackedRepeatedFloatsAreAcceptedToo() throws {
        // proto3 parsers must accept the unpacked encoding: two field-1 fixed32 entries.
        let bytes: [UInt8] = [0x0d, 0x00, 0x00, 0x80, 0x3f, 0x0d, 0x00, 0x00, 0x20, 0xc0]
        #expect(try Kgrec_V1_Vector(serializedBytes: bytes).values == [1.0, -2.5])
    }

    @Test func absentModalityStaysAbsentAndEmptyVectorStaysPresent() throws {
        let textOnly = Kgrec_V1_ModalityVectors(visual: nil, text: Kgrec_V1_Vector(values: [0.5]))
        let decoded = try roundTrip(textOnly)
        #expect(decoded.visual == nil)
        #expect(decoded.text?.values == [0.5])

        let emptyVisual = Kgrec_V1_ModalityVectors(visual: Kgrec_V1_Vector(), text: nil)
        let decodedEmpty = try roundTrip(emptyVisual)
        #expect(decodedEmpty.visual == Kgrec_V1_Vector())
        #expect(decodedEmpty.text == nil)
    }

    @Test func nestedRepeatedMessagesRoundTrip() throws {
        let batch = Kgrec_V1_EmbeddingBatch(
            version: .max,
            users: [Kgrec_V1_Embedding(id: "u1", vectors: .init(visual: .init(values: [1, 2]), text: nil)),
                    Kgrec_V1_Embedding(id: "", vectors: nil)],
            items: [Kgrec_V1_Embedding(id: "i9", vectors: .init(visual: nil, text: .init(values: [3])))],
            seen: [Kgrec_V1_SeenItems(itemIds: ["i1", "i2", ""]), Kgrec_V1_SeenItems()])
        #expect(try roundTrip(batch) == batch)
    }

    @Test func everyKGRecMessageShapeRoundTrips() throws {
        let score = Kgrec_V1_ScoreResponse(
            items: [Kgrec_V1_ScoredItem(itemId: "i1", score: 1.5, visualScore: 1, textScore: 0.5)],
            graphVersion: 7, requestId: 42, unknownItemIds: ["nope"],
            error: Kgrec_V1_RequestError(code: 5, message: "unknown user u0"))
        #expect(try roundTrip(score) == score)

        let encode = Kgrec_V1_EncodeRequest(
            items: [Kgrec_V1_EncodeItem(entity: -3, raw: .init(visual: .init(values: [0.25]), text: nil),
                                        neighbours: [1, Int64.max, -1])],
            requestId: UInt64.max)
        #expect(try roundTrip(encode) == encode)

        let add = Kgrec_V1_AddInteractionsRequest(
            newItems: [Kgrec_V1_NewItem(itemId: "new", raw: nil,
                                        links: [Kgrec_V1_KGLink(relation: "film.genre", entityId: "m.1")])],
            interactions: [Kgrec_V1_Interaction(userId: "u", itemId: "i", timestamp: 1_700_000_000)])
        #expect(try roundTrip(add) == add)

        let neighbours = Kgrec_V1_NeighborsResponse(
            neighbors: [Kgrec_V1_Neighbor(entityId: "e", kind: .attribute, relation: "r", attention: 0.125)],
            version: 3)
        #expect(try roundTrip(neighbours) == neighbours)
    }

    @Test func unknownEnumValuesArePreserved() throws {
        // proto3 enums are open: a value this build does not know survives a round trip.
        let n = Kgrec_V1_NeighborsRequest(entityId: "x", kind: Kgrec_V1_EntityKind(rawValue: 99), limit: 1)
        let decoded = try roundTrip(n)
        #expect(decoded.kind.rawValue == 99)
        #expect(decoded.kind.description == "99")
        #expect(Kgrec_V1_EntityKind.item.description == "ENTITY_KIND_ITEM")
        #expect(Grpc_Health_V1_HealthCheckResponse.ServingStatus.serviceUnknown.rawValue == 3)
    }

    @Test func unknownFieldsAreSkipped() throws {
        // Field 15 (varint) and field 16 (length-delimited) are not in EchoStatus.
        let bytes: [UInt8] = [0x78, 0x05, 0x82, 0x01, 0x02, 0x61, 0x62, 0x08, 0x07]
        #expect(try Grpc_Testing_EchoStatus(serializedBytes: bytes) == Grpc_Testing_EchoStatus(code: 7))
    }

    @Test func lastValueWinsForRepeatedScalarField() throws {
        let bytes: [UInt8] = [0x08, 0x01, 0x08, 0x02]
        #expect(try Grpc_Testing_EchoStatus(serializedBytes: bytes).code == 2)
    }

    @Test func methodDescriptorsCarryTheWirePaths() {
        #expect(Grpc_Testing_TestService.Method.unaryCall.path == "/grpc.testing.TestService/UnaryCall")
        #expect(Grpc_Health_V1_Health.Method.watch.path == "/grpc.health.v1.Health/Watch")
        #expect(Kgrec_V1_Ranker.Method.scoreStream.path == "/kgrec.v1.Ranker/ScoreStream")
        #expect(Kgrec_V1_Graph.name == "kgrec.v1.Graph")
    }
}
