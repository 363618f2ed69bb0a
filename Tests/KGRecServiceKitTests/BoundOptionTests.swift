import Testing
@testable import KGRecServiceKit

/// A small options struct: its `init()` holds the defaults the bound options declare.
private struct Knobs: DefaultedOptions {
    var depth = 7
    var name = "knob"
    var label: String?
    var pause: Duration = .seconds(3)
    var keepalive = ClientKeepalive()

    static let bound: [BoundOption<Knobs>] = [
        .int("depth", \.depth, .positive, help: "How deep."),
        .string("name", \.name, help: "What it is called."),
        .optionalString("label", \.label, help: "An optional label."),
        .duration("pause", \.pause, help: "How long to wait."),
    ] + ClientKeepalive.bound(peer: "peer").map { $0.lifted(\.keepalive) }
}

@Suite struct BoundOptionTests {
    let spec = ServiceConfigSpec(service: "knobs", options: Knobs.bound.configOptions())

    fileprivate func knobs(_ args: [String], _ env: [String: String] = [:]) throws -> Knobs {
        guard case .run(let config) = try spec.parse(arguments: args, environment: env) else {
            throw ConfigError(.unexpectedArgument, "not run")
        }
        var k = Knobs()
        try Knobs.bound.read(config, into: &k)
        return k
    }

    @Test func declaredDefaultsAreTheFieldsInitialValues() {
        #expect(spec.option(named: "depth")?.defaultValue == .int(7))
        #expect(spec.option(named: "name")?.defaultValue == .string("knob"))
        #expect(spec.option(named: "label")?.defaultValue == nil)
        #expect(spec.option(named: "pause")?.defaultValue == .duration(.seconds(3)))
        #expect(spec.option(named: "peer-keepalive-interval")?.defaultValue == .duration(ClientKeepalive().interval))
        #expect(spec.helpText().contains("default 7"))
    }

    @Test func flagsAndEnvVarsLandInTheirFields() throws {
        let k = try knobs(["--depth", "9", "--label", "x", "--peer-keepalive-timeout", "250ms"],
                          ["KGREC_KNOBS_PAUSE": "2m"])
        #expect(k.depth == 9 && k.name == "knob" && k.label == "x" && k.pause == .seconds(120))
        #expect(k.keepalive == ClientKeepalive(interval: .seconds(10), timeout: .milliseconds(250)))
        #expect(try knobs([]).label == nil)
    }

    @Test func aValueBreakingItsRuleIsAnInvalidValueNamingItsSource() {
        let flag = #expect(throws: ConfigError.self) { try knobs(["--depth", "0"]) }
        #expect(flag == ConfigError(.invalidValue, "invalid value '0' for flag --depth: expected a positive integer"))
        let env = #expect(throws: ConfigError.self) { try knobs([], ["KGREC_KNOBS_PEER_KEEPALIVE_INTERVAL": "0"]) }
        #expect(env?.code == .invalidValue)
    }

    @Test func theSpecsParseRefusesAValueBreakingItsRuleBeforeAnyOptionIsRead() {
        let error = #expect(throws: ConfigError.self) { try spec.parse(arguments: [], environment: ["KGREC_KNOBS_DEPTH": "-1"]) }
        #expect(error == ConfigError(.invalidValue, "invalid value '-1' for env KGREC_KNOBS_DEPTH: expected a positive integer"))
        #expect((error?.cause as? ConfigValueParseFailure)?.code == .breaksRule)
        let typo = #expect(throws: ConfigError.self) { try spec.parse(arguments: ["--depth", "deep"], environment: [:]) }
        #expect((typo?.cause as? ConfigValueParseFailure)?.code == .wrongType)
    }

    @Test func helpShowsTheRuleBesideTheDefault() {
        #expect(spec.helpText().contains("How deep. [env KGREC_KNOBS_DEPTH] (a positive integer) (default 7)\n"))
        #expect(spec.helpText().contains("(a positive duration) (default 10s)\n"))
    }

}
