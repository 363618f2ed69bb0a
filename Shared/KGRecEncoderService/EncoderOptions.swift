import GRPCHTTP2
import KGRecServiceKit

/// The encoder's own settings (beside the common service options), with the defaults the
/// executable declares. Tests build it directly; `kgrec-encoder` reads it from flags and env.
public struct EncoderOptions: DefaultedOptions {
    /// Checkpoint (.safetensors) written by `kgrec train`.
    public var checkpoint = ""
    /// Dataset directory overriding the one recorded in the checkpoint (for the feature store).
    public var data: String?
    /// Most items in one Encode/EncodeStream request (more: INVALID_ARGUMENT).
    public var maxItems = 4096
    /// Threads encoding at once, across all calls (0 = one per core).
    public var workers = 0
    /// Items per unit of parallel work: a request larger than this is split across workers.
    public var chunkSize = 64
    /// EncodeStream requests encoded ahead of the one being written (pipelining).
    public var streamWindow = 4
    /// Sentence-encoder folder (scripts/fetch-minilm.sh) that embeds items' `raw_text`; nil = raw
    /// text is refused. Must be the model the checkpoint's text features came from.
    public var textModel: String?
    /// Most `raw_text` bytes of one item (more: INVALID_ARGUMENT).
    public var maxTextBytesPerItem = 16 * 1024
    /// Most `raw_text` bytes of one request, all items together (more: RESOURCE_EXHAUSTED).
    public var maxTextBytesPerRequest = 1 << 20

    public init() {}

    /// The encoder's options, each bound to its field (defaults are the fields' initial values).
    static let bound: [BoundOption<EncoderOptions>] = [
        .string("checkpoint", \.checkpoint, required: true, help: "Checkpoint (.safetensors) written by kgrec train."),
        .optionalString("data", \.data,
                        help: "Dataset directory with the raw feature store (default: the one recorded in the checkpoint)."),
        .int("max-items", \.maxItems, .positive, help: "Most items per Encode request (more: INVALID_ARGUMENT)."),
        .int("workers", \.workers, .nonNegative,
             help: "Threads encoding at once across all calls (0 = one per core)."),
        .int("chunk-size", \.chunkSize, .positive, help: "Items per parallel work unit within one request."),
        .int("stream-window", \.streamWindow, .positive, help: "EncodeStream requests encoded ahead of the one being answered."),
        .optionalString("text-model", \.textModel,
                        help: "Sentence-encoder folder that embeds raw_text (the checkpoint's text model; default: refuse raw text)."),
        .int("max-text-bytes", \.maxTextBytesPerItem, .positive, help: "Most raw_text bytes per item (more: INVALID_ARGUMENT)."),
        .int("max-request-text-bytes", \.maxTextBytesPerRequest, .positive,
             help: "Most raw_text bytes per request (more: RESOURCE_EXHAUSTED)."),
    ]

    public static let configOptions: [ConfigOption] = bound.configOptions() + ServerLimitOptions.configOptions()

    public init(config: ServiceConfig) throws(ConfigError) {
        self.init()
        try Self.bound.read(config, into: &self)
    }

    /// `workers`, with 0 resolved to the core count.
    var resolvedWorkers: Int { workers > 0 ? workers : ServerConfig.coreCount }
}
