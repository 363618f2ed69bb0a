import Testing
@testable import KGRecModel
import KGRecTensor

/// Two-phase training: a recommender initialised from an alignment checkpoint (`AlignmentTransfer`).
@Suite struct AlignmentTransferTests {
    /// The dataset's own KG as one side of an alignment task with a shuffled copy as the other
    /// (`recommenderSide` a or b), alignment encoders `both` (structure + content) trained for
    /// nothing but with their own seed and the alignment's zeroed item rows, and the checkpoint.
    static func fixture(recommenderSide: AlignmentSide) throws -> (Dataset, TwoKG, AlignmentCheckpoint, ModelConfig) {
        let dataset = try SyntheticKG(.tiny).dataset()
        var side = KGSide()
        side.entities = dataset.entities
        side.itemCount = dataset.itemCount
        side.triples = dataset.knowledge
        side.features = dataset.features
        var task = SelfAlignment.make(side, name: "self")
        if recommenderSide == .b {
            var pairs = AlignmentPairs()
            for k in 0..<task.pairs.count { pairs.append(task.pairs.b[k], task.pairs.a[k], task.pairs.phase[k]) }
            task = TwoKG(name: "swapped", a: task.sides[1], b: task.sides[0], pairs: pairs)
        }
        var config = TinyGraph.smallConfig(.both)
        config.fusionBlocks = 1
        var base = config
        base.seed = 99
        var align = AlignConfig()
        align.encoder = .both
        let configs = try align.modelConfigs(base, features: task.features)
        let models = try configs.map { try MultiKG4Rec(config: $0, graph: task.graph, features: task.features) }
        let trainer = try AlignmentTrainer(models: models, task: task, config: align)  // holds item ID rows at zero
        let ckpt = AlignmentCheckpoint(models: configs, align: align, counts: task.counts, bestEpoch: 1, test: [:],
                                       tensors: trainer.namedParameters())
        return (dataset, task, ckpt, config)
    }

    static func row(_ m: Matrix, _ r: Int, block: Int = 1) -> [Float] {
        Array(m.data[r * block * m.cols..<(r + 1) * block * m.cols])
    }

    @Test(arguments: [AlignmentSide.a, .b])
    func sharedWeightsAndTheMatchingKGsEntityAndRelationRowsAreCopiedTheRestKeepTheirInitialisation(side: AlignmentSide) throws {
        let (dataset, task, ckpt, config) = try Self.fixture(recommenderSide: side)
        let model = try MultiKG4Rec(config: config, graph: dataset.graph, features: dataset.features)
        let before = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.value) })
        let source = Dictionary(uniqueKeysWithValues: ckpt.tensors.map { ($0.name, $0.value) })
        let report = try AlignmentTransfer.initialise(model, dataset: dataset, from: ckpt, task: task, path: "align.safetensors")
        let after = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.value) })

        #expect(report.side == side)
        #expect(report.matchedEntities == dataset.entityCount && report.entities == dataset.entityCount)
        // Whole tensors: the content encoder's projections and fusion, the structure encoder's layers in every channel.
        #expect(report.copied["text.projection.weight"] == "text.projection.weight")
        #expect(report.copied["visual.layer0.w1.weight"] == "id.layer0.w1.weight" && report.copied["text.layer1.w2.weight"] == "id.layer1.w2.weight")
        #expect(report.copied.keys.contains { $0.hasPrefix("fusion.") })
        for (name, from) in report.copied { #expect(after[name] == source[from], "\(name) ← \(from)") }
        for name in report.kept { #expect(after[name] == before[name], "\(name) was kept") }
        #expect(Set(report.copied.keys).union(report.rows.keys).union(report.kept).count == after.count)

        let idSource = source["id.id_embedding"]!
        for channel in ["visual", "text"] {
            let id = after["\(channel).id_embedding"]!, id0 = before["\(channel).id_embedding"]!
            for n in 0..<dataset.entityCount {
                let u = Int(task.node(side, task.sides[side == .a ? 0 : 1].entities.index(of: dataset.entities[n])!))
                // Items' rows were held at zero in alignment: they keep the recommender's initialisation.
                #expect(Self.row(id, n) == (n < dataset.itemCount ? Self.row(id0, n) : Self.row(idSource, u)), "\(channel) entity \(n)")
            }
            for user in 0..<dataset.userCount {
                let n = dataset.graph.userNode(user)
                #expect(Self.row(id, n) == Self.row(id0, n), "\(channel) user \(user)")
            }
            #expect(report.rows["\(channel).id_embedding"] == dataset.attributeCount)

            let union = task.graph.relationNames
            for (tensor, block) in [("relation_embedding", 1), ("relation_projection", config.embeddingSize)] {
                let m = after["\(channel).\(tensor)"]!, m0 = before["\(channel).\(tensor)"]!, s = source["id.\(tensor)"]!
                for (r, name) in dataset.graph.relationNames.enumerated() {
                    let expected = r < 2 ? Self.row(m0, r, block: block) : Self.row(s, union.firstIndex(of: "\(side.rawValue):\(name)")!, block: block)
                    #expect(Self.row(m, r, block: block) == expected, "\(channel).\(tensor) relation \(name)")
                }
                #expect(report.rows["\(channel).\(tensor)"] == dataset.graph.relationCount - 2)
            }
        }
    }

    @Test func aCheckpointOfAnotherEmbeddingSizeIsAnErrorNamingItsFile() throws {
        let (dataset, task, ckpt, config) = try Self.fixture(recommenderSide: .a)
        var wide = config
        wide.embeddingSize = 16
        wide.layerSizes = [16, 4]
        let model = try MultiKG4Rec(config: wide, graph: dataset.graph, features: dataset.features)
        let e = #expect(throws: DataError.self) {
            try AlignmentTransfer.initialise(model, dataset: dataset, from: ckpt, task: task, path: "align.safetensors")
        }
        #expect(e?.code == .inconsistent && e?.file == "align.safetensors")
    }

    @Test func alignmentDataOfOtherSizesThanTheCheckpointIsRefused() throws {
        let (dataset, task, ckpt, config) = try Self.fixture(recommenderSide: .a)
        var other = ckpt
        other.counts["a_entities", default: 0] += 1
        let model = try MultiKG4Rec(config: config, graph: dataset.graph, features: dataset.features)
        let before = model.namedParameters().map(\.value)
        let e = #expect(throws: DataError.self) {
            try AlignmentTransfer.initialise(model, dataset: dataset, from: other, task: task, path: "align.safetensors")
        }
        #expect(e?.code == .inconsistent && e?.file == "align.safetensors")
        #expect(model.namedParameters().map(\.value) == before)
    }
}
