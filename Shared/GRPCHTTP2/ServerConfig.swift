import GRPCCore
import KGRecPOSIX

/// Everything configurable about a `GRPCServer`, with documented defaults (`.defaults`).
public struct ServerConfig: Sendable {
    /// Address to bind. Default `0.0.0.0`.
    public var host = "0.0.0.0"
    /// Port to bind; 0 picks a free one (read it back from `GRPCServer.port`). Default 0.
    public var port = 0
    /// Event loops (threads), each with its own SO_REUSEPORT listener. Default: one per core.
    public var eventLoops = ServerConfig.coreCount

    /// Largest request message payload accepted (RESOURCE_EXHAUSTED above). Default 4 MiB.
    public var maxReceiveMessageSize = MessageLimits.grpcDefault
    /// Largest response message payload sent (the call fails with RESOURCE_EXHAUSTED above).
    /// Default 4 MiB.
    public var maxSendMessageSize = MessageLimits.grpcDefault
    /// SETTINGS_MAX_CONCURRENT_STREAMS: streams one client may have open at once. Default 100.
    public var maxConcurrentStreams = 100
    /// SETTINGS_MAX_HEADER_LIST_SIZE and the enforced limit on a request's header block
    /// (decoded name + value + 32 per field); above it the stream is refused. Default 16 KiB.
    public var maxHeaderListSize = 16 << 10
    /// Connections open at once across the server; extra connections are accepted and closed at
    /// once (the client sees the connection end). Default 4096.
    public var maxConnections = 4096

    /// A connection with no open stream for this long gets GOAWAY and is closed. nil = never.
    /// Default 5 minutes.
    public var idleTimeout: Duration? = .seconds(300)
    /// Send a PING after this long without reading anything. nil = never. Default 2 minutes.
    public var keepaliveInterval: Duration? = .seconds(120)
    /// Close the connection when a keepalive PING is not acknowledged within this. Default 20 s.
    public var keepaliveTimeout: Duration = .seconds(20)
    /// A stream waiting on its peer (request still open and nothing received on it, or response
    /// bytes the peer's flow-control window holds back and nothing sent) for this long gets
    /// RST_STREAM(CANCEL); its handler is cancelled. Detected within 1.5× this. nil = never.
    /// Default 60 s (nginx's client_body_timeout / send_timeout).
    public var streamProgressTimeout: Duration? = .seconds(60)

    /// SETTINGS_INITIAL_WINDOW_SIZE: bytes a client may send on one stream before we consume
    /// them. Default 256 KiB.
    public var streamWindowSize = 256 << 10
    /// Connection-level receive window. Default 1 MiB.
    public var connectionWindowSize = 1 << 20
    /// Request bytes queued for a streaming handler that it has not taken yet; beyond this we stop
    /// returning flow-control credit, so a slow handler throttles its client. Default 256 KiB.
    public var maxBufferedRequestBytesPerStream = 256 << 10
    /// Request bytes one connection may hold across its streams, partial messages included (a
    /// message's credit is returned as it arrives, so without this 100 streams could each park
    /// most of a `maxReceiveMessageSize` message). The DATA that passes it fails its call with
    /// RESOURCE_EXHAUSTED. Must exceed `maxReceiveMessageSize`. Default 32 MiB.
    public var maxBufferedRequestBytesPerConnection = 32 << 20
    /// Response bytes queued on one stream before `RPCWriter.write` suspends. Default 256 KiB.
    public var maxBufferedResponseBytesPerStream = 256 << 10
    /// Output bytes pending on one connection's socket; beyond this the connection stops reading
    /// and producing until the client reads. Default 1 MiB.
    public var maxBufferedOutputBytesPerConnection = 1 << 20

    /// Rapid-reset protection: more than `maxResetsPerWindow` RST_STREAM frames from a client
    /// within `resetWindow` → GOAWAY(ENHANCE_YOUR_CALM) and close. Only resets of streams we had
    /// not started answering count (cancelling an answered call is ordinary). Default 200 per 1 s.
    public var maxResetsPerWindow = 200
    public var resetWindow: Duration = .seconds(1)

    public init() {}

    public static let defaults = ServerConfig()

    /// Online CPUs (at least 1).
    public static var coreCount: Int { max(1, Int(SystemInfo.onlineCPUs)) }
}
