/// One item to encode (the encoder stage's input).
///
/// Node indices are those of the checkpoint's collaborative KG (`CollaborativeKG` layout of the
/// trained graph: items `[0, I)`, attributes `[I, I + A)`, users `[I + A, N)`).
public enum EncodeInput: Sendable, Equatable {
    /// A trained item `[0, I)`: position 0 of its sequence is its own layer-0 row (projected raw
    /// content from the feature store, or its ID embedding where a modality is missing).
    /// `neighbours` nil = the trained BFS sequence; otherwise the nodes after the item, nearest first
    /// (cut to the model's sequence length − 1).
    case known(item: Int, neighbours: [Int32]? = nil)
    /// A cold item with raw content: per modality `LeakyReLU(raw W + b)`, or a zero vector where the
    /// modality is absent (a cold item has no trained ID embedding), then fused over `neighbours`.
    case cold(raw: RawContent, neighbours: [Int32])
}

/// Raw per-modality content of a cold item; nil = the modality is absent (normal).
/// Widths must equal the checkpoint's raw widths (`ServingModel.rawWidth(of:)`).
public struct RawContent: Sendable, Equatable {
    public var visual: [Float]?
    public var text: [Float]?
    /// The item's raw text, in place of a `text` vector (never both): an encoder service with a
    /// text model (`kgrec-encoder --text-model`) embeds it into `text` before the encoder stage,
    /// which refuses raw text it was not given as a vector.
    public var rawText: String?

    public init(visual: [Float]? = nil, text: [Float]? = nil, rawText: String? = nil) {
        self.visual = visual
        self.text = text
        self.rawText = rawText
    }

    public subscript(m: Modality) -> [Float]? {
        get { m == .visual ? visual : text }
        set { if m == .visual { visual = newValue } else { text = newValue } }
    }
}

/// The encoder stage's output for one item: per channel (in `ServingModel.channelNames` order) the
/// fused `[d]` vector, i.e. position 0 of the fusion output (the layer-0 vector when the model has
/// no fusion).
public struct FusedItem: Sendable, Equatable {
    public var channels: [[Float]]

    public init(channels: [[Float]]) { self.channels = channels }
}

/// A serving-stage input the model cannot take: a `code` saying which kind, the index of the
/// offending input (nil when the whole call is wrong) and what is wrong. The services send
/// `description` ("item K: …") to the client as INVALID_ARGUMENT.
public struct ServingInputError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String {
            case unknownItem = "unknown item"
            case unknownNode = "unknown node"
            case textNotEmbedded = "text not embedded"
            case noProjection = "no projection"
            case wrongWidth = "wrong width"
            case wrongShape = "wrong shape"
        }
        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// An item index outside the model's items.
        public static let unknownItem = Code(.unknownItem)
        /// A neighbour outside the graph's nodes (or a padding index where a node is needed).
        public static let unknownNode = Code(.unknownNode)
        /// Raw text that no encoder service with a text model has turned into a vector yet.
        public static let textNotEmbedded = Code(.textNotEmbedded)
        /// A raw vector of a modality the model has no projection for.
        public static let noProjection = Code(.noProjection)
        /// A raw vector of another width than the checkpoint's projection takes.
        public static let wrongWidth = Code(.wrongWidth)
        /// Fused vectors or item tables whose count or shape differs from the model's.
        public static let wrongShape = Code(.wrongShape)

        public var description: String { kind.rawValue }
    }

    public let code: Code
    /// The index of the offending input in the call, nil when the call as a whole is wrong.
    public let item: Int?
    public let message: String

    public init(_ code: Code, item: Int?, _ message: String) {
        self.code = code
        self.item = item
        self.message = message
    }

    public var description: String { item.map { "item \($0): \(message)" } ?? message }
}
