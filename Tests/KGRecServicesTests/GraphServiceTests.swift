import Foundation
import GRPCCore
import GRPCHTTP2
import KGRecEncoderService
@testable import KGRecGraphService
@testable import KGRecModel
import KGRecTensor
import KGRecServiceKit
import KGRecServing
import KGRecWire
import Testing

@Suite(.serialized) struct GraphServiceTests {
    @Test func servedEmbeddingsEqualTheModelsInferenceEmbeddingsAtVersionOne() async throws {
        let h = try await GraphHarness(fixture: ServingFixture())
        let d = h.fixture.dataset
        let expected = h.fixture.model.inferenceEmbeddings()
        let r = try await h.get(users: d.users.tokens + ["nobody"], items: d.items.tokens + ["nothing"])
        #expect(r.version == 1)
        #expect(r.unknownUserIds == ["nobody"] && r.unknownItemIds == ["nothing"])
        #expect(r.users.map(\.id) == d.users.tokens && r.items.map(\.id) == d.items.tokens)
        var worst: Float = 0
        for (u, e) in r.users.enumerated() {
            worst = max(worst, zip(GraphHarness.row(e), expected.users.row(u)).map { abs($0 - $1) }.max()!)
        }
        for (i, e) in r.items.enumerated() {
            worst = max(worst, zip(GraphHarness.row(e), expected.items.row(i)).map { abs($0 - $1) }.max()!)
        }
        #expect(worst < 1e-5)
        #expect(r.users[0].vectors?.visual?.values.count == 44 && r.users[0].vectors?.text?.values.count == 44)
        await #expect(throws: RPCError.self) { try await h.get() }
        await h.stop()
    }

    @Test func exportStreamsEveryUserWithSeenItemsAndEveryItemAtOneVersion() async throws {
        let h = try await GraphHarness(fixture: ServingFixture())
        let d = h.fixture.dataset
        let batches = try await h.export(batchSize: 7)
        #expect(batches.allSatisfy { $0.version == 1 && $0.users.count + $0.items.count <= 7 })
        let users = batches.flatMap(\.users), seen = batches.flatMap(\.seen), items = batches.flatMap(\.items)
        #expect(users.map(\.id) == d.users.tokens && items.map(\.id) == d.items.tokens && seen.count == users.count)
        for u in [0, 5, d.userCount - 1] {
            #expect(seen[u].itemIds == d.split.trainSets.items(of: u).map { d.items[Int($0)] })
        }
        let defaults = try await h.export()
        #expect(defaults.count == (d.userCount + 15) / 16 + (d.itemCount + 15) / 16)
        // A huge batch_size is cut by the byte budget (here 2000 bytes: a few rows per message).
        let table = try #require(h.engine.snapshot)
        let small = Array(GraphService.exportBatches(Kgrec_V1_ExportEmbeddingsRequest(batchSize: 100_000), table,
                                                     defaultSize: 16, maxBatchBytes: 2000))
        #expect(small.allSatisfy { $0.users.count + $0.items.count <= 6 && $0.serializedBytes().count < 4000 })
        #expect(small.flatMap(\.users) == users && small.flatMap(\.items) == items && small.flatMap(\.seen) == seen)
        await h.stop()
    }

    @Test func neighborsAreTheKGEdgesSortedByAttention() async throws {
        let h = try await GraphHarness(fixture: ServingFixture())
        let d = h.fixture.dataset
        let r = try await h.channel.unary(Kgrec_V1_Graph.Method.neighbors,
                                          request: Kgrec_V1_NeighborsRequest(entityId: d.items[2], kind: .item, limit: 100),
                                          responseType: Kgrec_V1_NeighborsResponse.self).message
        #expect(r.version == 1 && r.neighbors.count == d.graph.degree(of: 2))
        #expect(zip(r.neighbors, r.neighbors.dropFirst()).allSatisfy { $0.attention >= $1.attention })
        #expect(abs(r.neighbors.map(\.attention).reduce(0, +) - 1) < 1e-4)  // softmax over the head's edges
        #expect(r.neighbors.contains { $0.kind == .attribute && d.relations.index(of: $0.relation) != nil })
        #expect(r.neighbors.contains { $0.kind == .user && $0.relation == "interact_inv" })
        let limited = try await h.channel.unary(Kgrec_V1_Graph.Method.neighbors,
                                                request: Kgrec_V1_NeighborsRequest(entityId: d.items[2], limit: 2),
                                                responseType: Kgrec_V1_NeighborsResponse.self).message
        #expect(limited.neighbors == Array(r.neighbors.prefix(2)))
        await #expect {
            try await h.channel.unary(Kgrec_V1_Graph.Method.neighbors,
                                      request: Kgrec_V1_NeighborsRequest(entityId: "ghost", kind: .user),
                                      responseType: Kgrec_V1_NeighborsResponse.self)
        } throws: { ($0 as? RPCError)?.code == .notFound }
        await h.stop()
    }

    @Test func addInteractionsNeedsTheBearerToken() async throws {
        let h = try await GraphHarness(fixture: ServingFixture(), tokens: ["s3cret"])
        await #expect { try await h.add(h.coldItemRequest()) } throws: { ($0 as? RPCError)?.code == .unauthenticated }
        await #expect { try await h.add(h.coldItemRequest(), token: "nope") } throws: {
            ($0 as? RPCError)?.code == .permissionDenied
        }
        let ok = try await h.add(h.coldItemRequest(), token: "s3cret")
        #expect(ok.version == 2 && ok.acceptedItems == 1 && ok.acceptedInteractions == 3)
        await h.stop()
    }

    @Test func invalidUpdatesChangeNothingAndNameTheProblem() async throws {
        let h = try await GraphHarness(fixture: ServingFixture())
        let d = h.fixture.dataset
        func code(_ r: Kgrec_V1_AddInteractionsRequest) async -> (StatusCode?, String) {
            do { _ = try await h.add(r); return (nil, "") } catch let e as RPCError { return (e.code, e.message) } catch {
                return (nil, "\(error)")
            }
        }
        var wide = h.coldItemRequest()
        wide.newItems[0].raw!.visual!.values.append(0)
        let (c1, m1) = await code(wide)
        #expect(c1 == .invalidArgument && m1.contains("13") && m1.contains("12") && m1.contains("new_items[0]"))
        var unknownItem = h.coldItemRequest()
        unknownItem.interactions.append(Kgrec_V1_Interaction(userId: "u1", itemId: "no-such-item"))
        let (c2, m2) = await code(unknownItem)
        #expect(c2 == .notFound && m2.contains("no-such-item"))
        var existing = h.coldItemRequest()
        existing.newItems[0].itemId = d.items[0]
        #expect(await code(existing).0 == .alreadyExists)
        var badLink = h.coldItemRequest()
        badLink.newItems[0].links[0].entityId = "nowhere"
        #expect(await code(badLink).0 == .invalidArgument)
        #expect(await code(Kgrec_V1_AddInteractionsRequest()).0 == .invalidArgument)
        let after = try await h.get(users: ["new-user-1"], items: ["cold-1"])
        #expect(after.version == 1 && after.unknownUserIds == ["new-user-1"] && after.unknownItemIds == ["cold-1"])
        #expect(h.metrics.registry.render().contains("kgrec_graph_log_records 0"))  // the header only
        await h.stop()
    }

    @Test func aColdItemAndANewUserAreServedAfterAddInteractionsAndSurviveARestart() async throws {
        let fixture = try ServingFixture()
        let h = try await GraphHarness(fixture: fixture)
        let d = fixture.dataset
        let ack = try await h.add(h.coldItemRequest())
        #expect(ack.version == 2)
        let r = try await h.get(users: ["new-user-1", d.users[0]], items: ["cold-1", d.items[3]])
        #expect(r.version == 2 && r.unknownUserIds.isEmpty && r.unknownItemIds.isEmpty)
        #expect(r.users.allSatisfy { GraphHarness.row($0).allSatisfy(\.isFinite) })
        #expect(r.items.allSatisfy { GraphHarness.row($0).allSatisfy(\.isFinite) })

        // The same numbers as both stages run directly on the extended graph.
        let serving = try ServingModel.load(checkpoint: fixture.checkpointPath)
        let i0 = d.itemCount, u0 = d.userCount
        let g = ServingGraph(dataset: d, newItemLinks: [[.init(relation: 0, entity: Int32(i0 + 1))]], newUsers: 1,
                             interactions: [(Int32(u0), Int32(i0)), (Int32(u0), 3), (0, Int32(i0))],
                             sequenceLength: serving.sequenceLength)
        let raw = h.coldItemRequest().newItems[0].raw!
        let inputs = g.encodeInputs(raw: [RawContent(visual: raw.visual?.values, text: raw.text?.values)],
                                    trained: d.sequences)
        let p = try serving.propagate(items: serving.itemLayer0(serving.encode(inputs)), graph: g)
        let worstUser = zip(GraphHarness.row(r.users[0]), p.embeddings.users.row(u0)).map { abs($0 - $1) }.max()!
        let worstItem = zip(GraphHarness.row(r.items[0]), p.embeddings.items.row(i0)).map { abs($0 - $1) }.max()!
        #expect(worstUser < 1e-5 && worstItem < 1e-5)
        let seen = try await h.export().flatMap(\.seen)
        #expect(seen.last?.itemIds == [d.items[3], "cold-1"])
        await h.stop()

        // Restart on the same log: the update is replayed before serving.
        let again = try await GraphHarness(fixture: fixture)
        let r2 = try await again.get(users: ["new-user-1"], items: ["cold-1"])
        #expect(r2.version == 2 && r2.users == [r.users[0]] && r2.items == [r.items[0]])
        #expect(h.metrics.registry.render().contains("kgrec_graph_table_version 2"))
        await again.stop()
    }

    @Test func concurrentUpdatesAreSerializedAndEachGetsItsOwnVersion() async throws {
        let h = try await GraphHarness(fixture: ServingFixture())
        let d = h.fixture.dataset
        let versions = try await withThrowingTaskGroup(of: UInt64.self) { group in
            for k in 0..<4 {
                group.addTask {
                    try await h.add(Kgrec_V1_AddInteractionsRequest(interactions: [
                        Kgrec_V1_Interaction(userId: "burst-\(k)", itemId: d.items[k])])).version
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(versions.sorted() == [2, 3, 4, 5])
        let r = try await h.get(users: (0..<4).map { "burst-\($0)" })
        #expect(r.version == 5 && r.users.count == 4)
        await h.stop()
    }

    @Test func remoteEncodersAreLoadBalancedAndADeadOneIsSkipped() async throws {
        let fixture = try ServingFixture()
        let serving = try ServingModel.load(checkpoint: fixture.checkpointPath)
        let count = FakeEncoderService.Count()
        let (a, addressA) = try FakeEncoderService.start(model: serving, batches: count)
        let (b, addressB) = try FakeEncoderService.start(model: serving, batches: count)
        let (dead, addressDead) = try FakeEncoderService.start(model: serving, batches: count)
        await dead.shutdown(grace: .zero)
        let encoding = try RemoteItemEncoding(targets: [addressA, addressDead, addressB], batchSize: 8, concurrency: 3,
                                              timeout: .seconds(20), attempts: 3)
        let h = try await GraphHarness(fixture: fixture, encoding: encoding)
        #expect(count.current == (fixture.dataset.itemCount + 7) / 8)
        let expected = fixture.model.inferenceEmbeddings()
        let r = try await h.get(items: fixture.dataset.items.tokens)
        var worst: Float = 0
        for (i, e) in r.items.enumerated() {
            worst = max(worst, zip(GraphHarness.row(e), expected.items.row(i)).map { abs($0 - $1) }.max()!)
        }
        #expect(r.version == 1 && worst < 1e-5)
        let ack = try await h.add(h.coldItemRequest())
        #expect(ack.version == 2)
        await h.stop()
        await a.shutdown(grace: .zero)
        await b.shutdown(grace: .zero)
    }

    @Test func theRealEncoderServiceGivesTheSameTableAndEncodesColdItems() async throws {
        let fixture = try ServingFixture()
        var encoderOptions = EncoderOptions()
        encoderOptions.checkpoint = fixture.checkpointPath
        let engine = EncoderEngine(options: encoderOptions)
        try await engine.load()
        var config = ServerConfig()
        config.host = "127.0.0.1"
        config.eventLoops = 1
        let encoder = ServiceHost(HostedEncoder(engine: engine), serverConfig: config,
                                  logger: Logger(service: "encoder", sink: MemoryLogSink()))
        let port = try encoder.start(loading: false)
        encoder.markServing()
        let remote = try RemoteItemEncoding(targets: ["127.0.0.1:\(port)"], batchSize: 16, concurrency: 2,
                                            timeout: .seconds(20), attempts: 2)
        let h = try await GraphHarness(fixture: fixture, encoding: remote)
        let local = try await GraphHarness(fixture: fixture, logName: "local.log")
        let d = fixture.dataset
        #expect(try await h.get(users: d.users.tokens, items: d.items.tokens)
                == (try await local.get(users: d.users.tokens, items: d.items.tokens)))
        #expect(try await h.add(h.coldItemRequest()).version == 2)
        #expect(try await local.add(local.coldItemRequest()).version == 2)
        let a = try await h.get(users: ["new-user-1"], items: ["cold-1"])
        let b = try await local.get(users: ["new-user-1"], items: ["cold-1"])
        let worst = zip(GraphHarness.row(a.items[0]) + GraphHarness.row(a.users[0]),
                        GraphHarness.row(b.items[0]) + GraphHarness.row(b.users[0])).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-6)
        await h.stop()
        await local.stop()
        await encoder.stop(grace: .zero)
    }

    @Test func atStartTheGraphWaitsForEncodersThatAreStillLoading() async throws {
        let fixture = try ServingFixture()
        let serving = try ServingModel.load(checkpoint: fixture.checkpointPath)
        let (enc, address) = try FakeEncoderService.start(model: serving, batches: FakeEncoderService.Count(),
                                                          unavailableFor: 3)
        let encoding = try RemoteItemEncoding(targets: [address], batchSize: 64, concurrency: 1,
                                              timeout: .seconds(5), attempts: 2)
        let h = try await GraphHarness(fixture: fixture, encoding: encoding)
        #expect(h.server.health.status(of: Kgrec_V1_Graph.name) == .serving)
        let r = try await h.get(items: fixture.dataset.items.tokens)
        let expected = fixture.model.inferenceEmbeddings()
        #expect(r.version == 1 && zip(r.items, 0...).allSatisfy { e, i in
            zip(GraphHarness.row(e), expected.items.row(i)).allSatisfy { abs($0 - $1) < 1e-5 } })
        await h.stop()
        await enc.shutdown(grace: .zero)
    }

    @Test func withEveryEncoderDownAnUpdateIsUnavailableAndNotLogged() async throws {
        let fixture = try ServingFixture()
        let serving = try ServingModel.load(checkpoint: fixture.checkpointPath)
        let (enc, address) = try FakeEncoderService.start(model: serving, batches: FakeEncoderService.Count())
        let encoding = try RemoteItemEncoding(targets: [address], batchSize: 64, concurrency: 2,
                                              timeout: .seconds(5), attempts: 2)
        let h = try await GraphHarness(fixture: fixture, encoding: encoding)
        await enc.shutdown(grace: .zero)
        await #expect { try await h.add(h.coldItemRequest()) } throws: {
            guard let e = $0 as? RPCError else { return false }
            return e.code == .unavailable && e.message.contains(address)
        }
        let r = try await h.get(items: ["cold-1"])
        #expect(r.version == 1 && r.unknownItemIds == ["cold-1"])
        await h.stop()
    }

    @Test func aLoggedUpdateThatDoesNotApplyFailsTheLoadWithItsCode() async throws {
        let fixture = try ServingFixture()
        let path = (fixture.directory as NSString).appendingPathComponent("foreign.log")
        let (log, _) = try DurableLog.open(path: path)
        try log.append(Kgrec_V1_AddInteractionsRequest(interactions: [Kgrec_V1_Interaction(userId: "u1", itemId: "no-such-item")])
            .serializedBytes())
        log.close()
        var options = GraphOptions()
        options.checkpoint = fixture.checkpointPath
        options.logPath = path
        options.localEncoder = true
        let engine = GraphEngine(options: options, encoding: LocalItemEncoding())
        let error = await #expect(throws: GraphLoadError.self) { try await engine.load() }
        #expect(error?.code == .logDoesNotApply)
        #expect((error?.cause as? RPCError)?.code == .notFound)
        engine.close()
    }

    @Test func readsBeforeTheTableIsLoadedAreUnavailable() async throws {
        var options = GraphOptions()
        options.checkpoint = "/nonexistent/checkpoint.safetensors"
        let engine = GraphEngine(options: options, encoding: LocalItemEncoding())
        #expect(engine.snapshot == nil)
        await #expect(throws: (any Error).self) { try await engine.load() }
        await #expect { try await engine.addInteractions(Kgrec_V1_AddInteractionsRequest()) } throws: {
            ($0 as? RPCError)?.code == .unavailable
        }
    }
}
