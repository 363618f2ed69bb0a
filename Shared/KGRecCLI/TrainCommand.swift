import Foundation
import KGRecModel

/// `kgrec train`: loads a dataset, trains a model with early stopping, writes the checkpoint and
/// metrics, prints the best epoch's test metrics.
struct TrainCommand: CLICommand {
    let name = "train"
    let summary = "train Multi-KG4Rec (or an ablation / the BPR baseline) on a dataset"

    func run(_ args: [String]) -> Int32 {
        runCommand(name) {
            let flags = try CommandFlags(args, specs: RunSettings.specs)
            if flags.helpRequested { print(CommandFlags.usage(name, summary, RunSettings.specs)); return 0 }
            let s = try RunSettings(flags: flags)
            let progress = ProgressLine(enabled: !s.quiet)
            let t0 = ProgressLine.now()
            let dataset = try DatasetLoader.load(s.data)
            progress.line("loaded \(dataset.summary) in \(ProgressLine.fmt(ProgressLine.now() - t0, 1))s")
            let outcome = try TrainingRun.execute(s, dataset: dataset, progress: progress)
            print(TrainingRun.report(outcome.result, ks: s.train.ks))
            if let out = s.out { print("wrote \(out)/checkpoint.safetensors, metrics.jsonl, result.json") }
            return 0
        }
    }
}

/// One training run shared by `train`, `ablate` and `demo`.
enum TrainingRun {
    struct Outcome {
        let result: TrainResult
        let model: any Recommender
    }

    /// Trains; with `settings.out`, appends each epoch to `out/metrics.jsonl` and writes
    /// `out/checkpoint.safetensors` (best epoch) and `out/result.json`.
    static func execute(_ s: RunSettings, dataset: Dataset, progress: ProgressLine) throws -> Outcome {
        if s.kind == .multiKG4Rec {
            try TrainingMemory.check(dataset: dataset, config: s.model, mode: s.train.propagationMode,
                                     budgetGiB: s.train.memoryBudgetGiB, fusionTapeBudget: s.train.fusionTapeBudget,
                                     fusionItemsPerBatch: s.train.fusionItemsPerBatch)
        }
        let model = try s.kind.make(config: s.model, dataset: dataset)
        // One read of the file, whichever kind of checkpoint it is.
        let initial = try s.initFrom.map { path in (path, try SafeTensors.read(path: path)) }
        if let (path, (tensors, meta)) = initial, AlignmentCheckpoint.isAlignment(meta) {
            let align = try AlignmentCheckpoint(tensors: tensors, metadata: meta, path: path)
            guard let m = model as? MultiKG4Rec else {
                throw DataError(.inconsistent, file: path, "an alignment checkpoint initialises multikg4rec, this run trains \(s.kind.rawValue)")
            }
            let task = try TwoKGFiles.read(directory: align.align.data, splitSeed: align.align.splitSeed)
            let report = try AlignmentTransfer.initialise(m, dataset: dataset, from: align, task: task, path: path)
            progress.line("initialised from alignment checkpoint \(path) (its best epoch \(align.bestEpoch)): \(report.line)")
        } else if let (path, (tensors, meta)) = initial {
            let ckpt = try Checkpoint(tensors: tensors, metadata: meta, path: path)
            guard ckpt.kind == s.kind, ckpt.model.modalities == s.model.modalities else {
                throw DataError(.inconsistent, file: path, "checkpoint is \(ckpt.kind.rawValue) with modalities \(ckpt.model.modalities.rawValue), this run trains \(s.kind.rawValue) with \(s.model.modalities.rawValue)")
            }
            try ckpt.restore(into: model, dataset: dataset, path: path)
            progress.line("initialised from \(path) (its best epoch \(ckpt.bestEpoch))")
        }
        let textModel = try TextModelRecord.fingerprint(s, dataset: dataset)
        let trainer = try Trainer(model: model, dataset: dataset, config: s.train, progress: progress)
        let metrics = try MetricsLog(directory: s.out)
        trainer.onEpoch = { metrics.append($0) }
        let result = try trainer.run()
        if let out = s.out {
            // Restore the best epoch's parameters so the checkpoint is the reported model.
            try model.loadParameters(Dictionary(uniqueKeysWithValues: result.bestParameters.map { ($0.name, $0.value) }))
            var ckpt = Checkpoint(kind: s.kind, model: s.model, training: s.train, data: s.data,
                                  counts: DatasetCounts(dataset), bestEpoch: result.bestEpoch,
                                  test: result.bestTest?.flat ?? [:], tensors: result.bestParameters)
            ckpt.textModel = textModel
            try ckpt.write(to: (out as NSString).appendingPathComponent("checkpoint.safetensors"))
            let summary: [String: Any] = [
                "model": s.kind.rawValue, "ablation": (s.ablation ?? .full).rawValue, "dataset": dataset.summary,
                "best_epoch": result.bestEpoch, "epochs_run": result.records.count,
                "stopped_early": result.stoppedEarly, "seconds": result.totalSeconds,
                "valid": result.bestValid?.flat ?? [:], "test": result.bestTest?.flat ?? [:],
                "mean_train_seconds_per_epoch": result.records.map(\.trainSeconds).reduce(0, +) / Double(max(1, result.records.count)),
            ]
            let data = try JSONSerialization.data(withJSONObject: summary, options: [.prettyPrinted, .sortedKeys])
            _ = FileManager.default.createFile(atPath: (out as NSString).appendingPathComponent("result.json"), contents: data)
        }
        return Outcome(result: result, model: model)
    }

    /// "best epoch 12 of 22 (early stop) ... test: recall@10 … | recall@20 …".
    static func report(_ r: TrainResult, ks: [Int]) -> String {
        var s = "best epoch \(r.bestEpoch) of \(r.records.count)\(r.stoppedEarly ? " (early stop)" : ""), "
            + "\(ProgressLine.fmt(r.totalSeconds, 1))s total, "
            + "\(ProgressLine.fmt(r.records.map(\.trainSeconds).reduce(0, +) / Double(max(1, r.records.count)), 2))s train/epoch\n"
        if let t = r.bestTest { s += "test  " + metricsLine(t, ks: ks) }
        return s
    }

    static func metricsLine(_ m: RankingMetrics, ks: [Int]) -> String {
        ks.map { k in
            ["recall", "ndcg", "mrr", "hit"].map { "\($0)@\(k) \(ProgressLine.fmt(m.value($0, at: k) ?? 0, 4))" }.joined(separator: " ")
        }.joined(separator: " | ")
    }
}
