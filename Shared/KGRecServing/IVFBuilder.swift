/// Lays a table out for an `IVFIndex`: which list each row goes to and the row order that groups
/// the lists. Trains new centroids (`KMeans`) for a first table, a width change, or once more
/// than `retrainFraction` of the rows were not in the table the centroids were trained on;
/// otherwise keeps the previous centroids, keeps every known row in its list and assigns only
/// the new rows (an incremental update: one pass over the new rows).
public enum IVFBuilder {
    public struct Plan: Sendable {
        public let index: IVFIndex
        /// New row → input row (rows grouped by list, input order within a list).
        public let order: [Int]
        /// True when the centroids were trained for this table (false: carried over).
        public let trained: Bool
    }

    /// `rows` is `[count, width]`; `previousList[r]` is input row `r`'s list in `previous` (nil:
    /// a new row), with `previousList.count == count` when `previous` is given.
    public static func plan(_ rows: UnsafeBufferPointer<Float>, count: Int, width: Int, lists: Int,
                            previous: IVFIndex? = nil, previousList: [Int32?] = [],
                            retrainFraction: Double = 0.1, seed: UInt64 = 1) -> Plan
    {
        precondition(count >= 1 && lists >= 1 && width > 0)
        var assignment = [Int32](repeating: 0, count: count)
        var centroids: [Float], trainedRows: Int, trained: Bool
        let known = previousList.lazy.filter { $0 != nil }.count
        if let previous, previous.width == width, previousList.count == count,
           Double(count - known) <= retrainFraction * Double(previous.trainedRows)
        {
            centroids = previous.centroids
            trainedRows = previous.trainedRows
            trained = false
            let fresh = (0..<count).filter { previousList[$0] == nil }
            if !fresh.isEmpty {
                var sub = [Float](repeating: 0, count: fresh.count * width)
                for (i, r) in fresh.enumerated() {
                    for j in 0..<width { sub[i * width + j] = rows[r * width + j] }
                }
                var got = [Int32](repeating: 0, count: fresh.count)
                sub.withUnsafeBufferPointer {
                    KMeans.assign($0, count: fresh.count, width: width, to: centroids, into: &got)
                }
                for (i, r) in fresh.enumerated() { assignment[r] = got[i] }
            }
            for r in 0..<count { if let l = previousList[r] { assignment[r] = l } }
        } else {
            centroids = KMeans.train(rows, count: count, width: width, lists: min(lists, count), seed: seed)
            trainedRows = count
            trained = true
            KMeans.assign(rows, count: count, width: width, to: centroids, into: &assignment)
        }
        let n = centroids.count / width
        var starts = [Int](repeating: 0, count: n + 1)
        for l in assignment { starts[Int(l) + 1] += 1 }
        for l in 0..<n { starts[l + 1] += starts[l] }
        var next = starts, order = [Int](repeating: 0, count: count)
        for (r, l) in assignment.enumerated() {
            order[next[Int(l)]] = r
            next[Int(l)] += 1
        }
        return Plan(index: IVFIndex(centroids: centroids, width: width, listStarts: starts, trainedRows: trainedRows),
                    order: order, trained: trained)
    }
}
