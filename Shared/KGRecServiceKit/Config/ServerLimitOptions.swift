import GRPCCore
import GRPCHTTP2

/// The gRPC server limits every service exposes as flags (`--max-message-size`,
/// `--max-concurrent-streams`, `--max-connections`, `--max-resets-per-second`,
/// `--max-connection-input`, `--max-connection-output`, `--keepalive-timeout`,
/// `--stream-progress-timeout`), and the `ServerConfig` they make together
/// with the common `--host` and `--port`.
public enum ServerLimitOptions {
    /// - Parameter maxMessageSize: the service's default for `--max-message-size` (bytes).
    public static func configOptions(maxMessageSize: Int = MessageLimits.serviceDefault) -> [ConfigOption] {
        [
            .size("max-message-size", default: maxMessageSize,
                  help: "Largest request or response message (larger ones get RESOURCE_EXHAUSTED)."),
            .int("max-concurrent-streams", default: ServerConfig.defaults.maxConcurrentStreams,
                 help: "Concurrent calls per HTTP/2 connection."),
            .int("max-connections", default: ServerConfig.defaults.maxConnections,
                 help: "Open client connections; more are refused."),
            .int("max-resets-per-second", default: ServerConfig.defaults.maxResetsPerWindow,
                 help: "RST_STREAMs of unanswered calls one connection may send per second (more: GOAWAY ENHANCE_YOUR_CALM)."),
            .size("max-connection-input", default: ServerConfig.defaults.maxBufferedRequestBytesPerConnection,
                  help: "Request bytes one connection may buffer, partial messages included (more: RESOURCE_EXHAUSTED); above --max-message-size."),
            .size("max-connection-output", default: ServerConfig.defaults.maxBufferedOutputBytesPerConnection,
                  help: "Response bytes one connection may hold unsent before new calls on it wait."),
            .duration("keepalive-timeout", default: ServerConfig.defaults.keepaliveTimeout,
                      help: "Close a connection whose keepalive PING (or final GOAWAY) is not taken up within this."),
            .duration("stream-progress-timeout", default: ServerConfig.defaults.streamProgressTimeout!,
                      help: "RST_STREAM(CANCEL) a call whose peer neither sends its open request nor takes its queued response for this long."),
        ]
    }

    /// `host`, `port` and the limits from `config` (options `common` + `configOptions`).
    public static func serverConfig(_ config: ServiceConfig) throws(ConfigError) -> ServerConfig {
        for name in ["max-message-size", "max-concurrent-streams", "max-connections", "max-resets-per-second",
                     "max-connection-output"] {
            try config.check(name, expected: "a positive value") { $0.int > 0 }
        }
        var s = ServerConfig()
        s.host = config.string("host")
        s.port = config.int("port")
        s.maxReceiveMessageSize = config.size("max-message-size")
        s.maxSendMessageSize = config.size("max-message-size")
        s.maxConcurrentStreams = config.int("max-concurrent-streams")
        s.maxConnections = config.int("max-connections")
        s.maxResetsPerWindow = config.int("max-resets-per-second")
        s.resetWindow = .seconds(1)
        s.maxBufferedOutputBytesPerConnection = config.size("max-connection-output")
        let messageSize = s.maxReceiveMessageSize
        try config.check("max-connection-input", expected: "more than --max-message-size (\(messageSize) bytes)") {
            $0.int > messageSize + 5
        }
        s.maxBufferedRequestBytesPerConnection = config.size("max-connection-input")
        try config.check("keepalive-timeout", expected: "a positive duration") {
            if case .duration(let d) = $0 { return d > .zero }
            return false
        }
        s.keepaliveTimeout = config.duration("keepalive-timeout")
        try config.check("stream-progress-timeout", expected: "a positive duration") {
            if case .duration(let d) = $0 { return d > .zero }
            return false
        }
        s.streamProgressTimeout = config.duration("stream-progress-timeout")
        return s
    }
}
