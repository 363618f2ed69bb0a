/// A problem with a text model folder, its files or the text given to it: a `code` saying which
/// kind (what callers and tests switch on) and a message naming the file (or the input) and what
/// is wrong.
public struct TextModelError: Error, CustomStringConvertible, Equatable, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String {
            case missingFile = "missing file"
            case malformed = "malformed"
            case unsupported = "unsupported"
            case shapeMismatch = "shape mismatch"
            case invalidValue = "invalid value"
            case noTextModality = "no text modality"
            case unrecordedModel = "unrecorded model"
            case otherModel = "other model"
        }
        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// The model folder or one of its files is missing or cannot be read.
        public static let missingFile = Code(.missingFile)
        /// A file that does not parse or lacks what it must hold: JSON, UTF-8, a key, a special token.
        public static let malformed = Code(.malformed)
        /// A model, tokenizer, pooling or width other than the BERT pipeline the encoder implements.
        public static let unsupported = Code(.unsupported)
        /// Weights that do not fit `config.json` or the vocabulary: a tensor missing or of another shape.
        public static let shapeMismatch = Code(.shapeMismatch)
        /// A setting outside its range (a maximum length with no room for `[CLS]` and `[SEP]`).
        public static let invalidValue = Code(.invalidValue)
        /// A text model given for a checkpoint without a text modality.
        public static let noTextModality = Code(.noTextModality)
        /// A checkpoint that records no text model, so nothing can check the given one against it.
        public static let unrecordedModel = Code(.unrecordedModel)
        /// A text model other than the one (by hash or width) the checkpoint's text features came from.
        public static let otherModel = Code(.otherModel)

        public var description: String { kind.rawValue }
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
