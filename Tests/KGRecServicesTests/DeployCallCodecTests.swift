import Foundation
import GRPCCore
import GRPCHTTP2
import GRPCInterop
import KGRecServiceKit
import KGRecWire
import Testing
@testable import KGRecCLI

/// `kgrec call`'s schema-driven JSON ↔ protobuf codec, checked against the generated KGRecWire
/// codec (protobuf-c) and the `.proto` files.
@Suite struct DeployCallCodecTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let codec = ProtoJSONCodec(schema: ProtoSchema.builtIn)

    @Test func builtInSchemaHasEveryServiceOfProtosWithFieldsInDeclarationOrder() throws {
        let s = ProtoSchema.builtIn
        #expect(s.services == ["grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
                               "grpc.reflection.v1alpha.ServerReflection", "grpc.testing.TestService", "grpc.testing.UnimplementedService",
                               "kgrec.v1.Encoder", "kgrec.v1.Graph", "kgrec.v1.Ranker"])
        let score = try #require(s.messages["kgrec.v1.ScoreRequest"])
        #expect(score.fields.prefix(4).map(\.name) == ["user_id", "item_ids", "explain", "request_id"])
        #expect(score.fields[1].repeated && score.fields[1].type == .scalar("string"))
        #expect(s.messages["kgrec.v1.NeighborsRequest"]?.field(named: "kind")?.type == .enumeration("kgrec.v1.EntityKind"))
        #expect(s.enums["grpc.health.v1.HealthCheckResponse.ServingStatus"]?.values.map(\.0).last == "SERVICE_UNKNOWN")
    }

    @Test func malformedOrIncompleteDescriptorsAreErrors() throws {
        let malformed = #expect(throws: ProtoSchema.ParseError.self) { try ProtoSchema(descriptors: [[0x22, 0x05, 0x0A]]) }
        #expect(malformed?.code == .malformed)
        #expect((malformed?.cause as? ProtoWireReader.WireError)?.code == .truncated)
        // ranker.proto without the common.proto it imports: its fields name types nobody defines.
        let ranker = try #require(ProtoFileDescriptors.files.first { $0.name == "kgrec/v1/ranker.proto" })
        let error = #expect(throws: ProtoSchema.ParseError.self) { try ProtoSchema(descriptors: [ranker.serialized]) }
        #expect(error?.code == .unknownType)
        #expect(error?.description.contains("unknown type kgrec.v1.") == true)
    }

    @Test func anRpcNamingAMessageNoFileDefinesIsAnUnknownMessageError() throws {
        // FileDescriptorProto{service: [ServiceDescriptorProto{name: "S", method: [{name: "M",
        // input_type: ".p.In", output_type: ".p.In"}]}]}, with no message `p.In` anywhere.
        var method = ProtoWireWriter()
        method.lengthDelimited(1, Array("M".utf8))
        method.lengthDelimited(2, Array(".p.In".utf8))
        method.lengthDelimited(3, Array(".p.In".utf8))
        var service = ProtoWireWriter()
        service.lengthDelimited(1, Array("S".utf8))
        service.lengthDelimited(2, method.bytes)
        var file = ProtoWireWriter()
        file.lengthDelimited(2, Array("p".utf8))
        file.lengthDelimited(6, service.bytes)
        let error = #expect(throws: ProtoSchema.ParseError.self) { try ProtoSchema(descriptors: [file.bytes]) }
        #expect(error?.code == .unknownMessage)
    }

    @Test func wireReaderErrorsSayWhichWayTheBytesAreBroken() {
        func code(_ bytes: [UInt8], _ read: (inout ProtoWireReader) throws(ProtoWireReader.WireError) -> Void)
            -> ProtoWireReader.WireError.Code?
        {
            var r = ProtoWireReader(ArraySlice(bytes))
            do { try read(&r); return nil } catch { return error.code }
        }
        #expect(code([0x80]) { r throws(ProtoWireReader.WireError) in _ = try r.varint() } == .truncated)
        #expect(code([UInt8](repeating: 0xFF, count: 11)) { r throws(ProtoWireReader.WireError) in _ = try r.varint() } == .invalidVarint)
        #expect(code([0x02]) { r throws(ProtoWireReader.WireError) in _ = try r.tag() } == .invalidTag)
        #expect(code([]) { r throws(ProtoWireReader.WireError) in try r.skip(3) } == .unsupportedWireType)
        #expect(code([0x01]) { r throws(ProtoWireReader.WireError) in _ = try r.varint() } == nil)
    }

    @Test func reflectionClientReadsTheServersSchemaAndIsNilWithoutReflection() async throws {
        var config = ServerConfig()
        config.host = "127.0.0.1"
        config.port = 0
        var router = RPCRouter(services: [HealthService(registry: HealthStatusRegistry())])
        router.registerReflection()
        let withReflection = GRPCServer(router: router, config: config)
        let without = GRPCServer(services: [HealthService(registry: HealthStatusRegistry())], config: config)
        let ports = (try withReflection.start(), try without.start())
        let options = CallOptions(timeout: .seconds(10))
        let a = GRPCChannel(host: "127.0.0.1", port: ports.0), b = GRPCChannel(host: "127.0.0.1", port: ports.1)
        let listed = try #require(await ReflectionClient(channel: a, options: options).schema(symbols: nil))
        #expect(listed.services == ["grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
                                    "grpc.reflection.v1alpha.ServerReflection"])
        let one = try #require(await ReflectionClient(channel: a, options: options)
            .schema(symbols: [CallCommand.symbol(of: "/grpc.health.v1.Health/Check")]))
        #expect(one.method("grpc.health.v1.Health/Check")?.output == "grpc.health.v1.HealthCheckResponse")
        #expect(await ReflectionClient(channel: b, options: options).schema(symbols: ["grpc.health.v1.Health"]) == nil)
        a.close(); b.close()
        await withReflection.shutdown(grace: .seconds(1))
        await without.shutdown(grace: .seconds(1))
    }

    @Test func jsonWithEitherFieldSpellingEncodesLikeTheGeneratedCodec() throws {
        let json = try JSONParser.parse(#"{"user_id":"u1","itemIds":["a","b"],"explain":true,"requestId":"18446744073709551615"}"#)
        let bytes = try codec.encode(json, as: "kgrec.v1.ScoreRequest")
        let decoded = try Kgrec_V1_ScoreRequest(serializedBytes: bytes)
        #expect(decoded == Kgrec_V1_ScoreRequest(userId: "u1", itemIds: ["a", "b"], explain: true, requestId: .max))
    }

    @Test func nestedMessagesPackedFloatsAndNegativeInt64Encode() throws {
        let json = try JSONParser.parse("""
            {"new_items":[{"item_id":"n1","raw":{"visual":{"values":[0.5,-1.25,3e-3]},"text":{}},
              "links":[{"relation":"genre","entity_id":"g1"}]}],
             "interactions":[{"user_id":"u","item_id":"n1","timestamp":-5}]}
            """)
        let decoded = try Kgrec_V1_AddInteractionsRequest(serializedBytes: try codec.encode(json, as: "kgrec.v1.AddInteractionsRequest"))
        let want = Kgrec_V1_AddInteractionsRequest(
            newItems: [Kgrec_V1_NewItem(itemId: "n1", raw: Kgrec_V1_ModalityVectors(visual: Kgrec_V1_Vector(values: [0.5, -1.25, 0.003]),
                                                                                     text: Kgrec_V1_Vector()),
                                        links: [Kgrec_V1_KGLink(relation: "genre", entityId: "g1")])],
            interactions: [Kgrec_V1_Interaction(userId: "u", itemId: "n1", timestamp: -5)])
        #expect(decoded == want)
        let enc = try Kgrec_V1_EncodeRequest(serializedBytes: try codec.encode(
            try JSONParser.parse(#"{"items":[{"entity":"42","neighbours":[1,2,300000]}],"request_id":9}"#), as: "kgrec.v1.EncodeRequest"))
        #expect(enc == Kgrec_V1_EncodeRequest(items: [Kgrec_V1_EncodeItem(entity: 42, neighbours: [1, 2, 300_000])], requestId: 9))
    }

    @Test func generatedBytesPrintAsProto3JSON() throws {
        let msg = Kgrec_V1_ScoreResponse(items: [Kgrec_V1_ScoredItem(itemId: "i1", score: 0.5, visualScore: 0.25, textScore: 0.25),
                                                 Kgrec_V1_ScoredItem(itemId: "i2")],
                                         graphVersion: 3, requestId: 0, error: Kgrec_V1_RequestError(code: 5, message: "no user"))
        let json = try codec.decode(msg.serializedBytes(), as: "kgrec.v1.ScoreResponse").render()
        #expect(json == #"{"items":[{"itemId":"i1","score":0.5,"visualScore":0.25,"textScore":0.25},{"itemId":"i2"}],"graphVersion":"3","error":{"code":5,"message":"no user"}}"#)
        let health = Grpc_Health_V1_HealthCheckResponse(status: .notServing).serializedBytes()
        #expect(try codec.decode(health, as: "grpc.health.v1.HealthCheckResponse").render() == #"{"status":"NOT_SERVING"}"#)
        let neighbors = Kgrec_V1_NeighborsResponse(neighbors: [Kgrec_V1_Neighbor(entityId: "e", kind: .attribute, relation: "r", attention: 0.125)], version: 2)
        #expect(try codec.decode(neighbors.serializedBytes(), as: "kgrec.v1.NeighborsResponse").render()
                == #"{"neighbors":[{"entityId":"e","kind":"ENTITY_KIND_ATTRIBUTE","relation":"r","attention":0.125}],"version":"2"}"#)
    }

    @Test func jsonRoundTripsThroughProtobufForEveryFieldKind() throws {
        let text = #"{"users":[{"id":"u","vectors":{"visual":{"values":[1,2.5]}}}],"items":[{"id":"i"}],"version":"7","seen":[{"itemIds":["a","b"]}]}"#
        let bytes = try codec.encode(try JSONParser.parse(text), as: "kgrec.v1.EmbeddingBatch")
        #expect(try codec.decode(bytes, as: "kgrec.v1.EmbeddingBatch").render() == #"{"version":"7","users":[{"id":"u","vectors":{"visual":{"values":[1,2.5]}}}],"items":[{"id":"i"}],"seen":[{"itemIds":["a","b"]}]}"#)
    }

    /// The description starts with the field's path: that is what `kgrec call` prints.
    @Test(arguments: [
        (#"{"user":"u1"}"#, ProtoJSONCodec.CodecError.Code.unknownField, "kgrec.v1.RecommendRequest:"),
        (#"{"k":"many"}"#, .invalidValue, "kgrec.v1.RecommendRequest.k:"),
        (#"{"k":-1}"#, .invalidValue, "kgrec.v1.RecommendRequest.k:"),
        (#"{"user_id":5}"#, .wrongKind, "kgrec.v1.RecommendRequest.userId:"),
        (#"{"explain":"yes"}"#, .wrongKind, "kgrec.v1.RecommendRequest.explain:"),
        (#"[1]"#, .wrongKind, "kgrec.v1.RecommendRequest:"),
    ])
    func badJSONIsRejectedNamingTheField(input: String, code: ProtoJSONCodec.CodecError.Code, path: String) throws {
        let error = #expect(throws: ProtoJSONCodec.CodecError.self) {
            try codec.encode(try JSONParser.parse(input), as: "kgrec.v1.RecommendRequest")
        }
        #expect(error?.code == code && error?.description.hasPrefix(path) == true, "\(error?.description ?? "")")
    }

    @Test func badEnumNameListsTheKnownNames() throws {
        let error = #expect(throws: ProtoJSONCodec.CodecError.self) {
            try codec.encode(try JSONParser.parse(#"{"kind":"ROBOT"}"#), as: "kgrec.v1.NeighborsRequest")
        }
        #expect(error?.code == .invalidValue)
        #expect(error?.description.contains("ENTITY_KIND_USER") == true)  // the list of names is the point
    }

    @Test func malformedProtobufIsAnErrorNotACrash() throws {
        for bytes: [UInt8] in [[0x0A, 0x05, 0x41], [0x08], [0x00], [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]] {
            let error = #expect(throws: ProtoJSONCodec.CodecError.self) { try codec.decode(bytes, as: "kgrec.v1.ScoreResponse") }
            #expect(error?.code == .malformedProtobuf, "\(bytes)")
        }
    }

    @Test func anUnknownMessageTypeIsRejected() throws {
        let error = #expect(throws: ProtoJSONCodec.CodecError.self) { try codec.encode(.object([]), as: "kgrec.v1.Nope") }
        #expect(error?.code == .unknownType)
    }

    @Test func jsonParserHandlesEscapesAndReportsPositions() throws {
        #expect(try JSONParser.parse(#"{"a":"x\"\u00e9\ud83d\ude00\n"}"#) == .object([("a", .string("x\"é😀\n"))]))
        #expect(try JSONParser.parseSequence("{\"a\":1}\n{\"a\":2}\n").count == 2)
        let error = #expect(throws: JSONParser.ParseError.self) { try JSONParser.parse("{\n  \"a\": tru\n}") }
        #expect(error?.line == 2)
        #expect(error?.code == .syntax)
        func code(_ text: String) -> JSONParser.ParseError.Code? {
            do { _ = try JSONParser.parse(text); return nil } catch { return error.code }
        }
        #expect(code(#"{"a":1} x"#) == .syntax)
        #expect(code(#"{"a":01.}"#) == .invalidNumber)
        #expect(code(#"{"a":"\q"}"#) == .invalidString)
        #expect(code(#"["\#u{01}"]"#) == .invalidString)
        #expect(code(String(repeating: "[", count: 129) + String(repeating: "]", count: 129)) == .tooDeep)
        #expect(code(String(repeating: "[", count: 128) + String(repeating: "]", count: 128)) == nil)
    }

    @Test func methodNamesResolveInEveryAcceptedSpelling() {
        let s = ProtoSchema.builtIn
        for spec in ["kgrec.v1.Ranker/ScoreStream", "/kgrec.v1.Ranker/ScoreStream", "kgrec.v1.Ranker.ScoreStream"] {
            #expect(s.method(spec)?.shape == .bidi)
        }
        #expect(s.method("grpc.health.v1.Health/Watch")?.shape == .serverStreaming)
        #expect(s.method("kgrec.v1.Ranker/Nope") == nil)
        #expect(CallCommand.listing(s).contains("kgrec.v1.Graph/AddInteractions"))
    }

    @Test func callRunnerTalksToARealServerAndSurfacesStatuses() async throws {
        let registry = HealthStatusRegistry()
        registry.set("kgrec.v1.Ranker", .notServing)
        var config = ServerConfig()
        config.host = "127.0.0.1"
        config.port = 0
        let server = GRPCServer(services: [HealthService(registry: registry)], config: config)
        let port = try server.start()
        let channel = GRPCChannel(host: "127.0.0.1", port: port)
        func call(_ method: String, _ json: String...) async throws -> [String] {
            let runner = CallRunner(codec: codec, channel: channel, method: ProtoSchema.builtIn.method(method)!,
                                    options: CallOptions(timeout: .seconds(5)))
            let (stream, cont) = AsyncStream<JSONValue>.makeStream()
            for j in json { cont.yield(try JSONParser.parse(j)) }
            cont.finish()
            final class Lines: @unchecked Sendable { var all: [String] = [] }
            let lines = Lines()
            try await runner.run(requests: stream) { lines.all.append($0.render()) }
            return lines.all
        }
        #expect(try await call("grpc.health.v1.Health/Check", "{}") == [#"{"status":"SERVING"}"#])
        #expect(try await call("grpc.health.v1.Health/Check", #"{"service":"kgrec.v1.Ranker"}"#) == [#"{"status":"NOT_SERVING"}"#])
        let notFound = await #expect(throws: RPCError.self) { try await call("grpc.health.v1.Health/Check", #"{"service":"x"}"#) }
        #expect(notFound?.code == .notFound)
        let unimplemented = await #expect(throws: RPCError.self) { try await call("kgrec.v1.Ranker/Score", #"{"user_id":"u"}"#) }
        #expect(unimplemented?.code == .unimplemented)
        // A unary or server-streaming method takes one request: a second is refused before any call.
        for method in ["grpc.health.v1.Health/Check", "grpc.health.v1.Health/Watch"] {
            let twice = await #expect(throws: ProtoJSONCodec.CodecError.self) { try await call(method, "{}", "{}") }
            #expect(twice?.code == .tooManyRequests)
        }
        channel.close()
        await server.shutdown(grace: .seconds(1))
    }
}
