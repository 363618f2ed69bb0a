import GRPCCore
import GRPCHTTP2

extension ServerConfig: DefaultedOptions {}

/// The gRPC server limits every service exposes as flags (`--max-message-size`,
/// `--max-concurrent-streams`, `--max-connections`, `--max-resets-per-second`,
/// `--max-connection-input`, `--max-connection-output`, `--keepalive-timeout`,
/// `--stream-progress-timeout`), bound to the `ServerConfig` fields they set; `serverConfig`
/// makes the config from them and the common `--host` and `--port`.
public enum ServerLimitOptions {
    /// - Parameter maxMessageSize: the service's default for `--max-message-size` (bytes).
    public static func configOptions(maxMessageSize: Int = MessageLimits.serviceDefault) -> [ConfigOption] {
        bound(maxMessageSize: maxMessageSize).configOptions()
    }

    /// `host`, `port` and the limits from `config` (options `common` + `configOptions`).
    public static func serverConfig(_ config: ServiceConfig) throws(ConfigError) -> ServerConfig {
        var s = ServerConfig()
        s.host = config.string("host")
        s.port = config.int("port")
        s.resetWindow = .seconds(1)
        try bound(maxMessageSize: MessageLimits.serviceDefault).read(config, into: &s)
        return s
    }

    private static func bound(maxMessageSize: Int) -> [BoundOption<ServerConfig>] {
        [
            BoundOption(.size("max-message-size", default: maxMessageSize, rule: .positive,
                              help: "Largest request or response message (larger ones get RESOURCE_EXHAUSTED).")) {
                config, option, s throws(ConfigError) in
                s.maxReceiveMessageSize = config.size(option.name)
                s.maxSendMessageSize = s.maxReceiveMessageSize
            },
            .int("max-concurrent-streams", \.maxConcurrentStreams, .positive, help: "Concurrent calls per HTTP/2 connection."),
            .int("max-connections", \.maxConnections, .positive, help: "Open client connections; more are refused."),
            .int("max-resets-per-second", \.maxResetsPerWindow, .positive,
                 help: "RST_STREAMs of unanswered calls one connection may send per second (more: GOAWAY ENHANCE_YOUR_CALM)."),
            // Checked against --max-message-size, read before it.
            BoundOption(.size("max-connection-input", default: ServerConfig.defaults.maxBufferedRequestBytesPerConnection,
                              help: "Request bytes one connection may buffer, partial messages included (more: RESOURCE_EXHAUSTED); above --max-message-size.")) {
                config, option, s throws(ConfigError) in
                let messageSize = s.maxReceiveMessageSize
                try config.check(option.name, expected: "more than --max-message-size (\(messageSize) bytes)") {
                    $0.int > messageSize + 5
                }
                s.maxBufferedRequestBytesPerConnection = config.size(option.name)
            },
            .size("max-connection-output", \.maxBufferedOutputBytesPerConnection, .positive,
                  help: "Response bytes one connection may hold unsent before new calls on it wait."),
            .duration("keepalive-timeout", \.keepaliveTimeout, .positive,
                      help: "Close a connection whose keepalive PING (or final GOAWAY) is not taken up within this."),
            BoundOption(.duration("stream-progress-timeout", default: ServerConfig.defaults.streamProgressTimeout!, rule: .positive,
                                  help: "RST_STREAM(CANCEL) a call whose peer neither sends its open request nor takes its queued response for this long.")) {
                config, option, s throws(ConfigError) in
                s.streamProgressTimeout = config.duration(option.name)
            },
        ]
    }
}
