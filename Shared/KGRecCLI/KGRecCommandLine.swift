import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `kgrec SUBCOMMAND [flags]`: dispatches to one `CLICommand` per file in this module.
public enum KGRecCommandLine {
    /// Every subcommand, in the order `kgrec --help` lists them. Add one line per command.
    static let commands: [CLICommand] = [
        SynthCommand(),
        SplitCommand(),
        TrainCommand(),
        EvalCommand(),
        AblateCommand(),
        BreakdownCommand(),
        DemoCommand(),
        InteropServerCommand(),
        InteropClientCommand(),
        UpCommand(),
        CallCommand(),
        LoadCommand(),
        BenchTensorCommand(),
        BenchScanCommand(),
        TableGraphCommand(),
        EmbedTextCommand(),
        ExportCommand(),
        AlignCommand(),
        AlignDataCommand(),
    ]

    public static func main(_ argv: [String]) -> Never {
        let args = Array(argv.dropFirst())
        guard let name = args.first, name != "--help", name != "-h", name != "help" else {
            print(usage)
            exit(args.isEmpty ? 2 : 0)
        }
        guard let command = commands.first(where: { $0.name == name }) else {
            FileHandleOutput.stderr("kgrec: unknown command '\(name)'\n\n\(usage)\n")
            exit(2)
        }
        exit(command.run(Array(args.dropFirst())))
    }

    static var usage: String {
        var s = "usage: kgrec COMMAND [flags]   (kgrec COMMAND --help for a command's flags)\n\ncommands:\n"
        for c in commands { s += "  " + c.name.padding(toLength: 18, withPad: " ", startingAt: 0) + c.summary + "\n" }
        return s
    }
}

/// One `kgrec` subcommand. `run` returns the process exit code.
public protocol CLICommand: Sendable {
    var name: String { get }
    var summary: String { get }
    func run(_ args: [String]) -> Int32
}

enum FileHandleOutput {
    static func stderr(_ s: String) {
        var s = s
        s.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    }
}
