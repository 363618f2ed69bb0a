import KGRecTensor

/// Two-phase training (seed 000: alignment pre-training, then recommendation): a recommender's
/// parameters initialised from an alignment checkpoint (`kgrec train --init-from ALIGN.safetensors`).
///
/// The recommender's KG is one side of the alignment task (the side sharing the most entity tokens
/// with the dataset: on ml-100k, KG A, the Freebase KG). What is copied, by name and shape:
/// - `fusion.*` and `C.projection.*` (content of modality C): from the content encoder, whole;
/// - each channel's propagation — `C.layerL.*` / `C.gatL.*`, its TransR relation space and its ID
///   embeddings — from the structure encoder (channel `id`), or from the content encoder's channel C
///   when the checkpoint has no structure encoder;
/// - ID embeddings row by row: the row of the recommender's entity with token t takes the row of that
///   side's entity t in the task's union graph, unless that row is all zero (held at zero in
///   alignment: items, and attributes of a single item, by default); users keep theirs;
/// - relation embeddings and projection blocks relation by relation, by name (`NAME` ↔ `a:NAME`);
///   `interact` has no counterpart (alignment trains no user edges) and keeps its initialisation.
/// Every other tensor, or one whose shape differs (e.g. a fusion stream the checkpoint lacks, or
/// position embeddings of another sequence length), keeps its initialisation; the report lists them.
/// Adam restarts, as with a recommender checkpoint.
public enum AlignmentTransfer {
    public struct Report: Sendable, Equatable {
        public var side: AlignmentSide = .a
        /// Recommender tensors copied whole → the checkpoint tensor each came from.
        public var copied: [String: String] = [:]
        /// Row-mapped recommender tensors → rows copied (ID rows: entities; relation tensors: relations).
        public var rows: [String: Int] = [:]
        /// Recommender tensors left as initialised, sorted.
        public var kept: [String] = []
        /// Dataset entities whose token is on the side / in the dataset.
        public var matchedEntities = 0, entities = 0

        /// "KG a, 34628 of 34628 entities matched; 62 tensors whole, 6 row by row (text.id_embedding 8268, …); 40 kept as initialised: …".
        public var line: String {
            "KG \(side.rawValue), \(matchedEntities) of \(entities) entities matched; \(copied.count) tensors whole, "
                + "\(rows.count) row by row (\(rows.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))"
                + (kept.isEmpty ? "" : "; \(kept.count) kept as initialised: \(kept.prefix(6).joined(separator: ", "))\(kept.count > 6 ? ", …" : "")")
        }
    }

    /// Loads the transferred parameters into `model` (shapes: the recommender's; `task.graph` the
    /// checkpoint's union graph) and refreshes its attention. `path` names the checkpoint in errors.
    public static func initialise(_ model: MultiKG4Rec, dataset: Dataset, from ckpt: AlignmentCheckpoint, task: TwoKG,
                                  path: String) throws -> Report {
        guard task.counts == ckpt.counts else {
            throw DataError(.inconsistent, file: path, "checkpoint was trained on \(ckpt.counts), its alignment data has \(task.counts)")
        }
        var report = Report()
        let matches = AlignmentSide.allCases.map { side in entityMap(dataset, task, side) }
        let best = matches[1].matched > matches[0].matched ? 1 : 0
        report.side = AlignmentSide.allCases[best]
        let (entityRows, matched) = matches[best]
        guard matched > 0 else { throw DataError(.inconsistent, file: path, "no entity of the dataset is in either KG of the alignment task") }
        report.matchedEntities = matched
        report.entities = dataset.entityCount
        let relationRows = relationMap(dataset.graph.relationNames, task.graph.relationNames, side: report.side)

        let source = Dictionary(uniqueKeysWithValues: ckpt.tensors.map { ($0.name, $0.value) })
        let structure = ckpt.models.contains { $0.modalities == .none }
        var tensors = [String: Matrix]()
        for (name, value) in model.namedParameters() {
            tensors[name] = value
            guard let dot = name.firstIndex(of: ".") else { report.kept.append(name); continue }
            let (prefix, rest) = (String(name[..<dot]), String(name[name.index(after: dot)...]))
            let propagation = prefix != "fusion" && !rest.hasPrefix("projection")
            let from = propagation && structure ? "id." + rest : name
            guard let m = source[from] else { report.kept.append(name); continue }
            switch rest {
            case "id_embedding", "relation_embedding", "relation_projection":
                guard m.cols == value.cols else {
                    throw DataError(.inconsistent, file: path, "\(from) is \(m.cols) wide, this run's \(name) is \(value.cols): train with the alignment's --dim")
                }
                let (map, block) = rest == "id_embedding" ? (entityRows, 1) : (relationRows, rest == "relation_projection" ? m.cols : 1)
                var out = value
                let copied = copyRows(from: m, into: &out, map: map, block: block, skipZero: rest == "id_embedding")
                tensors[name] = out
                if copied > 0 { report.rows[name] = copied } else { report.kept.append(name) }
            default:
                if m.rows == value.rows && m.cols == value.cols { tensors[name] = m; report.copied[name] = from } else { report.kept.append(name) }
            }
        }
        report.kept.sort()
        do { try model.loadParameters(tensors) } catch { throw DataError(.inconsistent, file: path, "parameters do not fit the model: \(error)", cause: error) }
        return report
    }

    /// `[E]` union node of each dataset entity on `side` (by token), −1 when it has none; and how many have one.
    static func entityMap(_ dataset: Dataset, _ task: TwoKG, _ side: AlignmentSide) -> (rows: [Int32], matched: Int) {
        let entities = task.sides[side == .a ? 0 : 1].entities
        var rows = [Int32](repeating: -1, count: dataset.entityCount)
        var matched = 0
        for n in 0..<dataset.entityCount {
            if let e = entities.index(of: dataset.entities[n]) { rows[n] = task.node(side, e); matched += 1 }
        }
        return (rows, matched)
    }

    /// `[R]` union relation of each recommender relation (`NAME` → `a:NAME`), −1 for `interact`/`interact_inv`
    /// and names the side lacks.
    static func relationMap(_ names: [String], _ union: [String], side: AlignmentSide) -> [Int32] {
        var index = [String: Int32]()
        for (r, n) in union.enumerated() { index[n] = Int32(r) }
        return names.enumerated().map { r, n in r < 2 ? -1 : index["\(side.rawValue):\(n)"] ?? -1 }
    }

    /// Copies blocks of `block` rows: destination block k ← source block `map[k]` (skipped when −1, out
    /// of range, or — with `skipZero` — all zero). Returns the blocks copied.
    static func copyRows(from src: Matrix, into dst: inout Matrix, map: [Int32], block: Int, skipZero: Bool) -> Int {
        let width = block * dst.cols
        var copied = 0
        for (k, s) in map.enumerated() where s >= 0 && (Int(s) + 1) * block <= src.rows && (k + 1) * block <= dst.rows {
            let from = Int(s) * width
            if skipZero && !src.data[from..<from + width].contains(where: { $0 != 0 }) { continue }
            for j in 0..<width { dst.data[k * width + j] = src.data[from + j] }
            copied += 1
        }
        return copied
    }
}
