import KGRecModel

extension ModelConfig {
    /// The flags `apply(architectureFlags:)` reads; `learningRate` is the command's default as shown in help.
    static func architectureFlagSpecs(learningRate: String) -> [CommandFlags.Spec] {
        [
            .init("lr", "Adam learning rate (default \(learningRate))"),
            .init("dim", "embedding size d (default 64)"),
            .init("layers", "propagation layer sizes (default 64,32,16)"),
            .init("fusion-blocks", "fusion blocks (default 3)"),
            .init("heads", "attention heads (default 8)"),
            .init("seq-len", "BFS sequence length n (default 8)"),
            .init("dropout", "message dropout (default 0.1)"),
            .init("edge-dropout", "edge dropout per epoch (default 0)"),
        ]
    }

    /// The architecture and optimiser flags every model command shares (`kgrec train`, `eval`,
    /// `ablate`, `align`): each flag present overrides the field, absent flags keep it.
    mutating func apply(architectureFlags f: CommandFlags) throws {
        if let v = try f.double("lr") { learningRate = Float(v) }
        if let v = try f.int("dim") { embeddingSize = v }
        if let v = try f.ints("layers") { layerSizes = v }
        if let v = try f.int("fusion-blocks") { fusionBlocks = v }
        if let v = try f.int("heads") { heads = v }
        if let v = try f.int("seq-len") { sequenceLength = v }
        if let v = try f.double("dropout") { messageDropout = Float(v) }
        if let v = try f.double("edge-dropout") { edgeDropout = Float(v) }
    }
}
