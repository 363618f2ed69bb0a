import KGRecModel

extension ModelConfig {
    /// The architecture and optimiser flags every model command shares (`kgrec train`, `eval`,
    /// `ablate`, `align`): each flag present overrides the field, absent flags keep it.
    mutating func apply(architectureFlags f: ModelFlags) throws {
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
