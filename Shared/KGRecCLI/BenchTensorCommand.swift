import KGRecModel

/// `kgrec bench-tensor`: GEMM throughput for the model's shapes and, with `--data`, per-batch time
/// and the per-op profile of Multi-KG4Rec on a RecBole dataset.
struct BenchTensorCommand: CLICommand {
    let name = "bench-tensor"
    let summary = "GEMM GFLOP/s and a per-op profile of Multi-KG4Rec training batches"

    /// Batches profiled and their size when the flags do not say.
    enum Defaults {
        static let batches = 3
        static let batch = 4096
    }

    static let specs: [CommandFlags.Spec] = [
        .init("data", "RecBole dataset directory (optional; without it only the GEMM table)"),
        .init("text", "text features .npy (with --text-ids)"),
        .init("text-ids", "ids file of the text features"),
        .init("modalities", "content modalities (none: KGAT)", default: ModelConfig().modalities),
        .init("batches", "batches to profile", default: Defaults.batches),
        .init("batch", "triples per batch", default: Defaults.batch),
        .init("no-gemm", "skip the GEMM table", value: false),
        .init("propagation", "BPR batches' propagation", default: TrainConfig().propagationMode),
        .init("fusion-items", "items a BPR batch fuses with gradient (as kgrec train; 0 = all)", default: TrainConfig.defaultFusionItemsPerBatch, rule: .nonNegative),
    ]

    func run(_ args: [String]) -> Int32 {
        runCommand(name) {
            let f = try CommandFlags(args, specs: Self.specs)
            if f.helpRequested { print(CommandFlags.usage(name, summary, Self.specs)); return 0 }
            if !f.has("no-gemm") { print(ModelBenchmark.gemmReport()) }
            guard let path = f.string("data") else { return 0 }
            var options = DataOptions(path: path)
            options.textFeatures = f.string("text")
            options.textIds = f.string("text-ids")
            let dataset = try DatasetLoader.load(options)
            print(dataset.summary)
            var config = ModelConfig()
            config.modalities = f.choice("modalities", ModelConfig.Modalities.self) ?? ModelConfig().modalities
            let model = try MultiKG4Rec(config: config, graph: dataset.graph, features: dataset.features,
                                        sequences: dataset.sequences)
            model.setPropagation(f.choice("propagation", PropagationMode.self) ?? TrainConfig().propagationMode)
            model.setFusionTraining(tapeBudget: FusionEncoder.defaultTapeBudget,
                                    itemsPerBatch: f.int("fusion-items") ?? TrainConfig.defaultFusionItemsPerBatch)
            print("model \(config.modalities.rawValue): \(model.namedParameters().count) tensors")
            print(ModelBenchmark.profile(model, graph: dataset.graph, batches: f.int("batches") ?? Defaults.batches,
                                         batchSize: f.int("batch") ?? Defaults.batch,
                                         trainPairs: dataset.split.trainUsers.count))
            return 0
        }
    }
}
