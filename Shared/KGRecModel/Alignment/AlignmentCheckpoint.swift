import Foundation
import KGRecTensor

/// An alignment pre-training result on disk: safetensors with the encoder's parameters (the
/// recommender's names: `text.id_embedding`, `fusion.block0.text.wq.weight`, …) and in
/// `__metadata__` `format` = `kgrec-align-checkpoint-1`, the encoders' `ModelConfig`s, the
/// `AlignConfig` (with the data directory), the task's counts, the best epoch and its test metrics.
public struct AlignmentCheckpoint: Sendable {
    public static let format = "kgrec-align-checkpoint-1"

    public var models: [ModelConfig]
    public var align: AlignConfig
    public var counts: [String: Int]
    public var bestEpoch: Int
    public var test: [String: Double]
    public var tensors: [(name: String, value: Matrix)]

    public init(models: [ModelConfig], align: AlignConfig, counts: [String: Int], bestEpoch: Int,
                test: [String: Double], tensors: [(name: String, value: Matrix)]) {
        self.models = models; self.align = align; self.counts = counts; self.bestEpoch = bestEpoch
        self.test = test; self.tensors = tensors
    }

    public func write(to path: String) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        func json<T: Encodable>(_ v: T) throws -> String { String(decoding: try enc.encode(v), as: UTF8.self) }
        try SafeTensors.write(path: path, tensors: tensors, metadata: [
            "format": Self.format, "kgrec.model": "align", "kgrec.model_configs": try json(models),
            "kgrec.align_config": try json(align), "kgrec.align_counts": try json(counts),
            "kgrec.best_epoch": String(bestEpoch), "kgrec.test_metrics": try json(test),
        ])
    }

    /// Whether `metadata` (of a safetensors file) is an alignment checkpoint's.
    public static func isAlignment(_ metadata: [String: String]) -> Bool { metadata["format"] == format }

    public static func read(from path: String) throws -> AlignmentCheckpoint {
        guard let ckpt = try readIfAlignment(path) else { throw DataError(.unsupported, file: path, "not an alignment checkpoint") }
        return ckpt
    }

    /// The checkpoint at `path` when it is an alignment checkpoint, nil when it is another kind of
    /// safetensors file (e.g. a recommender's); a damaged file or bad metadata is an error.
    public static func readIfAlignment(_ path: String) throws -> AlignmentCheckpoint? {
        let (tensors, meta) = try SafeTensors.read(path: path)
        guard isAlignment(meta) else { return nil }
        return try AlignmentCheckpoint(tensors: tensors, metadata: meta, path: path)
    }

    public init(tensors: [String: Matrix], metadata meta: [String: String], path: String) throws {
        guard Self.isAlignment(meta) else { throw DataError(.unsupported, file: path, "not an alignment checkpoint (format '\(meta["format"] ?? "")')") }
        func field<T: Decodable>(_ key: String, _ type: T.Type) throws -> T {
            guard let s = meta[key] else { throw DataError(.malformed, file: path, "alignment checkpoint: __metadata__ has no '\(key)'") }
            do { return try JSONDecoder().decode(T.self, from: Data(s.utf8)) } catch {
                throw DataError(.malformed, file: path, "bad '\(key)' in __metadata__: \(error)", cause: error)
            }
        }
        self.init(models: try field("kgrec.model_configs", [ModelConfig].self), align: try field("kgrec.align_config", AlignConfig.self),
                  counts: try field("kgrec.align_counts", [String: Int].self), bestEpoch: Int(meta["kgrec.best_epoch"] ?? "") ?? 0,
                  test: (try? field("kgrec.test_metrics", [String: Double].self)) ?? [:],
                  tensors: tensors.keys.sorted().map { ($0, tensors[$0]!) })
    }

    /// The encoders for `task` with these parameters; a task whose counts differ is refused.
    public func restore(task: TwoKG, path: String) throws -> [MultiKG4Rec] {
        guard task.counts == counts else { throw DataError(.inconsistent, file: path, "checkpoint was trained on \(counts), the data has \(task.counts)") }
        let named = Dictionary(uniqueKeysWithValues: tensors.map { ($0.name, $0.value) })
        return try models.map { config in
            let model = try MultiKG4Rec(config: config, graph: task.graph, features: task.features, refreshing: false)
            do { try model.loadParameters(named) } catch { throw DataError(.inconsistent, file: path, "parameters do not fit the model: \(error)", cause: error) }
            return model
        }
    }
}
