/// A problem with input data: a `code` saying which kind (what callers and tests switch on), the
/// file, the 1-based line (0 when not line-specific), what is wrong, and the error behind it, if
/// any. Loaders throw this instead of crashing on malformed input.
public struct DataError: Error, CustomStringConvertible, Equatable, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String {
            case unreadable = "unreadable"
            case unwritable = "unwritable"
            case malformed = "malformed"
            case corrupt = "corrupt"
            case unsupported = "unsupported"
            case unknownID = "unknown id"
            case duplicate = "duplicate"
            case inconsistent = "inconsistent"
            case invalidValue = "invalid value"
        }
        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// A file or directory that is missing or cannot be read or listed.
        public static let unreadable = Code(.unreadable)
        /// A file or directory that cannot be created, written or moved into place.
        public static let unwritable = Code(.unwritable)
        /// Text or a header that does not parse, or a dataset without the parts its format needs:
        /// a ragged line, a non-integer id, a missing column or key, an unknown key, no interactions.
        public static let malformed = Code(.malformed)
        /// Damaged bytes of a binary file: truncated, sizes that do not add up, a failed CRC-32.
        public static let corrupt = Code(.corrupt)
        /// A file of another format (its magic bytes missing), version, dtype, layout or model kind
        /// than the reader takes.
        public static let unsupported = Code(.unsupported)
        /// An id, token or (user, item) pair the dataset or knowledge graph does not hold.
        public static let unknownID = Code(.unknownID)
        /// An id, pair or name given twice where it must be unique.
        public static let duplicate = Code(.duplicate)
        /// Pieces that are each valid but disagree: counts, widths or kinds between files, a
        /// checkpoint and the data, or what the run needs and what the data has.
        public static let inconsistent = Code(.inconsistent)
        /// A setting or field outside its range or its set of allowed values.
        public static let invalidValue = Code(.invalidValue)

        public var description: String { kind.rawValue }
    }

    public let code: Code
    public let file: String
    public let line: Int
    public let message: String
    public let cause: (any Error)?

    public init(_ code: Code, file: String, line: Int = 0, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.file = file
        self.line = line
        self.message = message
        self.cause = cause
    }

    public var description: String {
        line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)"
    }

    /// Same code, file, line and message (the cause is not compared).
    public static func == (a: Self, b: Self) -> Bool {
        a.code == b.code && a.file == b.file && a.line == b.line && a.message == b.message
    }
}
