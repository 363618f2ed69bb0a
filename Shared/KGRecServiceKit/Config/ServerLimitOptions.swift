import GRPCHTTP2

/// The gRPC server limits every service exposes as flags (`--max-message-size`,
/// `--max-concurrent-streams`, `--max-connections`), and the `ServerConfig` they make together
/// with the common `--host` and `--port`.
public enum ServerLimitOptions {
    /// - Parameter maxMessageSize: the service's default for `--max-message-size` (bytes).
    public static func configOptions(maxMessageSize: Int = 16 << 20) -> [ConfigOption] {
        [
            .size("max-message-size", default: maxMessageSize,
                  help: "Largest request or response message (larger ones get RESOURCE_EXHAUSTED)."),
            .int("max-concurrent-streams", default: ServerConfig.defaults.maxConcurrentStreams,
                 help: "Concurrent calls per HTTP/2 connection."),
            .int("max-connections", default: ServerConfig.defaults.maxConnections,
                 help: "Open client connections; more are refused."),
        ]
    }

    /// `host`, `port` and the limits from `config` (options `common` + `configOptions`).
    public static func serverConfig(_ config: ServiceConfig) throws(ConfigError) -> ServerConfig {
        for name in ["max-message-size", "max-concurrent-streams", "max-connections"] {
            try config.check(name, expected: "a positive value") { $0.int > 0 }
        }
        var s = ServerConfig()
        s.host = config.string("host")
        s.port = config.int("port")
        s.maxReceiveMessageSize = config.size("max-message-size")
        s.maxSendMessageSize = config.size("max-message-size")
        s.maxConcurrentStreams = config.int("max-concurrent-streams")
        s.maxConnections = config.int("max-connections")
        return s
    }
}
