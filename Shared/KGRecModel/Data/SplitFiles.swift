import Foundation

/// The exact train/valid/test split as RecBole `benchmark_filename` atomic files: `NAME.train.inter`,
/// `NAME.valid.inter`, `NAME.test.inter`. Each holds the source `NAME.inter`'s header and, in split
/// order, its rows verbatim (original tokens, every column), so RecBole 1.2.1
/// (`benchmark_filename: [train, valid, test]`, which maps the tokens itself) and kgrec
/// (`DataOptions.splitFiles`, `--split-files DIR`) train and evaluate on the same pairs.
public enum SplitFiles {
    /// RecBole's `benchmark_filename` order.
    public static let phases = ["train", "valid", "test"]

    public static func path(directory: String, name: String, phase: String) -> String {
        (directory as NSString).appendingPathComponent("\(name).\(phase).inter")
    }

    /// Writes the split `DatasetLoader.load(options)` draws (RecBole datasets, seed `options.seed`)
    /// into `directory` (created if needed); returns the three paths.
    public static func write(_ options: DataOptions, to directory: String) throws -> [String] {
        guard options.format == .recbole else {
            throw DataError(.unsupported, file: options.path, "split files are written for RecBole datasets (--dataset-format recbole)")
        }
        guard options.splitFiles == nil else {
            throw DataError(.inconsistent, file: options.path, "the split already comes from split files (\(options.splitFiles!))")
        }
        let (name, raw) = try DatasetLoader.loadRaw(options)
        let source = (options.path as NSString).appendingPathComponent("\(name).inter")
        // The source's lines as `AtomicFile` counts its rows: line 1 the header, blank lines skipped.
        let file = try TextFile(path: source)
        var header = ArraySlice<UInt8>()
        var rows = [ArraySlice<UInt8>]()
        file.forEachLine { number, line in
            if number == 1 { header = line } else if !line.isEmpty { rows.append(line) }
        }
        let positions = InteractionSplit.randomPositions(userCount: raw.users.count, users: raw.interactionUsers,
                                                         ratios: options.splitRatios, seed: options.seed)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var paths = [String]()
        for (phase, ps) in zip(phases, positions) {
            var out = [UInt8](header)
            out.append(0x0A)
            for p in ps {
                out.append(contentsOf: rows[raw.interactionRows[p]])
                out.append(0x0A)
            }
            let path = path(directory: directory, name: name, phase: phase)
            try Data(out).write(to: URL(fileURLWithPath: path), options: .atomic)
            paths.append(path)
        }
        return paths
    }

    /// The split the three files in `directory` give, in `raw`'s user and item indices. Every row must
    /// be one of `raw`'s interactions, and the files together as many rows as `raw` has interactions;
    /// otherwise a `DataError` names the file and line.
    static func read(directory: String, name: String, raw: RawData) throws -> InteractionSplit {
        let itemCount = raw.items.count
        var interactions = Set<Int>(minimumCapacity: raw.interactionUsers.count)
        for k in 0..<raw.interactionUsers.count {
            interactions.insert(Int(raw.interactionUsers[k]) * itemCount + Int(raw.interactionItems[k]))
        }
        var parts = [([Int32], [Int32])]()
        var total = 0
        for phase in phases {
            let path = path(directory: directory, name: name, phase: phase)
            let (cols, lines) = try AtomicFile.readTable(path: path, columns: ["user_id", "item_id"])
            var users = [Int32](), items = [Int32]()
            users.reserveCapacity(cols[0].count)
            items.reserveCapacity(cols[0].count)
            for k in 0..<cols[0].count {
                let userToken = cols[0][k], itemToken = cols[1][k]
                guard let u = raw.users.index(of: userToken) else {
                    throw DataError(.unknownID, file: path, line: lines[k], "user '\(userToken)' has no interaction in \(name).inter")
                }
                guard let i = raw.items.index(of: itemToken) else {
                    let why = raw.droppedItems.contains(itemToken) ? "was dropped (no KG link; --all-interactions keeps it)" : "is not an item of \(name)"
                    throw DataError(.unknownID, file: path, line: lines[k], "item '\(itemToken)' \(why)")
                }
                guard interactions.contains(Int(u) * itemCount + Int(i)) else {
                    throw DataError(.unknownID, file: path, line: lines[k], "('\(userToken)', '\(itemToken)') is not an interaction in \(name).inter")
                }
                users.append(u)
                items.append(i)
            }
            total += users.count
            parts.append((users, items))
        }
        guard total == raw.interactionUsers.count else {
            throw DataError(.inconsistent, file: path(directory: directory, name: name, phase: "train"),
                            "the split files hold \(total) rows, \(name).inter has \(raw.interactionUsers.count) interactions")
        }
        return InteractionSplit(userCount: raw.users.count, itemCount: itemCount,
                                train: parts[0], valid: parts[1], test: parts[2])
    }
}
