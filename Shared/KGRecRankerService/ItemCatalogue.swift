import GRPCCore
import KGRecServing
import KGRecWire

/// The whole item table of one graph version as one contiguous `ScoreMatrix` `[count, width]`
/// (fp32, fp16 or int8: `RankerOptions.precision`) for the top-k scan, with the id ↔ row maps,
/// each user's training items (as ascending rows, for excluding seen items) and, for a table of
/// at least `annMinItems` items, an `IVFIndex` (the rows are then stored grouped by IVF list) and,
/// when refining, an int8 copy of the rows for the index to scan.
/// Immutable; a new version replaces it whole.
final class ItemCatalogue: Sendable {
    let version: UInt64
    let layout: EmbeddingLayout
    /// Row → external item id.
    let ids: [String]
    /// External item id → row (by its UTF-8 bytes too: the Score wire path).
    let rows: IDRowIndex
    /// `[count, layout.width]`, blocks `[visual | text]`.
    let matrix: ScoreMatrix
    /// User id → rows of the items the user interacted with in training, ascending.
    let seen: [String: [Int32]]
    let index: IVFIndex?
    /// With an index and `ann.refine > 0` over rows wider than int8: `matrix`'s rows as int8, in
    /// the same order, which the probed lists are scanned over before the best are re-scored
    /// from `matrix` (`TopKScan.refined`); nil otherwise.
    let codes: ScoreMatrix?
    /// Seconds spent laying out the IVF index (k-means or carrying the lists over); 0 without one.
    let indexBuildSeconds: Double
    /// True when this table's IVF centroids were trained for it (false: carried over).
    let indexTrained: Bool

    var count: Int { ids.count }

    /// `matrix` is `[ids.count, layout.width]` fp32 in `ids` order; `seen` rows index `ids`.
    init(version: UInt64, layout: EmbeddingLayout, ids: [String], matrix: [Float], seen: [String: [Int32]],
         precision: ScanPrecision = .fp32, ann: RankerOptions.ANN? = nil, previous: ItemCatalogue? = nil)
    {
        precondition(matrix.count == ids.count * layout.width)
        self.version = version
        self.layout = layout
        var plan: IVFBuilder.Plan?
        let started = ContinuousClock.now
        if let ann, let lists = ann.lists(items: ids.count, width: layout.width) {
            // A known item keeps its list only while its vector is unchanged; a changed one is
            // assigned again, like a new item (and counts towards retraining).
            let reuse = previous.flatMap { p in
                p.index.flatMap { idx -> (IVFIndex, [Int32?])? in
                    guard idx.width == layout.width, p.matrix.precision == precision else { return nil }
                    return (idx, matrix.withUnsafeBufferPointer { m in
                        ids.enumerated().map { i, id in
                            p.rows[id].flatMap { r in
                                p.matrix.holds(row: Int(r), m.baseAddress! + i * layout.width)
                                    ? Int32(idx.list(ofRow: Int(r))) : nil
                            }
                        }
                    })
                }
            }
            plan = matrix.withUnsafeBufferPointer {
                IVFBuilder.plan($0, count: ids.count, width: layout.width, lists: lists,
                                previous: reuse?.0, previousList: reuse?.1 ?? [], retrainFraction: ann.retrainFraction)
            }
        }
        index = plan?.index
        indexTrained = plan?.trained ?? false
        let order = plan?.order
        self.ids = order.map { o in o.map { ids[$0] } } ?? ids
        rows = IDRowIndex(self.ids)
        self.matrix = matrix.withUnsafeBufferPointer {
            ScoreMatrix(rows: $0, count: ids.count, width: layout.width, split: layout.visual,
                        precision: precision, order: order)
        }
        let refine = plan != nil && (ann?.refine ?? 0) > 0 && precision != .int8
        codes = !refine ? nil : matrix.withUnsafeBufferPointer {
            ScoreMatrix(rows: $0, count: ids.count, width: layout.width, split: layout.visual, precision: .int8,
                        order: order)
        }
        if let order {
            var newRow = [Int32](repeating: 0, count: order.count)
            for (n, o) in order.enumerated() { newRow[o] = Int32(n) }
            self.seen = seen.mapValues { s in s.map { newRow[Int($0)] }.sorted() }
        } else {
            self.seen = seen.mapValues { $0.sorted() }
        }
        let elapsed = ContinuousClock.now - started
        indexBuildSeconds = plan == nil ? 0
            : Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    /// `(visual, text)` parts of `user · row r`; `user` is `[layout.width]`.
    func parts(_ user: [Float], row r: Int) -> (visual: Float, text: Float) {
        guard layout.width > 0 else { return (0, 0) }
        let p = user.withUnsafeBufferPointer { matrix.parts($0.baseAddress!, row: r) }
        return (p.x, p.y)
    }
}
