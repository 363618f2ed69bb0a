import Foundation
import KGRecTensor

/// A training run that failed: a `code` saying which kind (what callers and tests switch on) and a
/// message saying what happened and, for a setting, which flag changes it.
public struct TrainError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String {
            case diverged = "diverged"
            case overMemoryBudget = "over memory budget"
            case inconsistent = "inconsistent"
            case noTrainingPairs = "no training pairs"
        }
        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// A loss that is not finite: training diverged (a lower learning rate may help).
        public static let diverged = Code(.diverged)
        /// The run's estimated memory exceeds the budget (`--memory-budget`, else the available memory).
        public static let overMemoryBudget = Code(.overMemoryBudget)
        /// Models and the graph they are trained on that differ in size.
        public static let inconsistent = Code(.inconsistent)
        /// A task without training pairs to learn from.
        public static let noTrainingPairs = Code(.noTrainingPairs)

        public var description: String { kind.rawValue }
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// The epoch loop (KGAT-style alternating optimisation):
/// 1. `model.beginEpoch()`;
/// 2. CF phase: the training pairs shuffled, in batches of `batchSize`, each positive with one
///    negative (uniform over the user's non-training items, or a dynamic hard negative), BPR step;
/// 3. KG phase: KG triples (relations ≥ 2 of the collaborative KG) shuffled, in batches of
///    `kgBatchSize`, each with a corrupted tail, TransR step;
/// 4. every `evalEvery` epochs: validation metrics; on a better NDCG@`stopK` the test metrics and a
///    parameter snapshot; stop after `patience` evaluations without improvement.
public final class Trainer {
    public let model: any Recommender
    public let dataset: Dataset
    public let config: TrainConfig
    public let progress: ProgressLine
    /// Called with each epoch's record (e.g. to append a JSON line).
    public var onEpoch: ((EpochRecord) -> Void)?

    private let sampler: NegativeSampler
    private let evaluator: Evaluator
    private let kgTriples: [Int32]

    public init(model: any Recommender, dataset: Dataset, config: TrainConfig, progress: ProgressLine = ProgressLine()) throws {
        try config.validate()
        self.model = model
        self.dataset = dataset
        self.config = config
        self.progress = progress
        model.setPropagation(config.propagationMode)
        model.setFusionTraining(tapeBudget: config.fusionTapeBudget, itemsPerBatch: config.fusionItemsPerBatch)
        sampler = NegativeSampler(split: dataset.split, graph: dataset.graph)
        evaluator = Evaluator(split: dataset.split, ks: config.ks)
        let g = dataset.graph
        var kg = [Int32]()
        kg.reserveCapacity(g.knowledgeTripleCount)
        for e in 0..<g.tripleCount where g.relations[e] >= 2 { kg.append(Int32(e)) }
        kgTriples = kg
    }

    public func run() throws -> TrainResult {
        let start = ProgressLine.now()
        var rng = SplitMix64(seed: config.seed)
        let split = dataset.split, g = dataset.graph
        var order = Array(0..<Int32(split.trainUsers.count))
        var kgOrder = kgTriples
        let pairs = order.count
        let cfBatches = min((pairs + config.batchSize - 1) / config.batchSize, config.maxBatchesPerEpoch ?? .max)
        let kgBatches = min(config.kgBatchesPerEpoch ?? (kgTriples.count + config.kgBatchSize - 1) / config.kgBatchSize,
                            kgTriples.isEmpty ? 0 : .max)
        var records = [EpochRecord]()
        var best: (epoch: Int, score: Double, valid: RankingMetrics?, test: RankingMetrics?) = (0, -1, nil, nil)
        var bestParameters = model.namedParameters()
        var lastEmbeddings: InferenceEmbeddings? = nil
        var sinceBest = 0, stoppedEarly = false
        var users = [Int32](), pos = [Int32](), neg = [Int32]()
        var hs = [Int32](), rs = [Int32](), ts = [Int32](), tn = [Int32]()

        for epoch in 1...config.epochs {
            let t0 = ProgressLine.now()
            model.beginEpoch()
            rng.shuffle(&order)
            var bprSum = 0.0, cfExamples = 0
            for b in 0..<cfBatches {
                users.removeAll(keepingCapacity: true); pos.removeAll(keepingCapacity: true); neg.removeAll(keepingCapacity: true)
                for k in b * config.batchSize..<min(pairs, (b + 1) * config.batchSize) {
                    let p = Int(order[k])
                    let u = split.trainUsers[p]
                    users.append(u)
                    pos.append(split.trainItems[p])
                    if let e = lastEmbeddings, config.hardNegativeCandidates > 1 {
                        neg.append(sampler.hardItem(for: Int(u), candidates: config.hardNegativeCandidates, embeddings: e, &rng))
                    } else {
                        neg.append(sampler.item(for: Int(u), &rng))
                    }
                }
                let loss = Double(model.bprLossAndGradients(users: users, positives: pos, negatives: neg))
                guard loss.isFinite else { throw TrainError(.diverged, "BPR loss is \(loss) at epoch \(epoch), batch \(b + 1): training diverged (lower --lr?)") }
                model.step()
                bprSum += loss
                cfExamples += users.count
                let el = ProgressLine.now() - t0
                progress.elapsedPerBatch = el / Double(b + 1)
                progress.update(epoch: epoch, epochs: config.epochs, phase: "bpr", batch: b + 1, batches: cfBatches,
                                loss: bprSum / Double(b + 1), examplesPerSecond: Double(cfExamples) / el)
            }
            let tKG = ProgressLine.now()
            var kgSum = 0.0, kgExamples = 0
            if kgBatches > 0 {
                rng.shuffle(&kgOrder)
                var at = 0
                for b in 0..<kgBatches {
                    hs.removeAll(keepingCapacity: true); rs.removeAll(keepingCapacity: true)
                    ts.removeAll(keepingCapacity: true); tn.removeAll(keepingCapacity: true)
                    for _ in 0..<config.kgBatchSize {
                        if at == kgOrder.count { at = 0; rng.shuffle(&kgOrder) }
                        let e = Int(kgOrder[at]); at += 1
                        let h = g.heads[e], r = g.relations[e]
                        hs.append(h); rs.append(r); ts.append(g.tails[e])
                        tn.append(sampler.tail(head: h, relation: r, &rng))
                    }
                    let loss = Double(model.kgLossAndGradients(heads: hs, relations: rs, tails: ts, negativeTails: tn))
                    guard loss.isFinite else { throw TrainError(.diverged, "KG loss is \(loss) at epoch \(epoch), batch \(b + 1): training diverged (lower --lr?)") }
                    model.step()
                    kgSum += loss
                    kgExamples += hs.count
                    let el = ProgressLine.now() - tKG
                    progress.elapsedPerBatch = el / Double(b + 1)
                    progress.update(epoch: epoch, epochs: config.epochs, phase: "kg", batch: b + 1, batches: kgBatches,
                                    loss: kgSum / Double(b + 1), examplesPerSecond: Double(kgExamples) / el)
                }
            }
            let trainSeconds = ProgressLine.now() - t0
            var record = EpochRecord(epoch: epoch, bprLoss: bprSum / Double(max(cfBatches, 1)),
                                     kgLoss: kgBatches > 0 ? kgSum / Double(kgBatches) : 0, cfExamples: cfExamples,
                                     kgExamples: kgExamples, trainSeconds: trainSeconds,
                                     examplesPerSecond: Double(cfExamples + kgExamples) / trainSeconds,
                                     evalSeconds: 0, valid: nil, test: nil, best: false)
            let outOfTime = config.maxSeconds.map { ProgressLine.now() - start > $0 } ?? false
            if !config.evaluate {
                best.epoch = epoch
                if epoch == config.epochs || outOfTime { bestParameters = model.namedParameters() }
            } else if epoch % config.evalEvery == 0 || epoch == config.epochs || outOfTime {
                let te = ProgressLine.now()
                let emb = model.inferenceEmbeddings()
                lastEmbeddings = emb
                let valid = evaluator.evaluate(emb, phase: .valid)
                record.valid = valid.flat
                let score = valid.value("ndcg", at: config.stopK) ?? 0
                if score > best.score {
                    let test = evaluator.evaluate(emb, phase: .test)
                    best = (epoch, score, valid, test)
                    record.test = test.flat
                    record.best = true
                    bestParameters = model.namedParameters()
                    sinceBest = 0
                } else {
                    sinceBest += 1
                }
                record.evalSeconds = ProgressLine.now() - te
            }
            records.append(record)
            onEpoch?(record)
            progress.line(summary(record))
            if sinceBest >= config.patience {
                stoppedEarly = true
                break
            }
            if outOfTime { break }
        }
        return TrainResult(records: records, bestEpoch: best.epoch, bestValid: best.valid, bestTest: best.test,
                           bestParameters: bestParameters, stoppedEarly: stoppedEarly,
                           totalSeconds: ProgressLine.now() - start)
    }

    private func summary(_ r: EpochRecord) -> String {
        var s = "epoch \(r.epoch)/\(config.epochs)  bpr \(ProgressLine.fmt(r.bprLoss, 4))"
        if r.kgExamples > 0 { s += "  kg \(ProgressLine.fmt(r.kgLoss, 4))" }
        s += "  \(ProgressLine.fmt(r.trainSeconds, 2))s  \(ProgressLine.fmt(r.examplesPerSecond, 0)) ex/s"
        if let peak = ProgressLine.memory("VmHWM:") { s += "  peak rss \(ProgressLine.fmt(peak / 1_073_741_824, 2)) GiB" }
        if let v = r.valid {
            let k = config.stopK
            s += "  valid recall@\(k) \(ProgressLine.fmt(v["recall@\(k)"] ?? 0, 4)) ndcg@\(k) \(ProgressLine.fmt(v["ndcg@\(k)"] ?? 0, 4))"
        }
        if r.best { s += "  *" }
        return s
    }
}
