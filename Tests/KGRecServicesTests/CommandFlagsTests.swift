import Foundation
import Testing
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
        #expect(try f.int("epochs") == 7)
        #expect(try f.double("lr") == 0.5)
        #expect(f.ints("layers") == [8, 4])
        #expect(f.duration("grace") == .seconds(10))   // kgrec's durations also take plain seconds
        #expect(f.has("quiet"))
    }

    /// `kgrec ablate` reads `RunSettings`, whose `--ablation` it does not declare.
    @Test func aFlagTheCommandDoesNotDeclareReadsAsAbsent() throws {
        let f = try CommandFlags(["--data", "/x"], specs: AblateCommand.specs)
        #expect(try f.choice("ablation", Ablation.self) == nil)
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
}
