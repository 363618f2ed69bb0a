@testable import KGRecCLI
@testable import KGRecModel
import Testing

/// `kgrec breakdown`'s listing: per user, the top items with each score split into its visual and
/// text parts, which needs a model with both channels.
@Suite struct BreakdownCommandTests {
    @Test func aModelWithoutVisualAndTextChannelsIsAnUnsupportedModelError() throws {
        let f = try ServingFixture(steps: 0)
        #expect(try BreakdownCommand.render(dataset: f.dataset, model: f.model, users: [0], k: 3).contains("visual"))
        let idOnly = BPRMatrixFactorization(config: ModelConfig(), userCount: f.dataset.userCount, itemCount: f.dataset.itemCount)
        let error = #expect(throws: ModelError.self) {
            try BreakdownCommand.render(dataset: f.dataset, model: idOnly, users: [0], k: 3)
        }
        #expect(error?.code == .unsupported)
    }
}
