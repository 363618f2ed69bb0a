import KGRecModel

extension ModelConfig {
    /// The flags `apply(architectureFlags:)` reads, their defaults those of `defaults` (the
    /// configuration the command starts from).
    static func architectureFlagSpecs(defaults d: ModelConfig = ModelConfig()) -> [CommandFlags.Spec] {
        [
            .init("lr", "Adam learning rate", default: d.learningRate),
            .init("dim", "embedding size d", default: d.embeddingSize),
            .init("layers", "propagation layer sizes", default: d.layerSizes),
            .init("fusion-blocks", "fusion blocks", default: d.fusionBlocks),
            .init("heads", "attention heads", default: d.heads),
            .init("seq-len", "BFS sequence length n", default: d.sequenceLength),
            .init("dropout", "message dropout", default: d.messageDropout),
            .init("edge-dropout", "edge dropout per epoch", default: d.edgeDropout),
        ]
    }

    /// The architecture and optimiser flags every model command shares (`kgrec train`, `eval`,
    /// `ablate`, `align`): each flag present overrides the field, absent flags keep it.
    mutating func apply(architectureFlags f: CommandFlags) throws {
        if let v = f.double("lr") { learningRate = Float(v) }
        if let v = f.int("dim") { embeddingSize = v }
        if let v = f.ints("layers") { layerSizes = v }
        if let v = f.int("fusion-blocks") { fusionBlocks = v }
        if let v = f.int("heads") { heads = v }
        if let v = f.int("seq-len") { sequenceLength = v }
        if let v = f.double("dropout") { messageDropout = Float(v) }
        if let v = f.double("edge-dropout") { edgeDropout = Float(v) }
    }
}
