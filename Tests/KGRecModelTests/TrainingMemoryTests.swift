import Testing
@testable import KGRecModel

@Suite struct TrainingMemoryTests {
    static let data = try! SyntheticKG(.tiny).dataset()

    @Test func aDatasetOverTheMemoryBudgetIsRefusedWithTheEstimateBeforeTheModelIsBuilt() throws {
        let config = ModelConfig()
        let full = TrainingMemory(dataset: Self.data, config: config, mode: .full)
        let history = TrainingMemory(dataset: Self.data, config: config, mode: .history)
        #expect(history.total < full.total)
        let budget = full.total * 0.99 / 1_073_741_824
        let error = #expect(throws: TrainError.self) {
            try TrainingMemory.check(dataset: Self.data, config: config, mode: .full, budgetGiB: budget)
        }
        #expect(error?.code == .overMemoryBudget)
        // The message is what `kgrec train` prints: it names the flags that change the outcome.
        #expect(error?.message.contains("--memory-budget") == true)
        #expect(error?.message.contains("--propagation history needs an estimated") == true)
        try TrainingMemory.check(dataset: Self.data, config: config, mode: .full, budgetGiB: budget * 1.02 / 0.99)
    }

    @Test func theEstimateGrowsLinearlyWithTheGraphPlusTheFusionBudget() {
        let config = ModelConfig()
        for mode in PropagationMode.allCases {
            let small = TrainingMemory(nodes: 1000, edges: 16_000, items: 400, config: config, mode: mode)
            let large = TrainingMemory(nodes: 10_000, edges: 160_000, items: 4000, config: config, mode: mode)
            #expect(small.fusion == large.fusion)
            #expect(abs((large.total - large.fusion) / (small.total - small.fusion) - 10) < 1e-9)
        }
    }

    @Test func theFusionTapeBudgetIsCountedOnlyWhenTheModelFuses() {
        var config = ModelConfig()
        let fused = TrainingMemory(nodes: 1000, edges: 16_000, items: 400, config: config, mode: .history)
        #expect(fused.fusion == Double(FusionEncoder.defaultTapeBudget))
        #expect(fused.description.contains("fusion 1.5 GiB"))
        config.fusionBlocks = 0
        #expect(TrainingMemory(nodes: 1000, edges: 16_000, items: 400, config: config, mode: .history).fusion == 0)
        config.fusionBlocks = 3
        config.modalities = .none
        #expect(TrainingMemory(nodes: 1000, edges: 16_000, items: 400, config: config, mode: .history).fusion == 0)
    }
}
