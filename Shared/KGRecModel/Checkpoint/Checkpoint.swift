import Foundation
import KGRecTensor

/// A trained model on disk: safetensors with the parameters, and in `__metadata__` the model kind,
/// the model / training / data configs (JSON), the dataset's counts (to refuse a mismatched
/// dataset) and the best epoch's metrics.
public struct Checkpoint: Sendable {
    public var kind: ModelKind
    public var model: ModelConfig
    public var training: TrainConfig
    public var data: DataOptions
    public var counts: DatasetCounts
    public var bestEpoch: Int
    /// Test metrics at the best epoch (flat `"ndcg@20"` keys), if known.
    public var test: [String: Double]
    public var tensors: [(name: String, value: Matrix)]
    /// The text model whose vectors are the dataset's text features (`"name|dimension|crc32"`, see
    /// `TextModelFingerprint` in KGRecText), if known: metadata `kgrec.text_model`.
    public var textModel: String? = nil

    public init(kind: ModelKind, model: ModelConfig, training: TrainConfig, data: DataOptions, counts: DatasetCounts,
                bestEpoch: Int, test: [String: Double], tensors: [(name: String, value: Matrix)]) {
        self.kind = kind; self.model = model; self.training = training; self.data = data
        self.counts = counts; self.bestEpoch = bestEpoch; self.test = test; self.tensors = tensors
    }

    public func write(to path: String) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        func json<T: Encodable>(_ v: T) throws -> String { String(decoding: try enc.encode(v), as: UTF8.self) }
        let meta: [String: String] = [
            "format": "kgrec-checkpoint-1",
            "kgrec.model": kind.rawValue,
            "kgrec.model_config": try json(model),
            "kgrec.train_config": try json(training),
            "kgrec.data": try json(data),
            "kgrec.counts": try json(counts),
            "kgrec.best_epoch": String(bestEpoch),
            "kgrec.test_metrics": try json(test),
        ].merging(textModel.map { ["kgrec.text_model": $0] } ?? [:]) { a, _ in a }
        try SafeTensors.write(path: path, tensors: tensors, metadata: meta)
    }

    /// Reads and verifies (checksum, metadata) a checkpoint written by `write(to:)`.
    public static func read(from path: String) throws -> Checkpoint {
        let (tensors, meta) = try SafeTensors.read(path: path)
        return try Checkpoint(tensors: tensors, metadata: meta, path: path)
    }

    /// A checkpoint from a safetensors file's contents (`path` names it in errors).
    public init(tensors: [String: Matrix], metadata meta: [String: String], path: String) throws {
        let dec = JSONDecoder()
        func field<T: Decodable>(_ key: String, _ type: T.Type) throws -> T {
            guard let s = meta[key] else { throw DataError(.malformed, file: path, "not a kgrec checkpoint: __metadata__ has no '\(key)'") }
            do { return try dec.decode(T.self, from: Data(s.utf8)) } catch {
                throw DataError(.malformed, file: path, "bad '\(key)' in __metadata__: \(error)", cause: error)
            }
        }
        guard let kindText = meta["kgrec.model"], let kind = ModelKind(rawValue: kindText) else {
            throw DataError(.unsupported, file: path, "not a kgrec checkpoint or unknown model kind '\(meta["kgrec.model"] ?? "")'")
        }
        let names = tensors.keys.sorted()
        self.init(kind: kind, model: try field("kgrec.model_config", ModelConfig.self),
                              training: try field("kgrec.train_config", TrainConfig.self),
                              data: try field("kgrec.data", DataOptions.self),
                              counts: try field("kgrec.counts", DatasetCounts.self),
                              bestEpoch: Int(meta["kgrec.best_epoch"] ?? "") ?? 0,
                              test: (try? field("kgrec.test_metrics", [String: Double].self)) ?? [:],
                              tensors: names.map { ($0, tensors[$0]!) })
        textModel = meta["kgrec.text_model"]
    }

    /// Loads the parameters into `model`; a dataset whose counts differ is refused first.
    public func restore(into model: any Recommender, dataset: Dataset, path: String) throws {
        try restore(dataset: dataset, path: path) { try model.loadParameters($0) }
    }

    /// As `restore(into:)` without fusing every item afterwards: the serving stages compute fused
    /// vectors and π themselves, so `ServingModel.load` does not pay for a full fusion pass here.
    public func restoreForServing(into model: MultiKG4Rec, dataset: Dataset, path: String) throws {
        try restore(dataset: dataset, path: path) { try model.loadParameters($0, refreshing: false) }
    }

    private func restore(dataset: Dataset, path: String, load: ([String: Matrix]) throws -> Void) throws {
        let actual = DatasetCounts(dataset)
        guard actual == counts else {
            throw DataError(.inconsistent, file: path, "checkpoint was trained on \(counts), the dataset has \(actual)")
        }
        do { try load(Dictionary(uniqueKeysWithValues: tensors.map { ($0.name, $0.value) })) } catch {
            throw DataError(.inconsistent, file: path, "parameters do not fit the model: \(error)", cause: error)
        }
    }
}

/// Sizes that must match between a checkpoint and the dataset it is evaluated on.
public struct DatasetCounts: Codable, Equatable, Sendable, CustomStringConvertible {
    public var users: Int, items: Int, entities: Int, relations: Int

    public init(users: Int, items: Int, entities: Int, relations: Int) {
        self.users = users; self.items = items; self.entities = entities; self.relations = relations
    }

    public init(_ d: Dataset) {
        self.init(users: d.userCount, items: d.itemCount, entities: d.entityCount, relations: d.relations.count)
    }

    public var description: String { "\(users) users, \(items) items, \(entities) entities, \(relations) relations" }
}
