import Foundation
import Testing
import KGRecModel
import KGRecServiceKit
@testable import KGRecCLI

/// `kgrec`'s flags are `ConfigOption`s like the services' options: values are type-checked when
/// the command line is parsed, wrong ones refused with the services' message, and `--help`
/// lines come from the same `OptionHelp` rendering.
@Suite struct CommandFlagsTests {
    static let flags: [CommandFlags.Flag] = [
        .init("epochs", "maximum epochs", default: 100),
        .init("lr", "learning rate", default: Float(0.001)),
        .init("layers", "layer sizes", default: [64, 32, 16]),
        .init("grace", "DURATION", "drain period", default: Duration.seconds(300)),
        .init("quiet", "no progress lines", value: false),
    ]

    static func parseError(_ args: [String]) -> ConfigError? {
        do { _ = try CommandFlags(args, flags: flags); return nil } catch { return error }
    }

    @Test(arguments: [
        (["--epochs", "abc"], "invalid value 'abc' for flag --epochs: expected an integer"),
        (["--lr=fast"], "invalid value 'fast' for flag --lr: expected a number"),
        (["--layers", "64,x"], "invalid value '64,x' for flag --layers: expected integers like 64,32,16"),
        (["--grace", "soon"], "invalid value 'soon' for flag --grace: expected a duration like 30s, 500ms, 2m or 1h"),
        (["--quiet=maybe"], "invalid value 'maybe' for flag --quiet: expected true or false"),
    ])
    func aWronglyTypedValueIsRefusedWhenTheCommandLineIsParsed(_ args: [String], _ message: String) {
        let e = Self.parseError(args)
        #expect(e?.code == .invalidValue)
        #expect(e?.message == message)
    }

    @Test func theCLIAndAServiceRefuseAWronglyTypedValueWithTheSameMessage() throws {
        let spec = ServiceConfigSpec(service: "x", options: [.int("epochs", default: 100, help: "maximum epochs")])
        var serviceError: ConfigError?
        do { _ = try spec.parse(arguments: ["--epochs", "abc"], environment: [:]) } catch { serviceError = error }
        #expect(serviceError != nil)
        #expect(Self.parseError(["--epochs", "abc"]) == serviceError)
    }

    @Test func typedValuesAreReadBackAsParsed() throws {
        let f = try CommandFlags(["--epochs", "7", "--lr", "0.5", "--layers", "8,4", "--grace", "10", "--quiet"], flags: Self.flags)
        #expect(f.int("epochs") == 7)
        #expect(f.double("lr") == 0.5)
        #expect(f.ints("layers") == [8, 4])
        #expect(f.duration("grace") == .seconds(10))   // kgrec's durations also take plain seconds
        #expect(f.has("quiet"))
    }

    /// `kgrec ablate` reads `RunSettings`, whose `--ablation` it does not declare.
    @Test func aFlagTheCommandDoesNotDeclareReadsAsAbsent() throws {
        let f = try CommandFlags(["--data", "/x"], specs: AblateCommand.specs)
        #expect(f.choice("ablation", Ablation.self) == nil)
        #expect(try RunSettings(flags: f).ablation == nil)
    }

    @Test func helpShowsTheTypedDefaultAsTheServicesRenderIt() {
        let usage = CommandFlags.usage("x", "summary", Self.flags)
        #expect(usage.contains("  --epochs X                maximum epochs (default 100)\n"))
        #expect(usage.contains("learning rate (default 0.001)\n"))
        #expect(usage.contains("layer sizes (default 64,32,16)\n"))
        #expect(usage.contains("drain period (default 5m)\n"))
        #expect(usage.contains("  --quiet                   no progress lines\n"))
    }

    @Test func aCLIFlagAndAServiceOptionDeclaredAlikePrintTheSameHelpLine() {
        let spec = ServiceConfigSpec(service: "x", options: [.int("epochs", default: 100, help: "maximum epochs")])
        let cli = CommandFlags.usage("x", "", [.init("epochs", "<int>", "maximum epochs", default: 100)])
        let cliLine = cli.split(separator: "\n").first { $0.hasPrefix("  --epochs") }.map(String.init)
        let serviceLine = spec.helpText().split(separator: "\n").first { $0.hasPrefix("  --epochs") }
            .map { $0.replacingOccurrences(of: " [env KGREC_X_EPOCHS]", with: "") }
        #expect(cliLine == "  --epochs <int>            maximum epochs (default 100)")
        #expect(serviceLine == cliLine)
    }

    static let ruled: [CommandFlags.Flag] = [
        .init("k", "top-k", default: 5, rule: .range(1...100)),
        .init("seed", "seed", default: UInt64(7)),
        .init("phase", "phase", default: EvalPhase.test),
        .init("rate", "fraction sampled", default: 0.5, rule: .fraction),
        .init("ks", "cut-offs", default: [10, 20], rule: .positive),
        .init("grace", "DURATION", "drain period", default: Duration.seconds(1), rule: .positive),
    ]

    @Test(arguments: [
        (["--k", "0"], "invalid value '0' for flag --k: expected an integer in 1...100"),
        (["--seed=-3"], "invalid value '-3' for flag --seed: expected a non-negative integer"),
        (["--phase", "train"], "invalid value 'train' for flag --phase: expected one of valid, test"),
        (["--rate", "1.5"], "invalid value '1.5' for flag --rate: expected a number in [0, 1]"),
        (["--ks", "10,0"], "invalid value '10,0' for flag --ks: expected positive integers"),
        (["--grace", "0"], "invalid value '0' for flag --grace: expected a positive duration"),
    ])
    func aValueBreakingItsFlagsRuleIsRefusedWhenParsedNamingTheFlagAndTheRule(_ args: [String], _ message: String) {
        let e: ConfigError?
        do { _ = try CommandFlags(args, flags: Self.ruled); e = nil } catch { e = error }
        #expect(e?.code == .invalidValue)
        #expect(e?.message == message)
        #expect((e?.cause as? ConfigValueParseFailure)?.code == .breaksRule)
    }

    @Test func valuesKeepingTheirRulesAreReadBack() throws {
        let f = try CommandFlags(["--k", "100", "--seed", "0", "--phase", "valid", "--rate", "0", "--ks", "1,5", "--grace", "2"],
                                 flags: Self.ruled)
        #expect(f.int("k") == 100 && f.seed("seed") == 0 && f.choice("phase", EvalPhase.self) == .valid)
        #expect(f.double("rate") == 0 && f.ints("ks") == [1, 5] && f.duration("grace") == .seconds(2))
    }

    @Test func helpShowsEachRuleInTheWordsOfItsError() {
        let usage = CommandFlags.usage("x", "summary", Self.ruled)
        #expect(usage.contains("top-k (an integer in 1...100) (default 5)\n"))
        #expect(usage.contains("seed (a non-negative integer) (default 7)\n"))
        #expect(usage.contains("phase (one of valid, test) (default test)\n"))
        #expect(usage.contains("fraction sampled (a number in [0, 1]) (default 0.5)\n"))
    }

    /// The commands' own declarations carry the rules their accessors used to check.
    @Test(arguments: [
        (LoadCommand.flags, ["--target", "h:1", "--k", "0"], "invalid value '0' for flag --k: expected an integer in 1...100000"),
        (UpCommand.flags, ["--restart", "sometimes"], "invalid value 'sometimes' for flag --restart: expected one of never, on-failure"),
        (UpCommand.flags, ["--graph-port", "0"], "invalid value '0' for flag --graph-port: expected an integer in 1...65535"),
        (UpCommand.flags, ["--log-level", "loud"], "invalid value 'loud' for flag --log-level: expected one of debug, info, warn, error"),
        (BreakdownCommand.specs, ["--k", "0"], "invalid value '0' for flag --k: expected a positive integer"),
        (EvalCommand.specs, ["--ks", "0,10"], "invalid value '0,10' for flag --ks: expected positive integers"),
        (RunSettings.specs, ["--propagation", "sampled"], "invalid value 'sampled' for flag --propagation: expected one of full, history"),
        (SynthCommand.specs, ["--preset", "huge"], "invalid value 'huge' for flag --preset: expected one of default, tiny, ablation"),
    ] as [([CommandFlags.Flag], [String], String)])
    func aCommandRefusesAValueOutsideItsDeclaredRule(_ flags: [CommandFlags.Flag], _ args: [String], _ message: String) {
        let e: ConfigError?
        do { _ = try CommandFlags(args, flags: flags); e = nil } catch { e = error }
        #expect(e?.message == message)
    }
}
