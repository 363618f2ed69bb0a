import Foundation
@testable import KGRecModel
import KGRecTensor
import Testing

/// A tiny synthetic dataset on disk, a small Multi-KG4Rec trained a few steps on it and written as a
/// checkpoint: what the serving stages and the graph service load. Removed on deinit.
final class ServingFixture: @unchecked Sendable {
    let directory: String
    let dataDirectory: String
    let checkpointPath: String
    let dataset: Dataset
    let model: MultiKG4Rec

    static func synthConfig() -> SynthConfig {
        var c = SynthConfig()
        c.name = "mini"
        c.users = 40
        c.items = 60
        c.attributes = 12
        c.relations = 3
        c.interactionsPerUser = 6
        c.visualWidth = 12
        c.textWidth = 10
        c.latent = 4
        c.missingVisual = 0.2
        c.missingText = 0.2
        return c
    }

    static func modelConfig() -> ModelConfig {
        var c = ModelConfig()
        c.embeddingSize = 16
        c.layerSizes = [16, 8, 4]
        c.fusionBlocks = 2
        c.heads = 2
        c.ffnSize = 16
        c.sequenceLength = 5
        c.messageDropout = 0.1
        c.seed = 5
        return c
    }

    init(steps: Int = 3) throws {
        directory = (NSTemporaryDirectory() as NSString).appendingPathComponent("kgrec-serving-\(UUID().uuidString)")
        dataDirectory = (directory as NSString).appendingPathComponent("data")
        checkpointPath = (directory as NSString).appendingPathComponent("checkpoint.safetensors")
        try SyntheticKG(Self.synthConfig()).write(to: dataDirectory)
        var options = DataOptions(path: dataDirectory)
        options.sequenceLength = Self.modelConfig().sequenceLength
        dataset = try DatasetLoader.load(options)
        model = try MultiKG4Rec(config: Self.modelConfig(), graph: dataset.graph, features: dataset.features,
                                sequences: dataset.sequences)
        let split = dataset.split, g = dataset.graph
        for step in 0..<steps {
            model.beginEpoch()
            let b = Array(0..<min(32, split.trainUsers.count)).map { ($0 * 7 + step) % split.trainUsers.count }
            _ = model.bprLossAndGradients(users: b.map { split.trainUsers[$0] }, positives: b.map { split.trainItems[$0] },
                                          negatives: b.map { Int32(($0 * 13 + step) % dataset.itemCount) })
            model.step()
            let kg = (0..<g.tripleCount).filter { g.relations[$0] >= 2 }.prefix(24)
            _ = model.kgLossAndGradients(heads: kg.map { g.heads[$0] }, relations: kg.map { g.relations[$0] },
                                         tails: kg.map { g.tails[$0] }, negativeTails: kg.map { g.tails[($0 + 5) % g.tripleCount] })
            model.step()
        }
        // What a checkpoint load does: parameters in, attention refreshed without edge dropout.
        try model.loadParameters(Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.value) }))
        try Checkpoint(kind: .multiKG4Rec, model: Self.modelConfig(), training: TrainConfig(), data: options,
                       counts: DatasetCounts(dataset), bestEpoch: steps, test: [:],
                       tensors: model.namedParameters()).write(to: checkpointPath)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// An item index that has both visual and text content.
    var itemWithBothModalities: Int {
        (0..<dataset.itemCount).first { dataset.features.visual?.vector(ofNode: $0) != nil
            && dataset.features.text?.vector(ofNode: $0) != nil }!
    }
}

func maxAbsDifference(_ a: Matrix, _ b: Matrix) -> Float {
    precondition(a.rows == b.rows && a.cols == b.cols)
    var m: Float = 0
    for k in 0..<a.count { m = max(m, abs(a.data[k] - b.data[k])) }
    return m
}

@Suite struct ServingStagesTests {
    @Test func encodeThenPropagateEqualsTheModelsInferenceEmbeddings() throws {
        let f = try ServingFixture()
        let serving = try ServingModel.load(checkpoint: f.checkpointPath)
        let expected = f.model.inferenceEmbeddings()
        let got = try serving.inferenceEmbeddings().embeddings
        #expect(got.users.rows == f.dataset.userCount && got.items.rows == f.dataset.itemCount)
        #expect(got.users.cols == 2 * ServingFixture.modelConfig().channelWidth)
        #expect(maxAbsDifference(got.users, expected.users) < 1e-5)
        #expect(maxAbsDifference(got.items, expected.items) < 1e-5)
        #expect(got.channels.map(\.name) == ["visual", "text"])
    }

    @Test(arguments: [ModelConfig.Modalities.none, .visualOnly, .textOnly])
    func bothStagesMatchInferenceEmbeddingsForTheAblations(_ modalities: ModelConfig.Modalities) throws {
        let f = try ServingFixture(steps: 0)
        var c = ServingFixture.modelConfig()
        c.modalities = modalities
        let model = try MultiKG4Rec(config: c, graph: f.dataset.graph, features: f.dataset.features,
                                    sequences: f.dataset.sequences)
        let serving = try ServingModel(model: model, dataset: f.dataset)
        let got = try serving.inferenceEmbeddings().embeddings, want = model.inferenceEmbeddings()
        #expect(got.channels.map(\.name) == c.channelNames)
        #expect(maxAbsDifference(got.users, want.users) < 1e-5 && maxAbsDifference(got.items, want.items) < 1e-5)
        #expect(serving.wireModality(ofChannel: 0) == (modalities == .visualOnly ? .visual : .text))
    }

    @Test func encodingKnownItemsEqualsTrainingTimeFusedLayer0() throws {
        let f = try ServingFixture()
        let serving = try ServingModel(model: f.model, dataset: f.dataset)
        let tape = Tape()
        let fused = f.model.fusedLayer0(tape).map { tape.value($0) }
        let items = [0, 3, 17, f.dataset.itemCount - 1]
        let encoded = try serving.encode(items.map { .known(item: $0) })
        for (k, i) in items.enumerated() {
            for c in 0..<2 {
                let want = fused[c].row(i)
                let diff = zip(want, encoded[k].channels[c]).map { abs($0 - $1) }.max()!
                #expect(diff < 1e-5, "item \(i) channel \(c)")
            }
        }
    }

    @Test func aColdItemWithAKnownItemsContentAndNeighboursEncodesLikeThatItem() throws {
        let f = try ServingFixture()
        let serving = try ServingModel(model: f.model, dataset: f.dataset)
        let i = f.itemWithBothModalities
        let raw = RawContent(visual: Array(f.dataset.features.visual!.vector(ofNode: i)!),
                             text: Array(f.dataset.features.text!.vector(ofNode: i)!))
        let neighbours = Array(f.model.fusion!.sequenceNodes[i * serving.sequenceLength..<(i + 1) * serving.sequenceLength])
            .enumerated().filter { $0.offset > 0 && f.model.fusion!.keyMask[i * serving.sequenceLength + $0.offset] }
            .map(\.element)
        let out = try serving.encode([.cold(raw: raw, neighbours: neighbours), .known(item: i)])
        for c in 0..<2 {
            let diff = zip(out[0].channels[c], out[1].channels[c]).map { abs($0 - $1) }.max()!
            #expect(diff < 1e-5)
        }
    }

    @Test func coldItemVectorsAreFiniteAndDeterministic() throws {
        let f = try ServingFixture()
        let serving = try ServingModel.load(checkpoint: f.checkpointPath)
        var rng = Xoshiro256(seed: 9)
        let raw = RawContent(visual: (0..<12).map { _ in rng.uniform(-1, 1) }, text: nil)
        let input = EncodeInput.cold(raw: raw, neighbours: [Int32(f.dataset.itemCount + 2), 4, 1])
        let a = try serving.encode([input, .known(item: 2)])
        let b = try serving.encode([.known(item: 5), input])
        #expect(a[0] == b[1])
        #expect(a[0].channels.count == 2 && a[0].channels.allSatisfy { $0.count == 16 && $0.allSatisfy(\.isFinite) })
    }

    @Test func encodeRejectsWrongWidthsUnknownNodesAndUnembeddedTextNamingTheItem() throws {
        let f = try ServingFixture()
        let serving = try ServingModel(model: f.model, dataset: f.dataset)
        #expect(serving.rawWidth(of: .visual) == 12 && serving.rawWidth(of: .text) == 10)
        let wide = EncodeInput.cold(raw: RawContent(visual: [Float](repeating: 0, count: 13)), neighbours: [])
        let error = #expect(throws: ServingInputError.self) { try serving.encode([.known(item: 0), wide]) }
        #expect(error?.code == .wrongWidth && error?.item == 1)
        // The description is what the services send the client: it names the item.
        #expect(error?.description.hasPrefix("item 1: ") == true)
        let cases: [(inputs: [EncodeInput], code: ServingInputError.Code, item: Int)] = [
            ([.known(item: f.dataset.itemCount)], .unknownItem, 0),
            ([.known(item: 0), .known(item: 0, neighbours: [-3])], .unknownNode, 1),
            ([.cold(raw: RawContent(), neighbours: [Int32(f.dataset.graph.nodeCount)])], .unknownNode, 0),
            ([.cold(raw: RawContent(rawText: "a red chair"), neighbours: [])], .textNotEmbedded, 0),
        ]
        for c in cases {
            let error = #expect(throws: ServingInputError.self) { try serving.encode(c.inputs) }
            #expect(error?.code == c.code && error?.item == c.item)
        }
    }

    @Test func aColdVectorOfAModalityTheModelHasNoProjectionForIsANoProjectionError() throws {
        let f = try ServingFixture(steps: 0)
        var c = ServingFixture.modelConfig()
        c.modalities = .visualOnly
        let serving = try ServingModel(model: MultiKG4Rec(config: c, graph: f.dataset.graph, features: f.dataset.features,
                                                          sequences: f.dataset.sequences), dataset: f.dataset)
        #expect(serving.rawWidth(of: .text) == nil)
        let visual = [Float](repeating: 0.5, count: 12)
        #expect(try serving.encode([.cold(raw: RawContent(visual: visual), neighbours: [])]).count == 1)
        let error = #expect(throws: ServingInputError.self) {
            try serving.encode([.known(item: 0), .cold(raw: RawContent(visual: visual, text: [Float](repeating: 0.5, count: 10)), neighbours: [])])
        }
        #expect(error?.code == .noProjection && error?.item == 1)
    }

    @Test func aModelServedWithAnotherDatasetIsAnInconsistentModelError() throws {
        let f = try ServingFixture(steps: 0)
        let other = try SyntheticKG(.tiny).dataset()
        #expect(other.itemCount != f.dataset.itemCount)
        let error = #expect(throws: ModelError.self) { try ServingModel(model: f.model, dataset: other) }
        #expect(error?.code == .inconsistent)
    }

    @Test func theGraphStageRejectsFusedVectorsAndTablesOfAnotherShape() throws {
        let f = try ServingFixture()
        let serving = try ServingModel(model: f.model, dataset: f.dataset)
        let fused = try serving.encode([.known(item: 0), .known(item: 1)])
        let short = #expect(throws: ServingInputError.self) {
            try serving.itemLayer0([fused[0], FusedItem(channels: [fused[1].channels[0]])])
        }
        #expect(short?.code == .wrongShape && short?.item == 1)
        let g = ServingGraph(dataset: f.dataset, sequenceLength: serving.sequenceLength)
        let tables = #expect(throws: ServingInputError.self) { try serving.propagate(items: serving.itemLayer0(fused), graph: g) }
        #expect(tables?.code == .wrongShape && tables?.item == nil)
    }

    @Test func anUnchangedExtendedGraphGivesTheTrainedTable() throws {
        let f = try ServingFixture()
        let serving = try ServingModel(model: f.model, dataset: f.dataset)
        let g = ServingGraph(dataset: f.dataset, sequenceLength: serving.sequenceLength)
        #expect(g.sequences == f.dataset.sequences)
        let inputs = g.encodeInputs(raw: [], trained: f.dataset.sequences)
        #expect(inputs.allSatisfy { if case .known(_, nil) = $0 { true } else { false } })
        let p = try serving.propagate(items: serving.itemLayer0(serving.encode(inputs)), graph: g)
        #expect(maxAbsDifference(p.embeddings.items, f.model.inferenceEmbeddings().items) < 1e-5)
        #expect(p.attention.count == 2 && p.attention[0].count == f.dataset.graph.tripleCount)
    }

    @Test func anUnchangedGraphSharesTheDatasetsGraphAndEqualsOneBuiltAfreshAtAnyLength() throws {
        let f = try ServingFixture(steps: 0)
        let d = f.dataset
        let fresh = CollaborativeKG(itemCount: d.itemCount, attributeCount: d.attributeCount, userCount: d.userCount,
                                    trainUsers: d.split.trainUsers, trainItems: d.split.trainItems, knowledge: d.knowledge)
        for length in [d.sequences.length, d.sequences.length + 2] {
            let g = ServingGraph(dataset: d, sequenceLength: length)
            #expect(g.graph == fresh)
            #expect(g.sequences == NeighbourSequences(graph: fresh, length: length))
            #expect(g.seen.items(of: 3) == UserItemSets(userCount: d.userCount, users: d.split.trainUsers,
                                                       items: d.split.trainItems).items(of: 3))
        }
    }

    /// The graph stage as it was composed on a tape (every layer's output kept until the end): the
    /// tapeless `propagate` must give the same table bit for bit.
    static func tapePropagation(_ s: ServingModel, items: [Matrix], graph g: ServingGraph) -> InferenceEmbeddings {
        let kg = g.graph
        let sparse = SparseGraph(offsets: kg.headOffsets, tails: kg.tails, tailCount: kg.nodeCount)
        let index = RelationEdgeIndex(heads: kg.heads, tails: kg.tails, relations: kg.relations,
                                      relationCount: kg.relationCount, nodeCount: kg.nodeCount)
        let tape = Tape()
        var blocks: [Tape.Var] = []
        for (c, channel) in s.model.channels.enumerated() {
            let e0 = s.layer0(channel: c, items: items[c], graph: g)
            let pi = Kernels.segmentSoftmax(sparse, channel.relations.attentionLogits(e0, index: index))
            var e = tape.constant(e0)
            blocks.append(e)
            for layer in channel.layers {
                e = layer(tape, e, graph: sparse, attention: pi)
                blocks.append(tape.l2NormalizeRows(e))
            }
        }
        let users = tape.concatColumns(blocks.map { tape.gatherRows($0, (0..<g.userCount).map { Int32(g.userNode($0)) }) })
        let rows = tape.concatColumns(blocks.map { tape.gatherRows($0, (0..<Int32(g.itemCount)).map { $0 }) })
        return InferenceEmbeddings(users: tape.value(users), items: tape.value(rows), channels: [])
    }

    @Test func theTapelessGraphStageEqualsTheTapeCompositionBitForBit() throws {
        let f = try ServingFixture()
        let serving = try ServingModel(model: f.model, dataset: f.dataset)
        let d = f.dataset, i0 = d.itemCount, u0 = d.userCount
        let extended = ServingGraph(dataset: d, newItemLinks: [[.init(relation: 0, entity: Int32(i0 + 1))]], newUsers: 1,
                                    interactions: [(Int32(u0), Int32(i0)), (2, 5)], sequenceLength: serving.sequenceLength)
        var rng = Xoshiro256(seed: 9)
        let raw = [RawContent(visual: (0..<12).map { _ in rng.uniform(-1, 1) }, text: (0..<10).map { _ in rng.uniform(-1, 1) })]
        for (g, raw) in [(serving.trainedGraph(), []), (extended, raw)] {
            let items = try serving.itemLayer0(serving.encode(g.encodeInputs(raw: raw, trained: d.sequences)))
            let got = try serving.propagate(items: items, graph: g).embeddings
            let want = Self.tapePropagation(serving, items: items, graph: g)
            #expect(got.users == want.users && got.items == want.items)
            #expect(got.users.rows == g.userCount && got.items.rows == g.itemCount)
        }
    }

    @Test func extendedGraphShiftsNodesAndServesNewItemsAndUsers() throws {
        let f = try ServingFixture()
        let serving = try ServingModel(model: f.model, dataset: f.dataset)
        let d = f.dataset, i0 = d.itemCount, a0 = d.attributeCount, u0 = d.userCount
        let links = [[ServingGraph.Link(relation: 0, entity: Int32(i0 + 1)), .init(relation: 1, entity: 3)]]
        let g = ServingGraph(dataset: d, newItemLinks: links, newUsers: 1,
                             interactions: [(Int32(u0), Int32(i0)), (Int32(u0), 7), (2, Int32(i0))],
                             sequenceLength: serving.sequenceLength)
        #expect(g.itemCount == i0 + 1 && g.userCount == u0 + 1 && g.graph.nodeCount == d.graph.nodeCount + 2)
        #expect(g.trainedNode(Int32(i0)) == -1 && g.trainedNode(Int32(i0 + 1)) == Int32(i0))
        #expect(g.trainedNode(Int32(g.userNode(2))) == Int32(d.graph.userNode(2)))
        #expect(g.trainedNode(Int32(g.userNode(u0))) == -1)
        #expect(g.seen.items(of: u0) == [7, Int32(i0)] && g.seen.items(of: 2).contains(Int32(i0)))
        // The new item's KG edges point at the shifted attribute node.
        let newItemTails = g.graph.edges(of: i0).map { g.graph.tails[$0] }
        #expect(newItemTails.contains(Int32(i0 + 1 + 1)) && newItemTails.contains(3))
        #expect(a0 > 1)

        var rng = Xoshiro256(seed: 4)
        let raw = [RawContent(visual: (0..<12).map { _ in rng.uniform(-1, 1) }, text: (0..<10).map { _ in rng.uniform(-1, 1) })]
        let inputs = g.encodeInputs(raw: raw, trained: d.sequences)
        guard case let .cold(_, neighbours) = inputs[i0] else { Issue.record("new item not cold"); return }
        #expect(neighbours.allSatisfy { $0 >= 0 && $0 < Int32(d.graph.nodeCount) })
        let p = try serving.propagate(items: serving.itemLayer0(serving.encode(inputs)), graph: g)
        #expect(p.embeddings.items.rows == i0 + 1 && p.embeddings.users.rows == u0 + 1)
        #expect(p.embeddings.items.data.allSatisfy(\.isFinite) && p.embeddings.users.data.allSatisfy(\.isFinite))
        // New user: zero layer 0, non-zero propagated layers.
        let w = serving.channelWidth, row = p.embeddings.users.row(u0)
        #expect(row[0..<16].allSatisfy { $0 == 0 } && row[16..<w].contains { $0 != 0 })
        let again = try serving.propagate(items: serving.itemLayer0(serving.encode(inputs)), graph: g)
        #expect(again.embeddings.users == p.embeddings.users && again.embeddings.items == p.embeddings.items)
    }
}
