import KGRecPOSIX
import Testing
@testable import KGRecServiceKit

@Suite struct AdminServerTests {
    /// A running server on a free loopback port; stopped by the caller.
    func makeServer(limits: AdminServerLimits = .defaults) throws -> (AdminServer, Readiness, MetricsRegistry, Int) {
        let registry = MetricsRegistry()
        let readiness = Readiness()
        let server = AdminServer(host: "127.0.0.1", port: 0, routes: AdminRoutes(registry: registry, readiness: readiness),
                                 limits: limits)
        try server.start()
        return (server, readiness, registry, try #require(server.port))
    }

    @Test func metricsEndpointServesTheRegistry() throws {
        let (server, _, registry, port) = try makeServer()
        defer { server.stop() }
        registry.counter("kgrec_cache_hits_total", help: "Hits.").increment(by: 5)
        let reply = try HTTPTestClient.get(port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(reply.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(reply.contains("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"))
        #expect(reply.hasSuffix("kgrec_cache_hits_total 5\n"))
        let body = reply.components(separatedBy: "\r\n\r\n")[1]
        #expect(reply.contains("Content-Length: \(body.utf8.count)\r\n"))
    }

    @Test func healthzFollowsTheReadinessFlag() throws {
        let (server, readiness, _, port) = try makeServer()
        defer { server.stop() }
        let starting = try HTTPTestClient.get(port, "GET /healthz HTTP/1.1\r\n\r\n")
        #expect(starting.hasPrefix("HTTP/1.1 503 "))
        #expect(starting.hasSuffix("\r\n\r\nstarting\n"))
        readiness.setReady()
        let ready = try HTTPTestClient.get(port, "GET /healthz HTTP/1.1\r\n\r\n")
        #expect(ready.hasPrefix("HTTP/1.1 200 OK"))
        #expect(ready.hasSuffix("\r\n\r\nok\n"))
        readiness.setNotReady("draining")
        #expect(try HTTPTestClient.get(port, "GET /healthz HTTP/1.1\r\n\r\n").hasSuffix("\r\n\r\ndraining\n"))
    }

    @Test func unknownPathsAre404AndOtherMethods405() throws {
        let (server, _, _, port) = try makeServer()
        defer { server.stop() }
        #expect(try HTTPTestClient.get(port, "GET /nope HTTP/1.1\r\n\r\n").hasPrefix("HTTP/1.1 404 "))
        let post = try HTTPTestClient.get(port, "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
        #expect(post.hasPrefix("HTTP/1.1 405 "))
        #expect(post.contains("Allow: GET, HEAD\r\n"))
        let head = try HTTPTestClient.get(port, "HEAD /healthz HTTP/1.1\r\n\r\n")
        #expect(head.hasPrefix("HTTP/1.1 503 "))
        #expect(head.hasSuffix("\r\n\r\n"))
    }

    @Test func garbageGets400AndTheServerKeepsServing() throws {
        let (server, _, _, port) = try makeServer()
        defer { server.stop() }
        var rng = SplitMix64(seed: 7)
        for _ in 0..<20 {
            let junk = (0..<512).map { _ in UInt8(truncatingIfNeeded: rng.next() | 0x80) }
            let c = try HTTPTestClient(port: port)
            c.send(junk)
            #expect(try c.readToEnd().hasPrefix("HTTP/1.1 400 "))
        }
        #expect(try HTTPTestClient.get(port, "GET /metrics HTTP/1.1\r\n\r\n").hasPrefix("HTTP/1.1 200 "))
    }

    @Test func oversizedHeadersGet431() throws {
        let (server, _, _, port) = try makeServer()
        defer { server.stop() }
        let huge = "GET /metrics HTTP/1.1\r\n" + String(repeating: "X-Pad: " + String(repeating: "a", count: 100) + "\r\n", count: 100)
        let reply = try HTTPTestClient.get(port, huge)
        #expect(reply.hasPrefix("HTTP/1.1 431 "))
        let longLine = "GET /" + String(repeating: "a", count: 5000) + " HTTP/1.1\r\n\r\n"
        #expect(try HTTPTestClient.get(port, longLine).hasPrefix("HTTP/1.1 414 "))
    }

    @Test func aSlowClientDoesNotBlockOthersAndTimesOutWith408() throws {
        var limits = AdminServerLimits()
        limits.requestTimeout = .seconds(1)  // margin for loaded CI machines; the fast requests need far less
        let (server, _, _, port) = try makeServer(limits: limits)
        defer { server.stop() }
        let slow = try HTTPTestClient(port: port)
        slow.send("GET /metrics HTTP/1.1\r\nX-Slow: ")  // and never finishes
        for _ in 0..<5 {
            #expect(try HTTPTestClient.get(port, "GET /healthz HTTP/1.1\r\n\r\n").hasPrefix("HTTP/1.1 503 "))
        }
        #expect(try slow.readToEnd().hasPrefix("HTTP/1.1 408 "))
    }

    @Test func atTheCapTheOldestSlowClientMakesRoomForANewOne() throws {
        var limits = AdminServerLimits()
        limits.maxConnections = 2
        let (server, _, _, port) = try makeServer(limits: limits)
        defer { server.stop() }
        // Two clients that connect and send nothing hold both slots (accepted in arrival order).
        let idle = try (0..<2).map { _ in try HTTPTestClient(port: port) }
        let scrape = try HTTPTestClient.get(port, "GET /metrics HTTP/1.1\r\n\r\n")
        #expect(scrape.hasPrefix("HTTP/1.1 200 "))
        // The oldest was evicted with 408; having sent nothing, its close is a clean FIN.
        #expect(try idle[0].readToEnd().hasPrefix("HTTP/1.1 408 "))
        idle[1].send("GET /healthz HTTP/1.1\r\n\r\n")
        #expect(try idle[1].readToEnd().hasPrefix("HTTP/1.1 503 "))
    }

    @Test func manySlowClientsDoNotLockOutProbes() throws {
        var limits = AdminServerLimits()
        limits.maxConnections = 8
        let (server, readiness, _, port) = try makeServer(limits: limits)
        defer { server.stop() }
        readiness.setReady()
        let slow = try (0..<32).map { _ in try HTTPTestClient(port: port) }
        for c in slow { c.send("GET /healthz HTTP/1.1\r\nX-Slow: ") }
        for _ in 0..<10 {
            #expect(try HTTPTestClient.get(port, "GET /healthz HTTP/1.1\r\n\r\n").hasPrefix("HTTP/1.1 200 "))
        }
    }

    @Test func requestsSplitIntoManySmallWritesAreAssembled() throws {
        let (server, _, _, port) = try makeServer()
        defer { server.stop() }
        let c = try HTTPTestClient(port: port)
        for byte in "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".utf8 { c.send([byte]) }
        #expect(try c.readToEnd().hasPrefix("HTTP/1.1 503 "))
    }

    @Test func stopClosesOpenConnectionsAndFreesThePort() throws {
        let (server, _, _, port) = try makeServer()
        let c = try HTTPTestClient(port: port)
        c.send("GET /met")
        server.stop()
        server.stop()
        #expect(try c.readToEnd() == "")
        let again = AdminServer(host: "127.0.0.1", port: port,
                                routes: AdminRoutes(registry: MetricsRegistry(), readiness: Readiness()))
        try again.start()
        again.stop()
    }

    @Test func bindingABusyPortFailsWithTheAddressInTheError() throws {
        let (server, _, _, port) = try makeServer()
        defer { server.stop() }
        let second = AdminServer(host: "127.0.0.1", port: port,
                                 routes: AdminRoutes(registry: MetricsRegistry(), readiness: Readiness()))
        #expect(throws: SystemError.self) { try second.start() }
        do { try second.start() } catch { #expect("\(error)".contains("bind 127.0.0.1:\(port)")) }
    }
}
