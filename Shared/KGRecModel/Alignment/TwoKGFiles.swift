import Foundation

/// The on-disk form of an alignment task, a directory with (RecBole atomic-file headers, tab-separated):
/// - `a.item`, `b.item`: `entity_id:token`, each KG's item-kind entities (aligned kind, content, fused);
/// - `a.kg`, `b.kg`: `head_id:token relation_id:token tail_id:token`, each KG's triples in its own tokens;
/// - `a.text.npy` + `a.text.ids` (and `visual`, and the same for `b`), optional content, ids are the
///   KG's entity tokens (a row whose id is not an entity of that KG is an error);
/// - `alignment.pairs`: `a_id:token b_id:token split:token`, one aligned pair per line, split `train`,
///   `valid` or `test`. Without the `split` column the pairs are split at random (`splitSeed`,
///   `splitRatios`).
/// Every malformed line is a `DataError` naming file and line.
public enum TwoKGFiles {
    public static let pairsFile = "alignment.pairs"

    public static func read(directory: String, splitSeed: UInt64 = 2020,
                            splitRatios: [Double] = [0.3, 0.1, 0.6]) throws -> TwoKG {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            throw DataError(.unreadable, file: directory, "no such alignment data directory")
        }
        func path(_ f: String) -> String { (directory as NSString).appendingPathComponent(f) }
        let a = try readSide(path, "a"), b = try readSide(path, "b")
        for m in Modality.allCases {
            if let fa = a.features[m], let fb = b.features[m], fa.width != fb.width {
                throw DataError(.inconsistent, file: path("b.\(m.rawValue).npy"), "\(m.rawValue) features are \(fb.width)-d, a.\(m.rawValue).npy's are \(fa.width)-d")
            }
        }
        let pairs = try readPairs(path: path(pairsFile), a: a.entities, b: b.entities, seed: splitSeed, ratios: splitRatios)
        return TwoKG(name: (directory as NSString).lastPathComponent, a: a, b: b, pairs: pairs)
    }

    static func readSide(_ path: (String) -> String, _ s: String) throws -> KGSide {
        var side = KGSide()
        let itemPath = path("\(s).item")
        let (itemCols, itemLines) = try AtomicFile.readTable(path: itemPath, columns: ["entity_id"])
        for (k, t) in itemCols[0].enumerated() {
            guard side.entities.index(of: t) == nil else {
                throw DataError(.duplicate, file: itemPath, line: itemLines[k], "duplicate item entity '\(t)'")
            }
            side.entities.insert(t)
        }
        side.itemCount = side.entities.count
        var relations = IDMap()
        let kg = try AtomicFile.read(path: path("\(s).kg"), columns: ["head_id", "relation_id", "tail_id"])
        for k in 0..<kg[0].count {
            let h = side.entities.insert(kg[0][k]), r = relations.insert(kg[1][k]), t = side.entities.insert(kg[2][k])
            side.triples.append(h, r, t)
        }
        side.triples.relationNames = relations.tokens
        for m in Modality.allCases {
            let npy = path("\(s).\(m.rawValue).npy")
            guard FileManager.default.fileExists(atPath: npy) else { continue }
            let entities = side.entities
            side.features[m] = try FeatureLoader.load(npy: npy, ids: String(npy.dropLast(4)) + ".ids",
                                                      entityCount: entities.count) { token in
                entities.index(of: token).map { .entity($0) } ?? .unknown
            }
        }
        return side
    }

    /// Reads `alignment.pairs`. Errors (file and line): bad header or ragged line (`AtomicFile`), an id
    /// that is not an entity of its KG, an entity in two pairs, a split other than train/valid/test.
    public static func readPairs(path: String, a: IDMap, b: IDMap, seed: UInt64 = 2020,
                                 ratios: [Double] = [0.3, 0.1, 0.6]) throws -> AlignmentPairs {
        let (cols, lines) = try AtomicFile.readTable(path: path, columns: ["a_id", "b_id", "split"], optional: ["split"])
        var pairs = AlignmentPairs()
        var seenA = [Int32: Int](), seenB = [Int32: Int]()
        let hasSplit = !cols[2].isEmpty
        for k in 0..<cols[0].count {
            let line = lines[k]
            guard let x = a.index(of: cols[0][k]) else {
                throw DataError(.unknownID, file: path, line: line, "a_id '\(cols[0][k])' is not an entity of KG A")
            }
            guard let y = b.index(of: cols[1][k]) else {
                throw DataError(.unknownID, file: path, line: line, "b_id '\(cols[1][k])' is not an entity of KG B")
            }
            if let first = seenA[x] { throw DataError(.duplicate, file: path, line: line, "a_id '\(cols[0][k])' is already aligned on line \(first)") }
            if let first = seenB[y] { throw DataError(.duplicate, file: path, line: line, "b_id '\(cols[1][k])' is already aligned on line \(first)") }
            seenA[x] = line
            seenB[y] = line
            var phase = AlignmentPairs.Phase.train
            if hasSplit {
                guard let p = AlignmentPairs.Phase(rawValue: cols[2][k]) else {
                    throw DataError(.invalidValue, file: path, line: line, "split '\(cols[2][k])' is not train, valid or test")
                }
                phase = p
            }
            pairs.append(x, y, phase)
        }
        if pairs.count == 0 { throw DataError(.malformed, file: path, "no alignment pairs") }
        if !hasSplit { pairs.phase = randomSplit(pairs.count, seed: seed, ratios: ratios) }
        return pairs
    }

    /// Phases for `n` pairs: a seeded shuffle cut at `ratios` (train gets the rounding remainder).
    public static func randomSplit(_ n: Int, seed: UInt64, ratios: [Double]) -> [AlignmentPairs.Phase] {
        precondition(ratios.count == 3)
        var order = Array(0..<n)
        var rng = SplitMix64(seed: seed)
        rng.shuffle(&order)
        let total = ratios.reduce(0, +)
        let nValid = Int(Double(n) * ratios[1] / total), nTest = Int(Double(n) * ratios[2] / total)
        var phase = [AlignmentPairs.Phase](repeating: .train, count: n)
        for (rank, k) in order.enumerated() {
            if rank < nTest { phase[k] = .test } else if rank < nTest + nValid { phase[k] = .valid }
        }
        return phase
    }

    /// Writes the task in the format above (with the `split` column) and returns the paths written.
    @discardableResult
    public static func write(_ task: TwoKG, to directory: String) throws -> [String] {
        let fm = FileManager.default
        do { try fm.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw DataError(.unwritable, file: directory, "cannot create directory: \(error)", cause: error)
        }
        var written = [String]()
        func put(_ name: String, _ text: String) throws {
            let p = (directory as NSString).appendingPathComponent(name)
            guard fm.createFile(atPath: p, contents: Data(text.utf8)) else { throw DataError(.unwritable, file: p, "cannot write file") }
            written.append(p)
        }
        for (s, side) in zip(["a", "b"], task.sides) {
            try put("\(s).item", "entity_id:token\n" + (0..<side.itemCount).map { side.entities[$0] + "\n" }.joined())
            var kg = "head_id:token\trelation_id:token\ttail_id:token\n"
            kg.reserveCapacity(side.triples.count * 24)
            for k in 0..<side.triples.count {
                kg += side.entities[Int(side.triples.heads[k])] + "\t" + side.triples.relationNames[Int(side.triples.relations[k])]
                    + "\t" + side.entities[Int(side.triples.tails[k])] + "\n"
            }
            try put("\(s).kg", kg)
            for m in Modality.allCases {
                guard let f = side.features[m], f.rowCount > 0 else { continue }
                var order = [(Int32, Int)]()
                for e in 0..<f.rowOfEntity.count where f.rowOfEntity[e] >= 0 { order.append((f.rowOfEntity[e], e)) }
                order.sort { $0.0 < $1.0 }
                let npy = (directory as NSString).appendingPathComponent("\(s).\(m.rawValue).npy")
                try NpyFile.write(path: npy, rows: f.rowCount, cols: f.width, values: f.values)
                written.append(npy)
                try put("\(s).\(m.rawValue).ids", order.map { side.entities[$0.1] + "\n" }.joined())
            }
        }
        var p = "a_id:token\tb_id:token\tsplit:token\n"
        for k in 0..<task.pairs.count {
            p += task.sides[0].entities[Int(task.pairs.a[k])] + "\t" + task.sides[1].entities[Int(task.pairs.b[k])]
                + "\t" + task.pairs.phase[k].rawValue + "\n"
        }
        try put(pairsFile, p)
        return written
    }
}
