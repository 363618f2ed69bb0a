import Foundation
import GRPCCore
import GRPCHTTP2
@testable import KGRecGraphService
import KGRecModel
import KGRecRankerService
import KGRecServiceKit
import KGRecServing
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The ranker→graph and graph→encoder keepalive comes from flags, and reaches the channel.
@Suite struct ClientKeepaliveOptionsTests {
    func config(_ service: String, _ options: [ConfigOption], _ args: [String]) throws -> ServiceConfig {
        let spec = ServiceConfigSpec(service: service, options: ConfigOption.common(port: 0, adminPort: -1) + options)
        guard case .run(let c) = try spec.parse(arguments: args, environment: [:]) else { throw ConfigError(.unexpectedArgument, "not run") }
        return c
    }

    /// A TCP listener that never accepts: connections complete, nothing ever answers.
    func silentListener() throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                bind(fd, sa, len) == 0 && listen(fd, 16) == 0 && getsockname(fd, sa, &len) == 0
            }
        }
        guard fd >= 0, ok else { throw RuntimeError(.listenFailed, "cannot listen on 127.0.0.1") }
        return (fd, Int(UInt16(bigEndian: addr.sin_port)))
    }

    @Test func keepaliveFlagsParseWithDefaultsAndRejectZero() throws {
        let ranker = try RankerOptions(config: config("ranker", RankerOptions.configOptions,
            ["--graph-keepalive-interval", "250ms", "--graph-keepalive-timeout", "1s"]))
        #expect(ranker.graphKeepalive == ClientKeepalive(interval: .milliseconds(250), timeout: .seconds(1)))
        let graph = try GraphOptions(config: config("graph", GraphOptions.configOptions, ["--checkpoint", "x", "--local-encoder"]))
        #expect(graph.encoderKeepalive == ClientKeepalive(interval: .seconds(10), timeout: .seconds(5)))
        #expect(throws: ConfigError.self) {
            try GraphOptions(config: config("graph", GraphOptions.configOptions,
                                            ["--checkpoint", "x", "--local-encoder", "--encoder-keepalive-timeout", "0s"]))
        }
    }

    @Test func theEncoderKeepaliveFlagsDecideWhenASilentEncoderIsGivenUp() async throws {
        let options = try GraphOptions(config: config("graph", GraphOptions.configOptions,
            ["--checkpoint", "x", "--local-encoder", "--encoder-keepalive-interval", "50ms", "--encoder-keepalive-timeout", "100ms"]))
        let fixture = try ServingFixture()
        let model = try ServingModel.load(checkpoint: fixture.checkpointPath)
        let (fd, port) = try silentListener()
        defer { close(fd) }
        // The request deadline (3 s) is below the default keepalive (10 s + 5 s): only the flags'
        // keepalive can end this call, and its error says so.
        let remote = try RemoteItemEncoding(targets: ["127.0.0.1:\(port)"], batchSize: 8, concurrency: 1,
                                            timeout: .seconds(3), attempts: 1, keepalive: options.encoderKeepalive)
        defer { remote.close() }
        await #expect { _ = try await remote.encode([.known(item: 0)], model: model) } throws: {
            guard let e = $0 as? RPCError else { return false }
            return e.code == .unavailable && e.message.contains("keepalive") && !e.message.contains("deadline")
        }
    }
}
