#if canImport(Glibc)
import Glibc
#endif

/// Process plumbing shared by the interop commands: flags (`CommandFlags`, no positional
/// arguments; `--help` prints them), exit codes as `runCommand`, unbuffered stdout lines.
enum InteropFlags {
    /// Parses `args` and runs `body`; usage errors exit 2, other errors 1.
    static func run(_ command: String, _ summary: String, _ flags: [CommandFlags.Flag], _ args: [String],
                    _ body: (CommandFlags) throws -> Int32) -> Int32 {
        runCommand(command) {
            let f = try CommandFlags(args, flags: flags, allowsPositional: false)
            if f.helpRequested {
                printLine(CommandFlags.usage(command, summary, flags))
                return 0
            }
            return try body(f)
        }
    }

    /// Writes one line to stdout unbuffered (so a parent process reading a pipe sees it at once).
    static func printLine(_ line: String) {
        var s = line + "\n"
        s.withUTF8 { buf in
            var off = 0
            while off < buf.count {
                let n = write(1, buf.baseAddress! + off, buf.count - off)
                if n <= 0 { break }
                off += n
            }
        }
    }

    /// Runs async work from a synchronous command and returns its exit code.
    static func runBlocking(_ body: @escaping @Sendable () async -> Int32) -> Int32 { blockingAsync(body) }
}
