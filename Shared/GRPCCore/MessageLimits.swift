/// Every message-size limit in KGRec, in one place. Flags (`--max-message-size`) and configs
/// (`ServerConfig`, `ClientConfig`) take their defaults from here; docs/operations.md lists them.
public enum MessageLimits {
    /// gRPC's default largest message either way (grpc-core, grpcio, grpc-go): 4 MiB. The
    /// transport's default for `ServerConfig` and `ClientConfig`, and the ranker's
    /// `--max-message-size` default (its clients are grpcio-like callers).
    public static let grpcDefault = 4 << 20
    /// The encoder's and graph's `--max-message-size` default (16 MiB): EncodeStream and
    /// GetEmbeddings carry batches.
    public static let serviceDefault = 16 << 20
    /// The internal channels that carry whole batches (graph → encoders both ways, ranker ← graph
    /// ExportEmbeddings and GetEmbeddings answers): 64 MiB.
    public static let internalChannel = 64 << 20
    /// Most bytes of one ExportEmbeddings batch (3.5 MB, under `grpcDefault` with room for the
    /// message's framing), so any client with default limits can read the export.
    public static let exportBatch = 3_500_000
}
