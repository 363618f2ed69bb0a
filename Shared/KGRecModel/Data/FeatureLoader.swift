/// Loads one modality's `.npy` matrix with its id file (one token per line, row k of the matrix is the
/// entity named on line k+1) into `ModalityFeatures` over the dataset's entities.
public enum FeatureLoader {
    /// How a token of the id file resolves against the dataset.
    public enum Resolution {
        /// An entity index `[0, I + A)`.
        case entity(Int32)
        /// A token the raw data knows but the dataset dropped (e.g. an item without a KG link): skipped.
        case dropped
        /// Unknown: an error.
        case unknown
    }

    /// Rows of entities that the dataset does not keep are dropped; an unknown or duplicate id, an
    /// id count different from the row count, or a bad matrix is a `DataError`.
    public static func load(npy: String, ids: String, entityCount: Int,
                            resolve: (String) -> Resolution) throws -> ModalityFeatures {
        let matrix = try NpyFile.read(path: npy)
        let file = try TextFile(path: ids)
        var tokens = [(line: Int, token: String)]()
        file.forEachLine { number, line in
            if !line.isEmpty { tokens.append((number, TextFile.string(line))) }
        }
        guard tokens.count == matrix.rows else {
            throw DataError(.inconsistent, file: ids, "has \(tokens.count) ids but \(npy) has \(matrix.rows) rows")
        }
        var rowOfEntity = [Int32](repeating: -1, count: entityCount)
        var values = [Float]()
        values.reserveCapacity(matrix.values.count)
        var next: Int32 = 0
        for (k, entry) in tokens.enumerated() {
            switch resolve(entry.token) {
            case .dropped: continue
            case .unknown:
                throw DataError(.unknownID, file: ids, line: entry.line, "unknown id '\(entry.token)' (not a user-facing item or entity of the dataset)")
            case .entity(let e):
                if rowOfEntity[Int(e)] >= 0 {
                    throw DataError(.duplicate, file: ids, line: entry.line, "duplicate id '\(entry.token)'")
                }
                rowOfEntity[Int(e)] = next
                next += 1
                values += matrix.values[k * matrix.cols..<(k + 1) * matrix.cols]
            }
        }
        if next == 0 {
            return ModalityFeatures(width: matrix.cols, values: [], rowOfEntity: rowOfEntity)
        }
        return ModalityFeatures(width: matrix.cols, values: values, rowOfEntity: rowOfEntity)
    }
}
