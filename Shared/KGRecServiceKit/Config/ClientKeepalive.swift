import GRPCHTTP2

/// HTTP/2 keepalive of a service's client channel to the service it calls (ranker→graph,
/// graph→encoder): a PING after `interval` without reading anything; no answer within `timeout`
/// drops the connection, its calls fail UNAVAILABLE and the next call reconnects. Without it a
/// silently dead peer keeps the connection "ready" until TCP gives up.
public struct ClientKeepalive: Sendable, Equatable {
    public var interval: Duration
    public var timeout: Duration

    public init(interval: Duration = .seconds(10), timeout: Duration = .seconds(5)) {
        self.interval = interval
        self.timeout = timeout
    }

    /// `--<peer>-keepalive-interval` and `--<peer>-keepalive-timeout`.
    public static func configOptions(peer: String) -> [ConfigOption] {
        let d = ClientKeepalive()
        return [
            .duration("\(peer)-keepalive-interval", default: d.interval,
                      help: "PING the \(peer) service after this long without reading from it."),
            .duration("\(peer)-keepalive-timeout", default: d.timeout,
                      help: "Drop the \(peer) connection (its calls UNAVAILABLE, the next reconnects) when a PING is not answered within this."),
        ]
    }

    /// Reads and checks the options declared by `configOptions(peer:)`.
    public init(config: ServiceConfig, peer: String) throws(ConfigError) {
        for name in ["\(peer)-keepalive-interval", "\(peer)-keepalive-timeout"] {
            try config.check(name, expected: "a positive duration") {
                if case .duration(let d) = $0 { return d > .zero }
                return false
            }
        }
        self.init(interval: config.duration("\(peer)-keepalive-interval"),
                  timeout: config.duration("\(peer)-keepalive-timeout"))
    }

    public func apply(to config: inout ClientConfig) {
        config.keepaliveInterval = interval
        config.keepaliveTimeout = timeout
    }
}
