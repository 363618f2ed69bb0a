import GRPCCore
import GRPCHTTP2
@testable import KGRecEncoderService
@testable import KGRecModel
import KGRecServiceKit
import KGRecWire
import Synchronization
import Testing

/// The encoder over gRPC, loaded from a real checkpoint of a tiny trained model, against the
/// serving stage (`ServingModel.encode`) computed in-process.
@Suite("Encoder service", .serialized)
struct EncoderServiceTests {
    /// One checkpoint for the whole suite (training it is the slow part).
    static let fixture = Result { try ServingFixture() }

    struct Harness {
        let server: EncoderServer
        let channel: GRPCChannel
        let serving: ServingModel

        func encode(_ items: [Kgrec_V1_EncodeItem], id: UInt64 = 0) async throws -> Kgrec_V1_EncodeResponse {
            try await channel.unary(Kgrec_V1_Encoder.Method.encode,
                                    request: Kgrec_V1_EncodeRequest(items: items, requestId: id),
                                    responseType: Kgrec_V1_EncodeResponse.self,
                                    options: CallOptions(timeout: .seconds(20))).message
        }

        func stop() async {
            channel.close()
            await server.stop(grace: .zero)
        }
    }

    static func start(load: Bool = true, reflection: Bool = true,
                      configure: (inout EncoderOptions) -> Void = { _ in }) async throws -> Harness {
        let f = try fixture.get()
        var options = EncoderOptions()
        options.checkpoint = f.checkpointPath
        options.workers = 2
        options.chunkSize = 4
        configure(&options)
        var config = ServerConfig()
        config.host = "127.0.0.1"
        config.port = 0
        config.eventLoops = 1
        let engine = EncoderEngine(options: options)
        if load { try await engine.load() }
        let server = EncoderServer(engine: engine, serverConfig: config, metrics: ServiceMetrics(),
                                   logger: Logger(service: "encoder", level: .error, sink: MemoryLogSink()),
                                   reflection: reflection)
        if load { server.markServing() }
        let port = try server.start()
        return Harness(server: server, channel: GRPCChannel(host: "127.0.0.1", port: port),
                       serving: try ServingModel.load(checkpoint: f.checkpointPath))
    }

    /// The wire vectors of `r.fused[k]` in channel order.
    static func channels(_ v: Kgrec_V1_ModalityVectors, _ serving: ServingModel) -> [[Float]] {
        serving.channelNames.indices.map { c in
            (serving.wireModality(ofChannel: c) == .visual ? v.visual : v.text)?.values ?? []
        }
    }

    @Test func reflectionListsTheEncoderUnlessTurnedOff() async throws {
        for on in [true, false] {
            let h = try await Self.start(load: false, reflection: on)
            let call = h.channel.bidiStreaming(Grpc_Reflection_V1_ServerReflection.Method.serverReflectionInfo,
                                               requestType: Grpc_Reflection_V1_ServerReflectionRequest.self,
                                               responseType: Grpc_Reflection_V1_ServerReflectionResponse.self,
                                               options: CallOptions(timeout: .seconds(10)))
            do {  // with reflection off the UNIMPLEMENTED status may arrive before the send completes
                try await call.send(Grpc_Reflection_V1_ServerReflectionRequest(messageRequest: .listServices("")))
                call.closeSend()
                var names: [String] = []
                for try await r in call {
                    if case .listServicesResponse(let l)? = r.messageResponse { names += l.service.map(\.name) }
                }
                #expect(on && names.contains("kgrec.v1.Encoder") && names.contains("grpc.reflection.v1alpha.ServerReflection"))
            } catch let e as RPCError {
                #expect(!on && e.code == .unimplemented)
            }
            await h.stop()
        }
    }

    @Test func encodingKnownItemsOverGRPCEqualsTheServingStage() async throws {
        let h = try await Self.start()
        defer { Task { await h.stop() } }
        let f = try Self.fixture.get()
        let ids = Array(0..<f.dataset.itemCount)
        let r = try await h.encode(ids.map { Kgrec_V1_EncodeItem(entity: Int64($0)) }, id: 77)
        #expect(r.requestId == 77)
        #expect(r.modelVersion == h.serving.modelVersion && r.modelVersion.hasPrefix("multikg4rec-"))
        let want = try h.serving.encode(ids.map { .known(item: $0) })
        #expect(r.fused.count == ids.count)
        for (k, v) in r.fused.enumerated() {
            let got = Self.channels(v, h.serving)
            #expect(got.count == 2 && got.allSatisfy { $0.count == h.serving.embeddingSize })
            for c in 0..<2 {
                let diff = zip(got[c], want[k].channels[c]).map { abs($0 - $1) }.max() ?? 1
                #expect(diff < 1e-5, "item \(k) channel \(c)")
            }
        }
        // Explicit neighbour sequences are used as given.
        let explicit = try await h.encode([Kgrec_V1_EncodeItem(entity: 3, neighbours: [10, 61, 5])])
        let wantExplicit = try h.serving.encode([.known(item: 3, neighbours: [10, 61, 5])])
        #expect(Self.channels(explicit.fused[0], h.serving) == wantExplicit[0].channels)
        await h.stop()
    }

    @Test func aColdItemWithAKnownItemsRawContentRoundTripsToThatItemsVector() async throws {
        let h = try await Self.start()
        defer { Task { await h.stop() } }
        let f = try Self.fixture.get()
        let i = f.itemWithBothModalities
        let n = h.serving.sequenceLength
        let neighbours = (1..<n).filter { f.model.fusion!.keyMask[i * n + $0] }
            .map { Int64(f.model.fusion!.sequenceNodes[i * n + $0]) }
        let raw = Kgrec_V1_ModalityVectors(visual: Kgrec_V1_Vector(values: Array(f.dataset.features.visual!.vector(ofNode: i)!)),
                                           text: Kgrec_V1_Vector(values: Array(f.dataset.features.text!.vector(ofNode: i)!)))
        let r = try await h.encode([Kgrec_V1_EncodeItem(raw: raw, neighbours: neighbours),
                                    Kgrec_V1_EncodeItem(entity: Int64(i))])
        let cold = Self.channels(r.fused[0], h.serving), known = Self.channels(r.fused[1], h.serving)
        for c in 0..<2 {
            #expect(zip(cold[c], known[c]).map { abs($0 - $1) }.max()! < 1e-5)
        }
        // A cold item with one modality only is fine (the other is absent, not an error).
        let textOnly = try await h.encode([Kgrec_V1_EncodeItem(raw: Kgrec_V1_ModalityVectors(text: raw.text),
                                                               neighbours: neighbours)])
        let want = try h.serving.encode([.cold(raw: RawContent(text: raw.text!.values), neighbours: neighbours.map(Int32.init))])
        #expect(Self.channels(textOnly.fused[0], h.serving) == want[0].channels)
        await h.stop()
    }

    @Test func badWidthsIdsAndSizesGetPreciseStatusesNamingTheItem() async throws {
        let h = try await Self.start { $0.maxItems = 8 }
        defer { Task { await h.stop() } }
        let f = try Self.fixture.get()
        let (items, nodes) = (f.dataset.itemCount, f.dataset.graph.nodeCount)
        let wide = Kgrec_V1_ModalityVectors(visual: Kgrec_V1_Vector(values: [Float](repeating: 0.5, count: 13)))
        await #expect(throws: RPCError(.invalidArgument,
                                       "item 1: raw visual vector has 13 values, the checkpoint's input width is 12")) {
            try await h.encode([Kgrec_V1_EncodeItem(entity: 0), Kgrec_V1_EncodeItem(raw: wide)])
        }
        await #expect(throws: RPCError(.notFound, "item 0: entity \(items) is not an item of the checkpoint (0..<\(items))")) {
            try await h.encode([Kgrec_V1_EncodeItem(entity: Int64(items))])
        }
        await #expect(throws: RPCError(.notFound, "item 0: entity -1 is not an item of the checkpoint (0..<\(items))")) {
            try await h.encode([Kgrec_V1_EncodeItem(entity: -1)])
        }
        await #expect(throws: RPCError(.invalidArgument,
                                       "item 0: neighbour \(nodes) is not a node of the checkpoint's graph (0..<\(nodes))")) {
            try await h.encode([Kgrec_V1_EncodeItem(entity: 2, neighbours: [1, Int64(nodes)])])
        }
        await #expect(throws: RPCError(.invalidArgument, "items is empty")) { try await h.encode([]) }
        await #expect(throws: RPCError(.invalidArgument, "9 items; at most 8 per request")) {
            try await h.encode((0..<9).map { Kgrec_V1_EncodeItem(entity: Int64($0)) })
        }
        await h.stop()
    }

    @Test func encodeStreamAnswersEveryRequestInOrderAndStopsAtABadOne() async throws {
        let h = try await Self.start { $0.streamWindow = 3 }
        defer { Task { await h.stop() } }
        let call = h.channel.bidiStreaming(Kgrec_V1_Encoder.Method.encodeStream,
                                           requestType: Kgrec_V1_EncodeRequest.self,
                                           responseType: Kgrec_V1_EncodeResponse.self,
                                           options: CallOptions(timeout: .seconds(20)))
        // Sizes vary so later requests could finish first if order were not kept.
        let sizes = [9, 1, 6, 1, 2, 12, 1, 3]
        var requests: [Kgrec_V1_EncodeRequest] = []
        for (r, size) in sizes.enumerated() {
            requests.append(Kgrec_V1_EncodeRequest(items: (0..<size).map { Kgrec_V1_EncodeItem(entity: Int64((r * 7 + $0) % 60)) },
                                                   requestId: UInt64(100 + r)))
        }
        for r in requests { try await call.send(r) }
        call.closeSend()
        var got: [Kgrec_V1_EncodeResponse] = []
        for try await r in call { got.append(r) }
        #expect(got.map(\.requestId) == requests.map(\.requestId))
        for (r, response) in zip(requests, got) {
            let unary = try await h.encode(r.items, id: r.requestId)
            #expect(response == unary)
        }

        let bad = h.channel.bidiStreaming(Kgrec_V1_Encoder.Method.encodeStream,
                                          requestType: Kgrec_V1_EncodeRequest.self,
                                          responseType: Kgrec_V1_EncodeResponse.self,
                                          options: CallOptions(timeout: .seconds(20)))
        try await bad.send(requests[1])
        let first = try await bad.receive()
        #expect(first?.requestId == requests[1].requestId)
        try await bad.send(Kgrec_V1_EncodeRequest(items: [Kgrec_V1_EncodeItem(entity: 100_000)], requestId: 5))
        await #expect(throws: RPCError.self) { while try await bad.receive() != nil {} }
        #expect(await bad.status().code == .notFound)
        await h.stop()
    }

    @Test func notServingUntilTheCheckpointIsLoadedAndAFailedLoadIsReported() async throws {
        let h = try await Self.start(load: false)
        defer { Task { await h.stop() } }
        #expect(h.server.health.status(of: "kgrec.v1.Encoder") == .notServing)
        #expect(h.server.health.status(of: "") == .notServing)
        await #expect(throws: RPCError(.unavailable, "encoder is loading its checkpoint; not serving yet")) {
            try await h.encode([Kgrec_V1_EncodeItem(entity: 0)])
        }
        h.server.loadInBackground { error in Issue.record("load failed: \(error)") }
        for _ in 0..<2000 where h.server.health.status(of: "kgrec.v1.Encoder") != .serving {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(h.server.health.status(of: "kgrec.v1.Encoder") == .serving)
        #expect(try await h.encode([Kgrec_V1_EncodeItem(entity: 0)]).fused.count == 1)
        await h.stop()

        var options = EncoderOptions()
        options.checkpoint = "/nonexistent/checkpoint.safetensors"
        let failing = EncoderServer(engine: EncoderEngine(options: options), serverConfig: ServerConfig(),
                                    metrics: ServiceMetrics(),
                                    logger: Logger(service: "encoder", level: .error, sink: MemoryLogSink()))
        let failure = Mutex<String?>(nil)
        failing.loadInBackground { error in failure.withLock { $0 = "\(error)" } }
        for _ in 0..<500 where failure.withLock({ $0 }) == nil { try await Task.sleep(for: .milliseconds(10)) }
        #expect(failure.withLock { $0 }?.contains("/nonexistent/checkpoint.safetensors") == true)
        #expect(failing.health.status(of: "kgrec.v1.Encoder") == .notServing)
    }
}
