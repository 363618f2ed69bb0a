@testable import KGRecModel
import KGRecTensor
import Testing

@Suite struct ModalityChannelTests {
    @Test func layer0RowsEqualTheGatheredWholeTableWithTheSameGradients() throws {
        let (graph, features) = TinyGraph.make()
        let model = try MultiKG4Rec(config: TinyGraph.smallConfig(), graph: graph, features: features)
        let nodes: [Int32] = [0, 5, 7, 8, 12]  // visual+text item, text-only item, text attribute, bare attribute, user
        for channel in model.channels {
            func run(_ rows: (Tape) -> Tape.Var) -> (Matrix, [Matrix]) {
                for p in channel.parameters { p.grad.zero() }
                let tape = Tape()
                let y = rows(tape)
                tape.backward(from: ParameterGradientCheck.project(tape, y, seed: 5))
                defer { for p in channel.parameters { p.grad.zero() } }
                return (tape.value(y), channel.parameters.map(\.grad))
            }
            let local = run { channel.layer0Rows($0, nodes) }
            let whole = run { $0.gatherRows(channel.layer0($0), nodes) }
            #expect(zip(local.0.data, whole.0.data).allSatisfy { abs($0 - $1) < 1e-6 }, "\(channel.name)")
            for (a, b) in zip(local.1, whole.1) {
                #expect(zip(a.data, b.data).allSatisfy { abs($0 - $1) < 1e-6 }, "\(channel.name)")
            }
            #expect(local.1.contains { $0.data.contains { $0 != 0 } })
        }
    }
}
