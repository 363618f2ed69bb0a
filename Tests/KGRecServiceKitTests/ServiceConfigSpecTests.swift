import Testing
@testable import KGRecServiceKit

@Suite struct ServiceConfigSpecTests {
    let spec = ServiceConfigSpec(service: "ranker", options: ConfigOption.common(port: 50053, adminPort: 9093) + [
        .stringList("graph", help: "Graph service address host:port."),
        .size("cache-size", default: 256 << 20, help: "Embedding cache budget."),
        .double("temperature", default: 0.5, help: "Softmax temperature."),
        .bool("explain", help: "Return per-modality breakdowns."),
        .string("checkpoint", default: nil, required: true, help: "Model checkpoint path."),
        .authToken,
    ])

    func run(_ args: [String], _ env: [String: String] = [:]) throws -> ServiceConfig {
        guard case .run(let config) = try spec.parse(arguments: args, environment: env) else {
            Issue.record("expected a configuration"); throw ConfigError(.unexpectedArgument, "not run")
        }
        return config
    }

    func error(_ args: [String], _ env: [String: String] = [:]) -> String {
        do { _ = try spec.parse(arguments: args, environment: env) } catch { return error.message }
        return "no error"
    }

    func code(_ args: [String], _ env: [String: String] = [:]) -> ConfigError.Code? {
        do { _ = try spec.parse(arguments: args, environment: env) } catch { return error.code }
        return nil
    }

    @Test func envVarNamesCarryTheServicePrefix() {
        #expect(spec.envPrefix == "KGREC_RANKER_")
        let pairs = spec.flagsAndEnvVars
        #expect(pairs.contains { $0.flag == "--admin-port" && $0.env == "KGREC_RANKER_ADMIN_PORT" })
        #expect(pairs.contains { $0.flag == "--cache-size" && $0.env == "KGREC_RANKER_CACHE_SIZE" })
    }

    @Test func defaultsApplyWhenNothingIsGiven() throws {
        let c = try run(["--checkpoint", "m.safetensors"])
        #expect(c.int("port") == 50053)
        #expect(c.size("cache-size") == 256 << 20)
        #expect(c.duration("grace-period") == .seconds(10))
        #expect(c.strings("auth-token") == [])
        #expect(c.bool("explain") == false)
        #expect(c.source("port") == .default)
    }

    @Test func flagsWinOverEnvVarsWhichWinOverDefaults() throws {
        let env = ["KGREC_RANKER_PORT": "7000", "KGREC_RANKER_ADMIN_PORT": "7001", "KGREC_RANKER_CHECKPOINT": "e.st"]
        let c = try run(["--port=8000"], env)
        #expect(c.int("port") == 8000)
        #expect(c.int("admin-port") == 7001)
        #expect(c.string("checkpoint") == "e.st")
        #expect(c.source("port") == .flag)
        #expect(c.source("admin-port") == .environment("KGREC_RANKER_ADMIN_PORT"))
    }

    @Test func repeatedListFlagsAccumulateAndReplaceTheEnvList() throws {
        let env = ["KGREC_RANKER_GRAPH": "env:1,env:2", "KGREC_RANKER_CHECKPOINT": "x"]
        #expect(try run([], env).strings("graph") == ["env:1", "env:2"])
        #expect(try run(["--graph", "a:1", "--graph=b:2"], env).strings("graph") == ["a:1", "b:2"])
    }

    @Test func boolFlagsWorkBareWithValueAndNegated() throws {
        #expect(try run(["--checkpoint", "x", "--explain"]).bool("explain"))
        #expect(try run(["--checkpoint", "x", "--explain=false"]).bool("explain") == false)
        #expect(try run(["--checkpoint", "x", "--no-explain"], ["KGREC_RANKER_EXPLAIN": "1"]).bool("explain") == false)
    }

    @Test func reflectionIsOnByDefaultAndTurnedOffByFlagOrEnv() throws {
        #expect(try run(["--checkpoint", "x"]).bool("reflection"))
        #expect(try run(["--checkpoint", "x", "--no-reflection"]).bool("reflection") == false)
        #expect(try run(["--checkpoint", "x"], ["KGREC_RANKER_REFLECTION": "false"]).bool("reflection") == false)
    }

    @Test func emptyEnvVarsCountAsUnset() throws {
        let c = try run(["--checkpoint", "x"], ["KGREC_RANKER_PORT": ""])
        #expect(c.int("port") == 50053)
    }

    @Test func errorsNameTheFlagOrEnvVarAndTheBadValue() {
        #expect(error(["--checkpoint", "x", "--port", "eighty"])
            == "invalid value 'eighty' for flag --port: expected an integer")
        #expect(error(["--checkpoint", "x"], ["KGREC_RANKER_CACHE_SIZE": "lots"])
            == "invalid value 'lots' for env KGREC_RANKER_CACHE_SIZE: expected a size like 256MiB, 1GiB, 64KiB or a byte count")
        #expect(error(["--checkpoint", "x", "--prot", "1"]) == "unknown flag --prot (see --help)")
        #expect(error(["--checkpoint"]) == "flag --checkpoint needs a value <string>")
        #expect(code(["serve"]) == .unexpectedArgument)
        #expect(code([]) == .missingRequired)
        #expect(error(["--checkpoint", "x", "--no-port"]) == "unknown flag --no-port (see --help)")
    }

    @Test func eachKindOfMistakeHasItsCode() {
        #expect(code(["--checkpoint", "x", "--port", "eighty"]) == .invalidValue)
        #expect(code(["--checkpoint", "x"], ["KGREC_RANKER_CACHE_SIZE": "lots"]) == .invalidValue)
        #expect(code(["--checkpoint", "x", "--prot", "1"]) == .unknownFlag)
        #expect(code(["--checkpoint"]) == .missingValue)
        #expect(code(["--checkpoint", "x"]) == nil)
    }

    @Test func unknownPrefixedEnvVarsAreReportedForWarnings() throws {
        let c = try run(["--checkpoint", "x"], ["KGREC_RANKER_PROT": "1", "KGREC_GRAPH_PORT": "2", "HOME": "/"])
        #expect(c.unknownEnvironment == ["KGREC_RANKER_PROT"])
    }

    @Test func helpListsEveryFlagWithEnvVarAndDefault() throws {
        guard case .help(let text) = try spec.parse(arguments: ["--port", "bad", "--help"], environment: [:]) else {
            Issue.record("expected help"); return
        }
        for o in spec.options {
            #expect(text.contains(o.flag))
            #expect(text.contains(spec.envVar(for: o)))
        }
        #expect(text.contains("Embedding cache budget. [env KGREC_RANKER_CACHE_SIZE] (default 256MiB)\n"))
        #expect(text.contains("Model checkpoint path. [env KGREC_RANKER_CHECKPOINT] (required)\n"))
        #expect(text.contains("Embedding cache budget."))
    }

    @Test func flagsJSONListsEveryOption() throws {
        guard case .printFlagsJSON(let json) = try spec.parse(arguments: ["--print-flags-json"], environment: [:])
        else { Issue.record("expected JSON"); return }
        #expect(json.hasPrefix("{\"service\":\"ranker\",\"executable\":\"kgrec-ranker\""))
        #expect(json.contains(#"{"name":"cache-size","flag":"--cache-size","env":"KGREC_RANKER_CACHE_SIZE","type":"size","default":"256MiB","required":false"#))
        #expect(json.contains(#""name":"checkpoint","flag":"--checkpoint","env":"KGREC_RANKER_CHECKPOINT","type":"string","default":null,"required":true"#))
        #expect(json.contains(#""type":"string-list","default":[],"#))
        #expect(json.components(separatedBy: "\"flag\":").count - 1 == spec.options.count)
    }

    @Test func summaryRedactsTokens() throws {
        let c = try run(["--checkpoint", "x", "--auth-token", "s3cret"])
        let token = try #require(c.summary.first { $0.name == "auth-token" })
        #expect(token.value == "<1 redacted>")
        #expect(try run(["--checkpoint", "x"]).summary.first { $0.name == "auth-token" }?.value == "<none>")
        #expect(c.strings("auth-token") == ["s3cret"])
    }
}
