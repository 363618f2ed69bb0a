import GRPCCore
import GRPCHTTP2
import GRPCInterop
import KGRecServiceKit
import Testing
@testable import KGRecCLI

/// `kgrec load`'s histogram and generator.
@Suite struct DeployLoadTests {
    @Test func histogramQuantilesAreWithinOneSixtyFourthOfTheExactValues() {
        var rng = SystemRandomNumberGenerator()
        var h = LatencyHistogram()
        var values: [UInt64] = []
        for _ in 0..<20_000 {
            let v = UInt64.random(in: 1...50_000_000, using: &rng) / UInt64.random(in: 1...1000, using: &rng)
            values.append(v)
            h.record(nanoseconds: v)
        }
        values.sort()
        for q in [0.5, 0.9, 0.99, 0.999] {
            let exact = values[Int((q * Double(values.count)).rounded(.up)) - 1]
            let got = h.quantile(q)
            #expect(got >= exact && Double(got) <= Double(exact) * (1 + 1.0 / 64) + 1, "q \(q): \(got) vs \(exact)")
        }
        #expect(h.quantile(1) == values.last!)
        #expect(h.max == values.last!)
        #expect(h.count == 20_000)
    }

    @Test func bucketsCoverEveryValueAndAreMonotonic() {
        var previous = -1
        for shift in 0..<64 {
            for v in [UInt64(1) << UInt64(shift), (UInt64(1) << UInt64(shift)) &- 1, UInt64.max >> UInt64(63 - shift)] {
                let i = LatencyHistogram.index(of: v)
                #expect(i < LatencyHistogram.bucketCount)
                #expect(LatencyHistogram.upperBound(of: i) >= v)
                _ = previous
            }
        }
        for v in stride(from: UInt64(0), to: 100_000, by: 7) {
            let i = LatencyHistogram.index(of: v)
            #expect(i >= previous)
            previous = i
        }
    }

    @Test func mergedHistogramsEqualOneHistogramOfEverything() {
        var a = LatencyHistogram(), b = LatencyHistogram(), all = LatencyHistogram()
        for v in 1...1000 { let x = UInt64(v * 997 % 5000); if v % 2 == 0 { a.record(nanoseconds: x) } else { b.record(nanoseconds: x) }; all.record(nanoseconds: x) }
        a.merge(b)
        #expect(a.counts == all.counts)
        #expect(a.quantile(0.99) == all.quantile(0.99))
    }

    @Test func generatorStopsAtTheRequestBoundAndCountsStatuses() async throws {
        let registry = HealthStatusRegistry()
        var config = ServerConfig()
        config.host = "127.0.0.1"
        config.port = 0
        let server = GRPCServer(services: [HealthService(registry: registry)], config: config)
        let port = try server.start()
        var gen = LoadGenerator(method: .health, target: "127.0.0.1:\(port)")
        gen.concurrency = 3
        gen.maxRequests = 150
        gen.duration = .seconds(30)
        let report = try await gen.run(ids: LoadIDs(users: [], items: [], neighbours: []))
        #expect(report.requests == 150)
        #expect(report.ok == 150)
        #expect(report.latency.count == 150)
        #expect(report.table.contains("p99.9"))
        // Against a method the server lacks, every request is an error, counted by status.
        var bad = LoadGenerator(method: .recommend, target: "127.0.0.1:\(port)")
        bad.maxRequests = 20
        let failed = try await bad.run(ids: LoadIDs(users: ["u"], items: ["i"], neighbours: []))
        #expect(failed.ok == 0)
        #expect(failed.errors == ["UNIMPLEMENTED": 20])
        #expect(failed.table.contains("UNIMPLEMENTED 20"))
        await server.shutdown(grace: .seconds(1))
    }

    @Test func targetRateSpacesRequestsWithoutExceedingTheBound() async throws {
        var config = ServerConfig()
        config.host = "127.0.0.1"
        config.port = 0
        let server = GRPCServer(services: [HealthService(registry: HealthStatusRegistry())], config: config)
        let port = try server.start()
        var gen = LoadGenerator(method: .health, target: "127.0.0.1:\(port)")
        gen.rate = 400
        gen.maxRequests = 40
        gen.duration = nil
        let report = try await gen.run(ids: LoadIDs(users: [], items: [], neighbours: []))
        #expect(report.requests == 40)
        // 40 requests due over 0.1 s: the run cannot end before the last one is due.
        #expect(report.elapsedSeconds >= 39.0 / 400)
        await server.shutdown(grace: .seconds(1))
    }

    @Test func methodSpellingsResolve() {
        #expect(LoadMethod(spec: "score-stream") == .scoreStream)
        #expect(LoadMethod(spec: "/kgrec.v1.Graph/GetEmbeddings") == .getEmbeddings)
        #expect(LoadMethod(spec: "kgrec.v1.Encoder.Encode") == .encode)
        #expect(LoadMethod(spec: "nope") == nil)
    }
}
