import GRPCHTTP2

/// HTTP/2 keepalive of a service's client channel to the service it calls (ranker→graph,
/// graph→encoder): a PING after `interval` without reading anything; no answer within `timeout`
/// drops the connection, its calls fail UNAVAILABLE and the next call reconnects. Without it a
/// silently dead peer keeps the connection "ready" until TCP gives up.
public struct ClientKeepalive: DefaultedOptions, Equatable {
    public var interval: Duration
    public var timeout: Duration

    public init() { self.init(interval: .seconds(10), timeout: .seconds(5)) }

    public init(interval: Duration, timeout: Duration) {
        self.interval = interval
        self.timeout = timeout
    }

    /// `--<peer>-keepalive-interval` and `--<peer>-keepalive-timeout`, bound to the two fields
    /// (lift them into a service's options with `BoundOption.lifted`).
    public static func bound(peer: String) -> [BoundOption<ClientKeepalive>] {
        [
            .duration("\(peer)-keepalive-interval", \.interval, .positive,
                      help: "PING the \(peer) service after this long without reading from it."),
            .duration("\(peer)-keepalive-timeout", \.timeout, .positive,
                      help: "Drop the \(peer) connection (its calls UNAVAILABLE, the next reconnects) when a PING is not answered within this."),
        ]
    }

    public func apply(to config: inout ClientConfig) {
        config.keepaliveInterval = interval
        config.keepaliveTimeout = timeout
    }
}
