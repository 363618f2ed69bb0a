import GRPCCore
import GRPCHTTP2
import Synchronization
import Testing
@testable import KGRecServiceKit

/// A hosted service whose `load` waits for `gate` (and then fails when `fails`), counting stops.
private struct GatedService: HostedService {
    let gate = EventCounter()
    let stops = EventCounter()
    var fails = false

    var healthName: String { "test.v1.Gated" }
    var loadingReason: String { "loading test state" }
    func services(serverConfig: ServerConfig) -> [any RPCService] { [] }

    func load() async throws {
        await gate.wait(untilCount: 1)
        if fails { throw TestFailure("load failed on purpose") }
    }

    func stop() async { stops.signal() }
}

@Suite struct ServiceHostTests {
    private static func host(_ service: GatedService, readiness: Readiness,
                             onLoadFailure: (@Sendable (any Error) -> Void)? = nil) -> ServiceHost<GatedService>
    {
        var config = ServerConfig()
        config.host = "127.0.0.1"
        config.eventLoops = 1
        return ServiceHost(service, serverConfig: config, readiness: readiness, onLoadFailure: onLoadFailure)
    }

    @Test func healthAndReadinessTurnServingOnlyWhenLoadReturns() async throws {
        let service = GatedService()
        let readiness = Readiness()
        let host = Self.host(service, readiness: readiness)
        try host.start()
        #expect(host.health.status(of: "test.v1.Gated") == .notServing)
        #expect(host.health.status(of: "") == .notServing)
        #expect(readiness.current == (false, "loading test state"))
        service.gate.signal()
        await host.waitUntilLoaded()
        #expect(host.health.status(of: "test.v1.Gated") == .serving)
        #expect(host.health.status(of: "") == .serving)
        #expect(readiness.isReady)
        await host.stop(grace: .zero)
        #expect(host.health.status(of: "test.v1.Gated") == .notServing)
        #expect(service.stops.count == 1)
    }

    @Test func aFailedLoadStaysNotServingAndReachesOnLoadFailure() async throws {
        var service = GatedService()
        service.fails = true
        let readiness = Readiness()
        let failures = Mutex<[String]>([])
        let host = Self.host(service, readiness: readiness) { error in failures.withLock { $0.append("\(error)") } }
        try host.start()
        service.gate.signal()
        await host.waitUntilLoaded()
        #expect(failures.withLock { $0 } == ["load failed on purpose"])
        #expect(host.health.status(of: "test.v1.Gated") == .notServing)
        #expect(readiness.current == (false, "load failed: load failed on purpose"))
        await host.stop(grace: .zero)
    }

    @Test func stoppingBeforeTheLoadFinishesNeverTurnsServing() async throws {
        let service = GatedService()
        let readiness = Readiness()
        let host = Self.host(service, readiness: readiness)
        try host.start()
        await host.stop(grace: .zero)
        await host.waitUntilLoaded()
        #expect(host.health.status(of: "test.v1.Gated") == .notServing)
        #expect(!readiness.isReady)
        #expect(service.stops.count == 1)
    }
}
