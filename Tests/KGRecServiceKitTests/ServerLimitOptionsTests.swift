import GRPCHTTP2
import Testing
@testable import KGRecServiceKit

/// The transport limits every service exposes: flag, env var and default reach `ServerConfig`.
@Suite struct ServerLimitOptionsTests {
    let spec = ServiceConfigSpec(service: "graph", options: ConfigOption.common(port: 50062, adminPort: 9462)
                                 + ServerLimitOptions.configOptions())

    func serverConfig(_ args: [String], _ env: [String: String] = [:]) throws -> ServerConfig {
        guard case .run(let config) = try spec.parse(arguments: args, environment: env) else {
            Issue.record("expected a configuration"); throw ConfigError(.unexpectedArgument, "not run")
        }
        return try ServerLimitOptions.serverConfig(config)
    }

    @Test func hardeningLimitsHaveDefaultsFlagsAndEnvVars() throws {
        let d = try serverConfig([])
        #expect(d.maxResetsPerWindow == ServerConfig.defaults.maxResetsPerWindow)
        #expect(d.maxBufferedOutputBytesPerConnection == ServerConfig.defaults.maxBufferedOutputBytesPerConnection)
        #expect(d.keepaliveTimeout == ServerConfig.defaults.keepaliveTimeout)
        let f = try serverConfig(["--max-resets-per-second", "50", "--max-connection-output", "2MiB",
                                  "--keepalive-timeout", "5s", "--max-connection-input", "64MiB"])
        #expect(f.maxResetsPerWindow == 50 && f.resetWindow == .seconds(1))
        #expect(f.maxBufferedOutputBytesPerConnection == 2 << 20 && f.keepaliveTimeout == .seconds(5))
        #expect(f.maxBufferedRequestBytesPerConnection == 64 << 20)
        #expect(d.maxBufferedRequestBytesPerConnection == ServerConfig.defaults.maxBufferedRequestBytesPerConnection)
        let e = try serverConfig([], ["KGREC_GRAPH_MAX_RESETS_PER_SECOND": "7", "KGREC_GRAPH_MAX_CONNECTION_OUTPUT": "64KiB"])
        #expect(e.maxResetsPerWindow == 7 && e.maxBufferedOutputBytesPerConnection == 64 << 10)
        #expect(throws: ConfigError.self) { try serverConfig(["--max-resets-per-second", "0"]) }
        #expect(throws: ConfigError.self) { try serverConfig(["--keepalive-timeout", "0"]) }
        #expect(throws: ConfigError.self) { try serverConfig(["--max-connection-input", "16MiB"]) }  // = message size
    }
}
