import Foundation
import KGRecModel
import KGRecRankerService
import KGRecServing
import KGRecTensor

/// The measurements behind `kgrec bench-scan`: for each mode (exact scan in each precision, IVF at
/// each nprobe) the per-query latency at concurrency 1 (every scan split over the cores, as the
/// ranker does), the throughput at concurrency 4 (four threads, one scan each on one core), the
/// bytes read per second, recall@k against the exact fp32 answer and, for exact quantised scans,
/// the score error of the fp32 top-k items. IVF runs over `ivfPrecision` rows and, with `refine`,
/// also as the ranker's default: int8 codes scanned, the best `k × refine` re-scored from fp32 rows.
struct ScanBenchmark {
    let items: [Float]
    let count: Int
    let width: Int
    let queries: [Float]
    let queryCount: Int
    var split = 0
    var k = 10
    var repeats = 2
    var lists: Int?
    var nprobes = [4, 8, 16, 32, 64]
    var ivfPrecision = ScanPrecision.int8
    var refine = RankerOptions.ANN().refine

    init(items: [Float], count: Int, width: Int, queries: [Float], queryCount: Int) {
        self.items = items
        self.count = count
        self.width = width
        self.queries = queries
        self.queryCount = queryCount
    }

    struct Row {
        var mode: String
        var p50 = 0.0, p99 = 0.0, qps1 = 0.0, qps4 = 0.0, gbs = 0.0, recall = 1.0
        var scoreError = "", note = ""
    }

    func run() -> String {
        var rows: [Row] = []
        var truth: [[Int32]] = []
        var truthScores: [[Float]] = []
        var out = "items \(count) × \(width) (split \(split)), \(queryCount) queries, k = \(k), "
            + "\(ProcessInfo.processInfo.activeProcessorCount) cores\n"
        for precision in ScanPrecision.allCases {
            let (m, built) = timed { ScoreMatrix.quantising(items, width: width, split: split, precision: precision) }
            let exact = scan(m) { _ in [0..<count] }
            var row = measure("exact \(precision.rawValue)", bytes: Double(m.bytes), exact)
            let answers = answer(exact)
            if precision == .fp32 {
                truth = answers.map(\.indices)
                truthScores = answers.map(\.scores)
            } else {
                row.recall = recall(answers.map(\.indices), truth)
                // Error of this precision's scores of the fp32 top-k items, relative to the fp32 score scale.
                var err = 0.0, scale = 0.0, worst = 0.0
                for q in 0..<queryCount {
                    queries.withUnsafeBufferPointer { u in
                        for (r, s) in zip(truth[q], truthScores[q]) {
                            let p = m.parts(u.baseAddress! + q * width, row: Int(r))
                            let e = abs(Double(p.x + p.y) - Double(s))
                            err += e
                            worst = max(worst, e)
                            scale += abs(Double(s))
                        }
                    }
                }
                row.scoreError = String(format: "mean %.2e (%.3f%% of |score|), max %.2e", err / Double(queryCount * k),
                                        100 * err / max(scale, 1e-30), worst)
            }
            row.note = String(format: "quantise %.2f s, %.0f MB", built, Double(m.bytes) / 1e6)
            rows.append(row)
        }
        let ann = RankerOptions.ANN()
        let nlist = lists ?? ann.lists(items: count, width: width) ?? 16
        let (plan, trainSeconds) = timed {
            items.withUnsafeBufferPointer { IVFBuilder.plan($0, count: count, width: width, lists: nlist) }
        }
        let m = items.withUnsafeBufferPointer {
            ScoreMatrix(rows: $0, count: count, width: width, split: split, precision: ivfPrecision, order: plan.order)
        }
        let (codes, fine) = refine == 0 ? (nil, nil) : items.withUnsafeBufferPointer {
            (ScoreMatrix(rows: $0, count: count, width: width, split: split, precision: .int8, order: plan.order),
             ScoreMatrix(rows: $0, count: count, width: width, split: split, precision: .fp32, order: plan.order))
        }
        // IVF rows are permuted: map answers back to input rows before comparing with the truth.
        let original = plan.order.map { Int32($0) }
        for nprobe in nprobes where nprobe <= plan.index.lists {
            let probe: @Sendable (UnsafePointer<Float>) -> [Range<Int>] = { plan.index.probe($0, nprobe: nprobe) }
            let scanned = Double(nprobe) / Double(plan.index.lists)
            var modes = [("ivf \(ivfPrecision.rawValue) nprobe=\(nprobe)", Double(m.bytes) * scanned, scan(m, probe))]
            if let codes, let fine {
                let (kk, candidates) = (k, k * refine)
                let refined: Search = {
                    TopKScan.refined(codes, fine, user: $0, k: kk, candidates: candidates, ranges: probe($0),
                                     excluded: .init(start: nil, count: 0), parallelBytes: $1)
                }
                modes.append(("ivf int8 refined ×\(refine) from fp32, nprobe=\(nprobe)", Double(codes.bytes) * scanned, refined))
            }
            for (mode, bytes, search) in modes {
                var row = measure(mode, bytes: bytes, search)
                row.recall = recall(answer(search).map { $0.indices.map { original[Int($0)] } }, truth)
                row.note = String(format: "lists %d, ~%.1f%% of rows", plan.index.lists, 100 * scanned)
                rows.append(row)
            }
        }
        out += String(format: "IVF: %d lists trained + assigned in %.1f s, index %d bytes\n",
                      plan.index.lists, trainSeconds, plan.index.bytes)
        out += "| mode | p50 ms | p99 ms | QPS c=1 | QPS c=4 | GB/s c=1 | recall@\(k) | score error vs fp32 | note |\n"
        out += "|---|---|---|---|---|---|---|---|---|\n"
        for r in rows {
            out += String(format: "| %@ | %.3f | %.3f | %.0f | %.0f | %.1f | %.4f | %@ | %@ |\n",
                          r.mode, r.p50, r.p99, r.qps1, r.qps4, r.gbs, r.recall, r.scoreError, r.note)
        }
        return out
    }

    /// A top-k search: the user row and the bytes above which one search is split over the cores.
    typealias Search = @Sendable (UnsafePointer<Float>, Int) -> TopK

    /// `TopKScan.best` over `m`, the rows `ranges(user)`.
    private func scan(_ m: ScoreMatrix, _ ranges: @escaping @Sendable (UnsafePointer<Float>) -> [Range<Int>]) -> Search {
        let kk = k
        return { TopKScan.best(m, user: $0, k: kk, ranges: ranges($0), excluded: .init(start: nil, count: 0), parallelBytes: $1) }
    }

    /// The top-k of every query.
    private func answer(_ search: Search) -> [TopK] {
        queries.withUnsafeBufferPointer { u in
            (0..<queryCount).map { q in search(u.baseAddress! + q * width, TopKScan.defaultParallelBytes) }
        }
    }

    private func measure(_ mode: String, bytes: Double, _ search: @escaping Search) -> Row {
        var row = Row(mode: mode)
        var latencies: [Double] = []
        queries.withUnsafeBufferPointer { u in
            for _ in 0..<repeats {
                for q in 0..<queryCount {
                    let user = u.baseAddress! + q * width
                    let (_, t) = timed { search(user, TopKScan.defaultParallelBytes) }
                    latencies.append(t)
                }
            }
        }
        latencies.sort()
        let mean = latencies.reduce(0, +) / Double(latencies.count)
        row.p50 = 1e3 * latencies[latencies.count / 2]
        row.p99 = 1e3 * latencies[min(latencies.count - 1, latencies.count * 99 / 100)]
        row.qps1 = 1 / mean
        row.gbs = bytes / mean / 1e9
        // Concurrency 4: four threads, each running every query once on one core.
        let threads = 4
        let start = ContinuousClock.now
        let group = DispatchGroup()
        let (qs, w, n) = (queries, width, queryCount)
        for _ in 0..<threads {
            group.enter()
            Thread.detachNewThread {
                qs.withUnsafeBufferPointer { u in
                    for q in 0..<n {
                        let user = u.baseAddress! + q * w
                        _ = search(user, .max)
                    }
                }
                group.leave()
            }
        }
        group.wait()
        row.qps4 = Double(threads * queryCount) / seconds(ContinuousClock.now - start)
        return row
    }

    private func recall(_ got: [[Int32]], _ truth: [[Int32]]) -> Double {
        var hits = 0, total = 0
        for (g, t) in zip(got, truth) {
            hits += Set(g).intersection(t).count
            total += t.count
        }
        return total == 0 ? 1 : Double(hits) / Double(total)
    }

    private func timed<T>(_ body: () -> T) -> (T, Double) {
        let start = ContinuousClock.now
        let v = body()
        return (v, seconds(ContinuousClock.now - start))
    }

    private func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
