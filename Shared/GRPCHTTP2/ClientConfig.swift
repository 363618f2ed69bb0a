import GRPCCore

/// Everything configurable about a `GRPCChannel`, with documented defaults (`.defaults`).
public struct ClientConfig: Sendable {
    /// HTTP/2 connections the channel spreads calls over (round-robin). Default 1.
    public var connections = 1
    /// A connect attempt that takes longer fails its calls with UNAVAILABLE. Default 5 s.
    public var connectTimeout: Duration = .seconds(5)
    /// Largest response message payload accepted (RESOURCE_EXHAUSTED above). Default 4 MiB.
    public var maxReceiveMessageSize = MessageLimits.grpcDefault
    /// Largest request message payload sent (the call fails with RESOURCE_EXHAUSTED). Default 4 MiB.
    public var maxSendMessageSize = MessageLimits.grpcDefault
    /// SETTINGS_INITIAL_WINDOW_SIZE we grant the server per stream. Default 1 MiB.
    public var streamWindowSize = 1 << 20
    /// Connection-level receive window. Default 4 MiB.
    public var connectionWindowSize = 4 << 20
    /// Response bytes queued for the caller before we withhold flow-control credit. Default 1 MiB.
    public var maxBufferedResponseBytesPerCall = 1 << 20
    /// Request bytes queued on one call before `send` suspends. Default 256 KiB.
    public var maxBufferedRequestBytesPerCall = 256 << 10
    /// Send a PING after this long without reading anything while calls are open; nil = never.
    /// Default nil.
    public var keepaliveInterval: Duration?
    /// Drop the connection (its calls fail with UNAVAILABLE) when a keepalive PING is not
    /// acknowledged within this. Default 20 s.
    public var keepaliveTimeout: Duration = .seconds(20)
    /// Largest response headers + trailers of one call, counted as name + value + 32 per field;
    /// more fails the call with RESOURCE_EXHAUSTED (and resets the stream). Default 64 KiB.
    public var maxResponseHeaderListSize = 64 << 10
    /// `:authority` to send; default `host:port`.
    public var authority: String?

    public init() {}

    public static let defaults = ClientConfig()
}
