import Foundation
import KGRecTensor

/// One alignment epoch's figures, a JSON line of `metrics.jsonl`.
public struct AlignEpochRecord: Codable, Equatable, Sendable {
    public var epoch: Int
    /// Mean InfoNCE loss (both directions averaged) over the epoch's batches.
    public var loss: Double
    public var pairs: Int
    public var trainSeconds: Double
    /// Training pairs per second of training time.
    public var pairsPerSecond: Double
    public var evalSeconds: Double
    public var valid: [String: Double]?
    /// Test metrics on epochs that improved validation MRR.
    public var test: [String: Double]?
    public var best: Bool
}

public struct AlignResult: Sendable {
    public var records: [AlignEpochRecord]
    public var bestEpoch: Int
    public var bestValid: AlignmentMetrics?
    public var bestTest: AlignmentMetrics?
    public var bestParameters: [(name: String, value: Matrix)]
    public var stoppedEarly: Bool
    public var totalSeconds: Double
}

/// Alignment pre-training (seed 000, phase 1): per epoch `beginEpoch()` (attention, fused cache),
/// the training pairs shuffled into batches; per batch every needed entity is encoded on one tape
/// (`nodeEmbeddings`, whole-graph propagation), rows L2-normalised, and the loss is the mean of
/// InfoNCE A→B and B→A: anchor a_k's positive is b_k, its negatives the batch's other b's, the
/// sampled entities of B and every anchor's hard negatives (one shared, duplicate-free pool per
/// side). After the epoch every node is encoded without gradient: validation (and test on a better
/// validation MRR) and the next epoch's hard negatives come from those embeddings.
public final class AlignmentTrainer {
    /// One model per part of the encoding (`AlignConfig.modelConfigs`), over the same graph.
    public let models: [MultiKG4Rec]
    public let task: TwoKG
    public let config: AlignConfig
    public let progress: ProgressLine
    public var onEpoch: ((AlignEpochRecord) -> Void)?

    public init(models: [MultiKG4Rec], task: TwoKG, config: AlignConfig, progress: ProgressLine = ProgressLine(enabled: false)) throws {
        try config.validate()
        guard !models.isEmpty, models.allSatisfy({ $0.nodeCount == task.graph.nodeCount }) else {
            throw TrainError(.inconsistent, "models and alignment graph differ in size")
        }
        self.models = models
        self.task = task
        self.config = config
        self.progress = progress
        frozenIDRows = Self.frozenIDRows(task, config)
        for m in models {
            m.setPropagation(.full)
            m.zeroIDRows(frozenIDRows)
        }
    }

    /// Union nodes whose ID-embedding rows are held at zero: free per-entity parameters that let
    /// InfoNCE fit the training pairs without anything that transfers to unseen pairs — the items
    /// (unless `itemIDs`), and the attributes linked to a single item of their KG (unless
    /// `leafAttributeIDs`; on ml-100k most Freebase actors, writers and producers are in one film).
    let frozenIDRows: [Int32]

    static func frozenIDRows(_ task: TwoKG, _ config: AlignConfig) -> [Int32] {
        var out = [Int32]()
        if !config.itemIDs { out += (0..<Int32(task.graph.itemCount)) }
        if !config.leafAttributeIDs { out += task.attributesOfOneItem() }
        return out
    }

    /// Every node's encoding `[N, W]` with unit rows (cosine similarity by inner product).
    public func embeddings() -> Matrix { Self.normalizedEmbeddings(models) }

    /// The models' node embeddings, each L2-normalised, side by side, ÷√(model count): unit rows.
    public static func normalizedEmbeddings(_ models: [MultiKG4Rec]) -> Matrix {
        let parts = models.map { normalized($0.allNodeEmbeddings()) }
        let width = parts.reduce(0) { $0 + $1.cols }, scale = 1 / Float(parts.count).squareRoot()
        var z = Matrix(rows: parts[0].rows, cols: width)
        for r in 0..<z.rows {
            var c0 = 0
            for p in parts {
                for c in 0..<p.cols { z[r, c0 + c] = p[r, c] * scale }
                c0 += p.cols
            }
        }
        return z
    }

    /// The parameters of every model (names are disjoint: `id.*` for structure, `text.*`,
    /// `visual.*` and `fusion.*` for content).
    public func namedParameters() -> [(name: String, value: Matrix)] { models.flatMap { $0.namedParameters() } }

    public static func normalized(_ z: Matrix) -> Matrix {
        var z = z
        for r in 0..<z.rows {
            var s: Float = 0
            for c in 0..<z.cols { s += z[r, c] * z[r, c] }
            let inv = 1 / max(s.squareRoot(), 1e-12)
            for c in 0..<z.cols { z[r, c] *= inv }
        }
        return z
    }

    /// The loss of one batch of training pairs (union nodes `a`, `b`, `[B]` each) with the given
    /// extra negatives (union nodes of B for the A anchors and of A for the B anchors), on a new
    /// tape; back-propagates into the parameters' gradients. Returns the loss.
    public func batchLoss(a: [Int32], b: [Int32], negativesOfA: [Int32], negativesOfB: [Int32]) -> Float {
        precondition(a.count == b.count && !a.isEmpty)
        let poolB = Self.pool(b, negativesOfA), poolA = Self.pool(a, negativesOfB)
        let tape = Tape()
        let parts = models.map { tape.l2NormalizeRows($0.nodeEmbeddings(tape, nodes: poolA + poolB)) }
        let z = parts.count == 1 ? parts[0] : tape.scale(tape.concatColumns(parts), 1 / Float(parts.count).squareRoot())
        let za = tape.gatherRows(z, (0..<Int32(poolA.count)).map { $0 })
        let zb = tape.gatherRows(z, (Int32(poolA.count)..<Int32(poolA.count + poolB.count)).map { $0 })
        let anchors = (0..<Int32(a.count)).map { $0 }
        let ab = tape.infoNCE(anchors: tape.gatherRows(za, anchors), candidates: zb, positives: anchors, temperature: config.temperature)
        let ba = tape.infoNCE(anchors: tape.gatherRows(zb, anchors), candidates: za, positives: anchors, temperature: config.temperature)
        let loss = tape.scale(tape.add(ab, ba), 0.5)
        tape.backward(from: loss)
        for m in models { m.zeroIDGradients(frozenIDRows) }
        return tape.value(loss).data[0]
    }

    /// `anchors` first (their positions are the positives), then the extra nodes not already in.
    static func pool(_ anchors: [Int32], _ extra: [Int32]) -> [Int32] {
        var seen = Set(anchors)
        var out = anchors
        for n in extra where !seen.contains(n) { seen.insert(n); out.append(n) }
        return out
    }

    /// Per training pair k, the `hardNegatives` nearest non-partner entities of the other KG: (for a_k
    /// among B's nodes, for b_k among A's nodes), as union nodes.
    func hardNegatives(_ z: Matrix, a: [Int32], b: [Int32]) -> (ofA: [[Int32]], ofB: [[Int32]]) {
        let h = config.hardNegatives
        guard h > 0 else { return ([], []) }
        let na = task.nodes(of: .a, config.candidates), nb = task.nodes(of: .b, config.candidates)
        let ofA = AlignmentEvaluator.nearest(queries: Kernels.gatherRows(z, a), candidates: Kernels.gatherRows(z, nb), k: h,
                                             exclude: AlignmentEvaluator.rows(of: b, in: nb)).map { $0.map { nb[Int($0)] } }
        let ofB = AlignmentEvaluator.nearest(queries: Kernels.gatherRows(z, b), candidates: Kernels.gatherRows(z, na), k: h,
                                             exclude: AlignmentEvaluator.rows(of: a, in: na)).map { $0.map { na[Int($0)] } }
        return (ofA, ofB)
    }

    public func run() throws -> AlignResult {
        let start = ProgressLine.now()
        var rng = SplitMix64(seed: config.seed)
        let (ta, tb) = task.pairNodes(.train)
        guard !ta.isEmpty else { throw TrainError(.noTrainingPairs, "no training pairs") }
        let hasValid = !task.pairNodes(.valid).a.isEmpty
        let na = task.nodes(of: .a, config.candidates), nb = task.nodes(of: .b, config.candidates)
        var order = Array(0..<ta.count)
        let batches = (ta.count + config.batchSize - 1) / config.batchSize
        var records = [AlignEpochRecord]()
        var best: (epoch: Int, score: Double, valid: AlignmentMetrics?, test: AlignmentMetrics?) = (0, -1, nil, nil)
        var bestParameters = namedParameters()
        var sinceBest = 0
        var stoppedEarly = false
        var hard = hardNegatives(embeddings(), a: ta, b: tb)
        for epoch in 1...config.epochs {
            let t0 = ProgressLine.now()
            for m in models { m.beginEpoch() }
            rng.shuffle(&order)
            var lossSum = 0.0
            for batch in 0..<batches {
                let ks = order[batch * config.batchSize..<min(order.count, (batch + 1) * config.batchSize)]
                guard ks.count >= 2 else { continue }  // a lone pair has no in-batch negative
                var negA = [Int32](), negB = [Int32]()
                for _ in 0..<config.sampledNegatives { negA.append(nb[rng.below(nb.count)]); negB.append(na[rng.below(na.count)]) }
                if !hard.ofA.isEmpty { for k in ks { negA += hard.ofA[k]; negB += hard.ofB[k] } }
                let loss = batchLoss(a: ks.map { ta[$0] }, b: ks.map { tb[$0] }, negativesOfA: negA, negativesOfB: negB)
                guard loss.isFinite else { throw TrainError(.diverged, "alignment loss diverged (\(loss)) at epoch \(epoch), batch \(batch + 1)") }
                for m in models { m.step() }
                lossSum += Double(loss)
                let elapsed = ProgressLine.now() - t0
                progress.elapsedPerBatch = elapsed / Double(batch + 1)
                progress.update(epoch: epoch, epochs: config.epochs, phase: "align", batch: batch + 1, batches: batches,
                                loss: lossSum / Double(batch + 1), examplesPerSecond: Double((batch + 1) * config.batchSize) / max(elapsed, 1e-9),
                                final: batch + 1 == batches)
            }
            let trainSeconds = ProgressLine.now() - t0
            let e0 = ProgressLine.now()
            let z = embeddings()
            var record = AlignEpochRecord(epoch: epoch, loss: lossSum / Double(max(1, batches)), pairs: ta.count,
                                          trainSeconds: trainSeconds, pairsPerSecond: Double(ta.count) / max(trainSeconds, 1e-9),
                                          evalSeconds: 0, valid: nil, test: nil, best: false)
            if epoch % config.evalEvery == 0 || epoch == config.epochs {
                let valid = AlignmentEvaluator.evaluate(z, task: task, phase: hasValid ? .valid : .train, candidates: config.candidates)
                record.valid = valid.flat
                if valid.mrr > best.score {
                    let test = AlignmentEvaluator.evaluate(z, task: task, phase: .test, candidates: config.candidates)
                    best = (epoch, valid.mrr, valid, test)
                    bestParameters = namedParameters()
                    record.test = test.flat
                    record.best = true
                    sinceBest = 0
                } else {
                    sinceBest += 1
                }
                progress.line("epoch \(epoch): loss \(ProgressLine.fmt(record.loss, 4)), valid \(valid.line)\(record.best ? " *" : "")")
            }
            hard = hardNegatives(z, a: ta, b: tb)
            record.evalSeconds = ProgressLine.now() - e0
            records.append(record)
            onEpoch?(record)
            if sinceBest >= config.patience { stoppedEarly = true; break }
        }
        return AlignResult(records: records, bestEpoch: best.epoch, bestValid: best.valid, bestTest: best.test,
                           bestParameters: bestParameters, stoppedEarly: stoppedEarly, totalSeconds: ProgressLine.now() - start)
    }
}
