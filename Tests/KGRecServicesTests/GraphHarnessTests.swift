import Foundation
import GRPCCore
import GRPCHTTP2
import KGRecGraphService
@testable import KGRecModel
import KGRecTensor
import KGRecServiceKit
import KGRecServing
import KGRecWire
import Synchronization
import Testing

/// A graph server on 127.0.0.1 (free port) over a `ServingFixture` checkpoint and a fresh log,
/// plus a client channel. `stop()` drains it; the log is in the fixture's directory.
final class GraphHarness: @unchecked Sendable {
    let fixture: ServingFixture
    let server: ServiceHost<HostedGraph>
    let channel: GRPCChannel
    let logPath: String
    let metrics = ServiceMetrics()

    init(fixture: ServingFixture, encoding: any ItemEncoding = LocalItemEncoding(), tokens: [String] = [],
         logName: String = "interactions.log", load: Bool = true, logIO: DurableLog.FileIO = .system,
         logSink: MemoryLogSink? = nil,
         configure: (inout GraphOptions, inout ServerConfig) -> Void = { _, _ in }) async throws {
        self.fixture = fixture
        logPath = (fixture.directory as NSString).appendingPathComponent(logName)
        var options = GraphOptions()
        options.checkpoint = fixture.checkpointPath
        options.logPath = logPath
        options.localEncoder = true
        options.exportBatch = 16
        var config = ServerConfig()
        config.host = "127.0.0.1"
        config.eventLoops = 1
        configure(&options, &config)
        let engine = GraphEngine(options: options, encoding: encoding, metrics: GraphMetrics(service: metrics),
                                 logger: logSink.map { Logger(service: "graph", sink: $0) }, logIO: logIO)
        server = ServiceHost(HostedGraph(engine: engine), serverConfig: config, metrics: metrics,
                             auth: BearerTokenAuthenticator(tokens: tokens))
        let port = try server.start()
        channel = GRPCChannel(host: "127.0.0.1", port: port)
        if load { await server.waitUntilLoaded() }
    }

    func stop() async {
        channel.close()
        await server.stop(grace: .seconds(1))
    }

    var engine: GraphEngine { server.service.engine }

    func get(users: [String] = [], items: [String] = []) async throws -> Kgrec_V1_GetEmbeddingsResponse {
        try await channel.unary(Kgrec_V1_Graph.Method.getEmbeddings,
                                request: Kgrec_V1_GetEmbeddingsRequest(userIds: users, itemIds: items),
                                responseType: Kgrec_V1_GetEmbeddingsResponse.self).message
    }

    func add(_ request: Kgrec_V1_AddInteractionsRequest, token: String? = nil) async throws -> Kgrec_V1_AddInteractionsResponse {
        let metadata = token.map { Metadata([("authorization", "Bearer \($0)")]) } ?? Metadata()
        return try await channel.unary(Kgrec_V1_Graph.Method.addInteractions, request: request,
                                       responseType: Kgrec_V1_AddInteractionsResponse.self,
                                       options: CallOptions(timeout: .seconds(60), metadata: metadata)).message
    }

    func export(batchSize: UInt32 = 0) async throws -> [Kgrec_V1_EmbeddingBatch] {
        var out: [Kgrec_V1_EmbeddingBatch] = []
        let stream = channel.serverStreaming(Kgrec_V1_Graph.Method.exportEmbeddings,
                                             request: Kgrec_V1_ExportEmbeddingsRequest(batchSize: batchSize, includeUsers: true,
                                                                                       includeItems: true),
                                             responseType: Kgrec_V1_EmbeddingBatch.self)
        for try await b in stream { out.append(b) }
        return out
    }

    /// A valid request: one new item (both modalities, linked to an attribute), a new user who
    /// interacts with it and with a trained item, and a trained user who interacts with it.
    func coldItemRequest(item: String = "cold-1", user: String = "new-user-1") -> Kgrec_V1_AddInteractionsRequest {
        let d = fixture.dataset
        var rng = Xoshiro256(seed: 21)
        let raw = Kgrec_V1_ModalityVectors(visual: Kgrec_V1_Vector(values: (0..<12).map { _ in rng.uniform(-1, 1) }),
                                           text: Kgrec_V1_Vector(values: (0..<10).map { _ in rng.uniform(-1, 1) }))
        let attribute = d.entities[d.itemCount + 1]
        return Kgrec_V1_AddInteractionsRequest(
            newItems: [Kgrec_V1_NewItem(itemId: item, raw: raw,
                                        links: [Kgrec_V1_KGLink(relation: d.relations[0], entityId: attribute)])],
            interactions: [Kgrec_V1_Interaction(userId: user, itemId: item, timestamp: 1),
                           Kgrec_V1_Interaction(userId: user, itemId: d.items[3], timestamp: 2),
                           Kgrec_V1_Interaction(userId: d.users[0], itemId: item, timestamp: 3)])
    }

    /// The embedding row of `e` as `[visual | text]`.
    static func row(_ e: Kgrec_V1_Embedding) -> [Float] {
        (e.vectors?.visual?.values ?? []) + (e.vectors?.text?.values ?? [])
    }
}

/// A stand-in `kgrec.v1.Encoder/EncodeStream` over a `ServingModel` (the real encoder service is
/// another helper's), counting the batches it answered, so the remote path can be tested here.
struct FakeEncoderService: RPCService {
    final class Count: Sendable {
        let value = Atomic<Int>(0)
        var current: Int { value.load(ordering: .relaxed) }
    }
    let model: ServingModel
    let batches: Count
    /// While positive, requests get UNAVAILABLE (an encoder still loading) and it counts down.
    let unavailableFor = Count()

    func register(in router: inout RPCRouter) {
        let model = self.model
        let batches = self.batches
        let unavailable = self.unavailableFor
        router.bidiStreaming(Kgrec_V1_Encoder.Method.encodeStream) {
            (requests: RPCReader<Kgrec_V1_EncodeRequest>, out: RPCWriter<Kgrec_V1_EncodeResponse>, _) in
            for try await r in requests {
                if unavailable.value.load(ordering: .relaxed) > 0 {
                    _ = unavailable.value.subtract(1, ordering: .relaxed)
                    throw RPCError(.unavailable, "encoder is loading its checkpoint")
                }
                let inputs: [EncodeInput] = r.items.map { item in
                    let n = item.neighbours.map { Int32($0) }
                    if let raw = item.raw {
                        return .cold(raw: RawContent(visual: raw.visual?.values, text: raw.text?.values), neighbours: n)
                    }
                    return .known(item: Int(item.entity), neighbours: n.isEmpty ? nil : n)
                }
                let fused = try model.encode(inputs)
                _ = batches.value.add(1, ordering: .relaxed)
                try await out.write(Kgrec_V1_EncodeResponse(
                    fused: fused.map { f in
                        var v = Kgrec_V1_ModalityVectors()
                        for (c, values) in f.channels.enumerated() {
                            if model.wireModality(ofChannel: c) == .visual { v.visual = Kgrec_V1_Vector(values: values) }
                            else { v.text = Kgrec_V1_Vector(values: values) }
                        }
                        return v
                    }, requestId: r.requestId, modelVersion: model.modelVersion))
            }
        }
    }

    /// A started server on 127.0.0.1 and its address.
    static func start(model: ServingModel, batches: Count, unavailableFor: Int = 0) throws -> (GRPCServer, String) {
        var config = ServerConfig()
        config.host = "127.0.0.1"
        config.eventLoops = 1
        let service = FakeEncoderService(model: model, batches: batches)
        service.unavailableFor.value.store(unavailableFor, ordering: .relaxed)
        let server = GRPCServer(services: [service], config: config)
        let port = try server.start()
        return (server, "127.0.0.1:\(port)")
    }
}
