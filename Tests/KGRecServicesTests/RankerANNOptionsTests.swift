import KGRecRankerService
import KGRecServiceKit
import KGRecServing
import Testing

/// The ranker's precision and ANN flags: parsed and checked, and the index memory limit.
@Suite struct RankerANNOptionsTests {
    let spec = ServiceConfigSpec(service: "ranker", options: ConfigOption.common(port: 50063, adminPort: 9463)
        + RankerOptions.configOptions)

    func options(_ args: [String]) throws -> RankerOptions {
        guard case .run(let config) = try spec.parse(arguments: args, environment: [:]) else {
            throw ConfigError(.unexpectedArgument, "not run")
        }
        return try RankerOptions(config: config)
    }

    @Test func theRankersRulesAreCheckedWhenItsFlagsAndEnvVarsAreParsedAndShownInHelp() {
        func parseError(_ args: [String], _ env: [String: String] = [:]) -> String? {
            do { _ = try spec.parse(arguments: args, environment: env); return nil } catch { return error.message }
        }
        #expect(parseError([], ["KGREC_RANKER_PRECISION": "fp8"])
            == "invalid value 'fp8' for env KGREC_RANKER_PRECISION: expected one of fp32, fp16, int8")
        #expect(parseError(["--recall-probe-rate", "1.5"]) == "invalid value '1.5' for flag --recall-probe-rate: expected a number in [0, 1]")
        #expect(parseError(["--ann-lists", "-1"]) == "invalid value '-1' for flag --ann-lists: expected a non-negative integer")
        #expect(parseError(["--max-message-size", "0"]) == "invalid value '0' for flag --max-message-size: expected a positive size")
        #expect(parseError(["--precision", "int8", "--recall-probe-rate", "1", "--ann-lists", "0"]) == nil)
        let help = spec.helpText()
        #expect(help.contains("[env KGREC_RANKER_PRECISION] (one of fp32, fp16, int8) (default fp32)\n"))
        #expect(help.contains("[env KGREC_RANKER_RECALL_PROBE_RATE] (a number in [0, 1]) (default 0.01)\n"))
        #expect(help.contains("[env KGREC_RANKER_LOG_LEVEL] (one of debug, info, warn, error) (default info)\n"))
    }

    @Test func flagsSetThePrecisionAndTheIndexAndBadValuesAreErrors() throws {
        let o = try options(["--precision", "int8", "--ann-min-items", "100", "--ann-lists", "64", "--ann-nprobe", "3",
                             "--ann-max-bytes", "1MiB", "--recall-probe-rate", "0.5"])
        #expect(o.precision == .int8 && o.recallProbeRate == 0.5)
        #expect(o.ann?.minItems == 100 && o.ann?.lists == 64 && o.ann?.nprobe == 3 && o.ann?.maxBytes == 1 << 20)
        #expect(try options(["--ann=false"]).ann == nil)
        #expect(try options([]).precision == .fp32)
        #expect(throws: ConfigError.self) { try options(["--precision", "fp8"]) }
        #expect(throws: ConfigError.self) { try options(["--ann-nprobe", "0"]) }
        #expect(throws: ConfigError.self) { try options(["--recall-probe-rate", "1.5"]) }
        do { _ = try options(["--precision", "fp8"]) } catch { #expect("\(error)".contains("--precision")) }
    }

    @Test func theRefineFactorIsReadAndOutOfRangeValuesAreErrorsNamingTheFlag() throws {
        #expect(try options([]).ann?.refine == 8)
        #expect(try options(["--ann-refine", "0"]).ann?.refine == 0)
        #expect(try options(["--ann-refine", "64"]).ann?.refine == 64)
        for bad in ["-1", "65", "two"] {
            #expect {
                try options(["--ann-refine", bad])
            } throws: { error in
                "\(error)".contains("--ann-refine") && (bad == "two" || "\(error)".contains("0...64"))
            }
        }
    }

    @Test func theIndexStaysWithinItsByteLimit() {
        var a = RankerOptions.ANN()
        #expect(a.lists(items: 19_999, width: 352) == nil)  // below --ann-min-items
        #expect(a.lists(items: 400_000, width: 352) == 512)
        #expect(a.lists(items: 1_000_000, width: 352) == 1024)
        a.maxBytes = IVFIndex.bytes(lists: 300, width: 352)
        #expect(a.lists(items: 1_000_000, width: 352) == 256)  // halved until it fits
        a.maxBytes = IVFIndex.bytes(lists: 16, width: 352) - 1
        #expect(a.lists(items: 1_000_000, width: 352) == nil)  // not even 16 lists fit: no index
        a.maxBytes = 64 << 20
        a.lists = 100
        #expect(a.lists(items: 50_000, width: 352) == 100)
    }
}
