import KGRecTensor

/// An inverted-file index for inner-product top-k over a `ScoreMatrix` whose rows are stored
/// grouped by list: list `l` is rows `listStarts[l] ..< listStarts[l + 1]`, so the index itself is
/// only the coarse centroids `[lists, width]` and the list boundaries (no second copy of the
/// vectors). A query scores the centroids, takes the `nprobe` best lists and scans their rows.
///
/// Building: `KMeans` (inner-product coarse quantiser) trained on a sample, every row assigned to
/// the centroid it has the largest inner product with. A later table keeps the trained centroids: known items keep their list and
/// only new items are assigned (`IVFLayout.plan`), so a table swap costs one pass over the rows.
public final class IVFIndex: Sendable {
    public let lists: Int
    public let width: Int
    /// `[lists, width]` fp32.
    public let centroids: [Float]
    /// `[lists + 1]`, ascending, `listStarts[lists]` = the row count.
    public let listStarts: [Int]
    /// Rows of the table the centroids were trained on (to decide when to train again).
    public let trainedRows: Int

    public init(centroids: [Float], width: Int, listStarts: [Int], trainedRows: Int) {
        precondition(width > 0 && centroids.count % width == 0 && listStarts.count == centroids.count / width + 1)
        lists = centroids.count / width
        self.width = width
        self.centroids = centroids
        self.listStarts = listStarts
        self.trainedRows = trainedRows
    }

    /// Bytes held by the index (centroids and list boundaries).
    public var bytes: Int { 4 * centroids.count + 8 * listStarts.count }

    /// Bytes an index of `lists` lists over rows of `width` would hold.
    public static func bytes(lists: Int, width: Int) -> Int { 4 * lists * width + 8 * (lists + 1) }

    /// The list of row `r` (binary search over the boundaries).
    public func list(ofRow r: Int) -> Int {
        var lo = 0, hi = lists
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if listStarts[mid] <= r { lo = mid } else { hi = mid }
        }
        return lo
    }

    /// The row ranges of the `nprobe` lists whose centroids score highest against `user`
    /// (`[width]`), ascending by row.
    public func probe(_ user: UnsafePointer<Float>, nprobe: Int) -> [Range<Int>] {
        var top = TopK(k: min(max(1, nprobe), lists))
        centroids.withUnsafeBufferPointer { c in
            for l in 0..<lists {
                top.offer(Int32(l), ScoreMatrix.dot32(user, UnsafeRawPointer(c.baseAddress! + l * width), width))
            }
        }
        return top.indices.sorted().map { listStarts[Int($0)]..<listStarts[Int($0) + 1] }
    }
}
