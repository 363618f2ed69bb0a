import KGRecModel

/// The model variants of the paper's ablation tables, selectable with `--ablation`.
enum Ablation: String, CaseIterable {
    case full, woV = "wo-v", woT = "wo-t", woTV = "wo-tv", t2v, v2t

    /// The paper-style row label.
    var label: String {
        switch self {
        case .full: return "Multi-KG4Rec"
        case .woV: return "w/o v"
        case .woT: return "w/o t"
        case .woTV: return "w/o t&v (KGAT)"
        case .t2v: return "text→visual only"
        case .v2t: return "visual→text only"
        }
    }

    func apply(to c: inout ModelConfig) {
        switch self {
        case .full: c.modalities = .both; c.fusion = .bidirectional
        case .woV: c.modalities = .textOnly
        case .woT: c.modalities = .visualOnly
        case .woTV: c.modalities = .none
        case .t2v: c.modalities = .both; c.fusion = .textToVisual
        case .v2t: c.modalities = .both; c.fusion = .visualToText
        }
    }
}
