import GRPCHTTP2
import KGRecRankerService
import KGRecServiceKit
import KGRecWire
import Testing

/// A coalesced miss request always fits the ranker→graph send limit: the options bound it, and a
/// configuration that would not is refused at start-up.
@Suite struct RankerMissBatchBoundTests {
    let spec = ServiceConfigSpec(service: "ranker", options: ConfigOption.common(port: 50063, adminPort: 9463)
        + RankerOptions.configOptions)

    func options(_ args: [String]) throws -> RankerOptions {
        guard case .run(let config) = try spec.parse(arguments: args, environment: [:]) else { throw ConfigError(.unexpectedArgument, "not run") }
        return try RankerOptions(config: config)
    }

    @Test func theLargestMissRequestIsBoundedAndFitsTheGraphSendLimit() throws {
        let o = try options([])
        #expect(o.largestMissRequestBytes == 10_001 * (256 + 3))
        #expect(o.largestMissRequestBytes <= RankerOptions.graphSendLimit)
        // The bound is what the encoder really writes for the worst case: one Score's user and
        // max-candidates distinct items, every id max-id-bytes long.
        func id(_ prefix: String, _ k: Int) -> String {
            let s = "\(prefix)\(k)-"
            return s + String(repeating: "x", count: o.maxIdBytes - s.utf8.count)
        }
        let worst = Kgrec_V1_GetEmbeddingsRequest(userIds: [id("u", 0)], itemIds: (0..<o.maxCandidates).map { id("i", $0) })
        #expect(worst.serializedBytes().count == o.largestMissRequestBytes)
    }

    @Test func optionsThatAllowAnOversizedMissRequestAreAConfigError() throws {
        #expect(try options(["--max-id-bytes", "400"]).largestMissRequestBytes <= RankerOptions.graphSendLimit)
        for args in [["--max-candidates", "20000"], ["--max-fetch-batch", "20000"], ["--max-id-bytes", "1000"]] {
            let error = #expect(throws: ConfigError.self, "\(args) accepted") { try options(args) }
            #expect(error?.code == .conflictingOptions)
        }
    }
}
