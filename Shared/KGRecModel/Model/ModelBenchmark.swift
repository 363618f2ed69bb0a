import KGRecTensor
#if canImport(Glibc)
import Glibc
#endif

/// Micro-benchmarks of the numeric kernels and per-batch profiles of a model (`kgrec bench-tensor`).
/// Times are wall seconds (best of several runs for kernels); CPU seconds are both threads together.
public enum ModelBenchmark {
    /// GFLOP/s of `GEMM.multiply` for the shapes the model uses (N = 35,571 nodes of ml-100k,
    /// 12,784 = 1,598 items × 8 sequence positions), one line per shape.
    public static func gemmReport() -> String {
        let shapes: [(String, Int, Int, Int, Bool, Bool)] = [
            ("propagation  x·W   [35571,64]·[64,64]", 35571, 64, 64, false, false),
            ("propagation  x·W   [35571,64]·[64,32]", 35571, 64, 32, false, false),
            ("propagation  dx    [35571,64]·[64,64]ᵀ", 35571, 64, 64, false, true),
            ("propagation  dW    [35571,64]ᵀ·[35571,64]", 64, 35571, 64, true, false),
            ("fusion FFN   x·W1  [12784,64]·[64,128]", 12784, 64, 128, false, false),
            ("square             [512,512]·[512,512]", 512, 512, 512, false, false),
        ]
        var rng = Xoshiro256(seed: 1)
        let threads = Parallel.threadCount
        var out = "GEMM                                        \(threads) threads: ms  GFLOP/s   1 thread (CPU time): GFLOP/s\n"
        for (name, m, k, n, ta, tb) in shapes {
            let a = ta ? Matrix.uniform(rows: k, cols: m, -1, 1, rng: &rng) : Matrix.uniform(rows: m, cols: k, -1, 1, rng: &rng)
            let b = tb ? Matrix.uniform(rows: n, cols: k, -1, 1, rng: &rng) : Matrix.uniform(rows: k, cols: n, -1, 1, rng: &rng)
            var best = Double.infinity, bestOne = Double.infinity
            for _ in 0..<15 {
                let t0 = wallClock()
                _ = GEMM.multiply(a, b, transA: ta, transB: tb)
                best = min(best, wallClock() - t0)
            }
            // Per-core throughput from this thread's CPU time: unaffected by other processes' load.
            Parallel.threadCount = 1
            for _ in 0..<15 {
                let t0 = threadClock()
                _ = GEMM.multiply(a, b, transA: ta, transB: tb)
                bestOne = min(bestOne, threadClock() - t0)
            }
            Parallel.threadCount = threads
            let flop = 2 * Double(m) * Double(k) * Double(n)
            out += name.padding(44) + fmt(best * 1e3, 2).leftPadded(10) + fmt(flop / best / 1e9, 1).leftPadded(9)
                + fmt(flop / bestOne / 1e9, 1).leftPadded(26) + "\n"
        }
        return out
    }

    /// Runs one warm-up and then `batches` timed BPR and KG batches of `batchSize` random triples on
    /// `model` (the graph of `graph`) and returns per-batch wall and CPU seconds plus the per-op tape
    /// profile of the BPR batches, and a last line `summary key=value …` (wall seconds; read by
    /// `Benchmarks/train.sh`).
    public static func profile(_ model: MultiKG4Rec, graph: CollaborativeKG, batches: Int,
                               batchSize: Int, trainPairs: Int = 0, seed: UInt64 = 1) -> String {
        var rng = Xoshiro256(seed: seed)
        var w0 = wallClock(), c0 = cpuClock()
        model.beginEpoch()
        let refresh = wallClock() - w0
        var out = "beginEpoch (fuse all items, attention refresh)  wall \(fmt(refresh, 3)) s  cpu \(fmt(cpuClock() - c0, 3)) s\n"
        var profile = TapeProfile()
        var bpr = (wall: 0.0, cpu: 0.0), kg = (wall: 0.0, cpu: 0.0), step = (wall: 0.0, cpu: 0.0)
        // One untimed warm-up iteration first: it pays the first touch of every buffer (the heap
        // then serves later batches from memory it already has, see `Memory.retainFreedPages`).
        for iteration in 0...batches {
            if iteration == 1 {
                out += "warm-up BPR batch  wall \(fmt(bpr.wall, 3)) s  cpu \(fmt(bpr.cpu, 3)) s\n"
                profile = TapeProfile()
                bpr = (0, 0); kg = (0, 0); step = (0, 0)
            }
            let u = (0..<batchSize).map { _ in Int32(rng.below(graph.userCount)) }
            let p = (0..<batchSize).map { _ in Int32(rng.below(graph.itemCount)) }
            let n = (0..<batchSize).map { _ in Int32(rng.below(graph.itemCount)) }
            model.profile = profile
            w0 = wallClock(); c0 = cpuClock()
            _ = model.bprLossAndGradients(users: u, positives: p, negatives: n)
            bpr.wall += wallClock() - w0; bpr.cpu += cpuClock() - c0
            model.profile = nil
            w0 = wallClock(); c0 = cpuClock()
            model.step()
            step.wall += wallClock() - w0; step.cpu += cpuClock() - c0
            let e = (0..<batchSize).map { _ in rng.below(graph.tripleCount) }
            w0 = wallClock(); c0 = cpuClock()
            _ = model.kgLossAndGradients(heads: e.map { graph.heads[$0] }, relations: e.map { graph.relations[$0] },
                                         tails: e.map { graph.tails[$0] },
                                         negativeTails: e.map { _ in Int32(rng.below(graph.entityCount)) })
            kg.wall += wallClock() - w0; kg.cpu += cpuClock() - c0
            w0 = wallClock(); c0 = cpuClock()
            model.step()
            step.wall += wallClock() - w0; step.cpu += cpuClock() - c0
        }
        let b = Double(max(batches, 1))
        out += "per BPR batch of \(batchSize)  wall \(fmt(bpr.wall / b, 3)) s  cpu \(fmt(bpr.cpu / b, 3)) s\n"
        if let fusion = model.fusion {
            out += "fusion tape \(fusion.tapeBytesPerRow) B per sequence row, budget \(fmt(Double(fusion.tapeBudget) / 1_073_741_824, 2)) GiB, "
                + "\(fusion.recomputedRows / max(1, batches + 1)) rows recomputed per BPR batch\n"
        }
        out += "per KG batch of \(batchSize)   wall \(fmt(kg.wall / b, 3)) s  cpu \(fmt(kg.cpu / b, 3)) s\n"
        out += "per Adam step             wall \(fmt(step.wall / (2 * b), 3)) s  cpu \(fmt(step.cpu / (2 * b), 3)) s\n"
        out += "\nBPR batches, wall seconds per op (forward includes layer glue):\n" + profile.report()
        out += "\nsummary nodes=\(graph.nodeCount) edges=\(graph.tripleCount) pairs=\(trainPairs) "
            + "kgedges=\(graph.knowledgeTripleCount) batch=\(batchSize) refresh=\(refresh) bpr=\(bpr.wall / b) "
            + "kg=\(kg.wall / b) step=\(step.wall / (2 * b))\n"
        return out
    }

    static func wallClock() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    static func threadClock() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    static func cpuClock() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    static func fmt(_ x: Double, _ digits: Int) -> String {
        var p = 1.0
        for _ in 0..<digits { p *= 10 }
        let v = (x * p).rounded() / p
        var s = "\(v)"
        if let dot = s.firstIndex(of: ".") {
            let decimals = s.distance(from: dot, to: s.endIndex) - 1
            if decimals < digits { s += String(repeating: "0", count: digits - decimals) }
        }
        return s
    }
}

extension String {
    fileprivate func padding(_ n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
    fileprivate func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
