import Foundation

/// An estimate of a Multi-KG4Rec training run's peak memory, made from the dataset's counts before
/// the model allocates anything, so a run that cannot fit fails at once with the estimate.
///
/// Terms (C channels, N nodes, E directed edges, I items, d = embedding size, d_l layer widths,
/// 4-byte floats): ID tables with gradient and Adam moments `16·C·N·d`; graph structures `40·E`;
/// attention `4·C·E`; fused-item cache `4·C·I·d` (twice when batches sample their fused items,
/// `fusionItemsPerBatch` < I: the fused vectors without own rows are kept too); in `.history` the tables `4·C·N·Σ_{l<L} d_l` and
/// a refresh transient of `4·N·(3d + 4·max d_l)`; in `.full` the whole-graph tape, about
/// `4·C·N·(3d + Σ_l (6·d_{l−1} + 8·d_l))` (each layer's input, neighbour sum, pre-activations,
/// output, dropout mask and normalised output, and the backward's transients); with fusion, the
/// fusion's tape budget for one batch (`TrainConfig.fusionTapeBudget`, independent of the graph).
public struct TrainingMemory: Sendable, CustomStringConvertible {
    public var parameters: Double
    public var graph: Double
    public var caches: Double
    public var propagation: Double
    /// The fusion blocks' intermediates of one training batch (their stated bound; 0 without fusion).
    public var fusion: Double
    public let mode: PropagationMode

    public var total: Double { parameters + graph + caches + propagation + fusion }

    public init(nodes n: Int, edges e: Int, items i: Int, config: ModelConfig, mode: PropagationMode,
                fusionTapeBudget: Int = FusionEncoder.defaultTapeBudget, fusionItemsPerBatch: Int = 0) {
        let c = Double(config.channelNames.count), d = Double(config.embeddingSize)
        let widths = [config.embeddingSize] + config.layerSizes
        let nn = Double(n)
        self.mode = mode
        parameters = 16 * c * nn * d
        graph = 40 * Double(e)
        let fuses = config.modalities != .none && config.fusionBlocks > 0 && i > 0
        fusion = fuses ? Double(fusionTapeBudget) : 0
        let samples = fuses && fusionItemsPerBatch > 0 && i > fusionItemsPerBatch
        var cache = 4 * c * Double(e) + (samples ? 2 : 1) * 4 * c * Double(i) * d
        switch mode {
        case .history:
            cache += 4 * c * nn * Double(config.layerSizes.dropLast().reduce(0, +))
            propagation = 4 * nn * (3 * d + 4 * Double(widths.max() ?? 0))
        case .full:
            var perNode = 3 * d
            for l in 1..<widths.count { perNode += 6 * Double(widths[l - 1]) + 8 * Double(widths[l]) }
            propagation = 4 * c * nn * perNode
        }
        caches = cache
    }

    public init(dataset: Dataset, config: ModelConfig, mode: PropagationMode,
                fusionTapeBudget: Int = FusionEncoder.defaultTapeBudget, fusionItemsPerBatch: Int = 0) {
        self.init(nodes: dataset.graph.nodeCount, edges: dataset.graph.tripleCount, items: dataset.itemCount,
                  config: config, mode: mode, fusionTapeBudget: fusionTapeBudget, fusionItemsPerBatch: fusionItemsPerBatch)
    }

    static func gib(_ bytes: Double) -> String { String(format: "%.1f GiB", bytes / 1_073_741_824) }

    public var description: String {
        "\(Self.gib(total)) (parameters \(Self.gib(parameters)), graph \(Self.gib(graph)), caches \(Self.gib(caches)), "
            + "\(mode.rawValue) propagation \(Self.gib(propagation)), fusion \(Self.gib(fusion)))"
    }

    /// The machine's available memory in bytes (`MemAvailable` of /proc/meminfo), nil when unknown.
    public static func available() -> Double? { ProgressLine.procBytes("/proc/meminfo", "MemAvailable:") }

    /// Throws `TrainError` when the estimate exceeds `budgetGiB` (nil: the available memory), naming
    /// both figures and, for `.full`, the history-mode estimate.
    public static func check(dataset: Dataset, config: ModelConfig, mode: PropagationMode, budgetGiB: Double?,
                             fusionTapeBudget: Int = FusionEncoder.defaultTapeBudget, fusionItemsPerBatch: Int = 0) throws {
        let estimate = TrainingMemory(dataset: dataset, config: config, mode: mode, fusionTapeBudget: fusionTapeBudget,
                                      fusionItemsPerBatch: fusionItemsPerBatch)
        guard let budget = budgetGiB.map({ $0 * 1_073_741_824 }) ?? available(), estimate.total > budget else { return }
        var message = "training \(dataset.name) with --propagation \(mode.rawValue) needs an estimated \(estimate), "
            + "over the memory budget of \(gib(budget))"
            + (budgetGiB == nil ? " (the available memory; set --memory-budget GIB)" : " (--memory-budget)")
        if mode == .full {
            message += "; --propagation history needs an estimated "
                + gib(TrainingMemory(dataset: dataset, config: config, mode: .history, fusionTapeBudget: fusionTapeBudget,
                                     fusionItemsPerBatch: fusionItemsPerBatch).total)
        }
        throw TrainError(.overMemoryBudget, message)
    }
}
