import Dispatch

/// Command-line parsing for the ops commands (`up`, `call`, `load`): long flags (`--name value`,
/// `--name=value`), short aliases (`-d`, `-H`), switches, repeatable flags and positional
/// arguments. Errors name the flag; they end the command with exit code 2.
struct OpsArguments {
    struct Flag {
        let name: String
        let short: Character?
        let value: String?   // placeholder, nil = switch
        let help: String
        var repeatable = false
        init(_ name: String, short: Character? = nil, _ value: String?, _ help: String, repeatable: Bool = false) {
            self.name = name; self.short = short; self.value = value; self.help = help; self.repeatable = repeatable
        }
    }

    struct UsageError: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }

    private(set) var values: [String: [String]] = [:]
    private(set) var positional: [String] = []
    var helpRequested: Bool { values["help"] != nil }

    init(_ args: [String], flags: [Flag]) throws(UsageError) {
        var i = 0
        var onlyPositional = false
        while i < args.count {
            let a = args[i]
            i += 1
            if onlyPositional || a == "-" || !a.hasPrefix("-") { positional.append(a); continue }
            if a == "--" { onlyPositional = true; continue }
            if a == "--help" || a == "-h" { values["help"] = [""]; continue }
            var name: String, inline: String? = nil
            let flag: Flag?
            if a.hasPrefix("--") {
                name = String(a.dropFirst(2))
                if let eq = name.firstIndex(of: "=") { inline = String(name[name.index(after: eq)...]); name = String(name[..<eq]) }
                flag = flags.first { $0.name == name }
            } else {
                let c = a.dropFirst().first!
                if a.count > 2 { inline = String(a.dropFirst(2)) }
                flag = flags.first { $0.short == c }
                name = String(c)
            }
            guard let flag else { throw UsageError("unknown flag \(a.hasPrefix("--") ? "--" : "-")\(name)") }
            if flag.value == nil {
                if let v = inline {
                    guard v == "true" || v == "false" else { throw UsageError("--\(flag.name) is a switch (=true or =false)") }
                    if v == "true" { values[flag.name] = ["true"] } else { values[flag.name] = nil }
                } else {
                    values[flag.name] = ["true"]
                }
                continue
            }
            let v: String
            if let inline { v = inline } else {
                guard i < args.count else { throw UsageError("--\(flag.name) needs a value (\(flag.value!))") }
                v = args[i]
                i += 1
            }
            if flag.repeatable { values[flag.name, default: []].append(v) } else { values[flag.name] = [v] }
        }
    }

    func string(_ n: String) -> String? { values[n]?.last }
    func strings(_ n: String) -> [String] { values[n] ?? [] }
    func has(_ n: String) -> Bool { values[n] != nil }

    func int(_ n: String, in range: ClosedRange<Int>? = nil) throws(UsageError) -> Int? {
        guard let s = string(n) else { return nil }
        guard let v = Int(s), range.map({ $0.contains(v) }) ?? true else {
            throw UsageError("--\(n): expected an integer\(range.map { " in \($0.lowerBound)...\($0.upperBound)" } ?? ""), got '\(s)'")
        }
        return v
    }

    func double(_ n: String) throws(UsageError) -> Double? {
        guard let s = string(n) else { return nil }
        guard let v = Double(s) else { throw UsageError("--\(n): expected a number, got '\(s)'") }
        return v
    }

    /// `30s`, `500ms`, `2m`, `1.5s`, `250us`, or plain seconds.
    func duration(_ n: String) throws(UsageError) -> Duration? {
        guard let s = string(n) else { return nil }
        guard let d = Self.parseDuration(s) else { throw UsageError("--\(n): expected a duration like 10s, 500ms, 2m, got '\(s)'") }
        return d
    }

    static func parseDuration(_ s: String) -> Duration? {
        let units: [(String, Double)] = [("ms", 1e-3), ("us", 1e-6), ("µs", 1e-6), ("ns", 1e-9), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, scale) in units where s.hasSuffix(suffix) {
            guard let v = Double(s.dropLast(suffix.count)), v >= 0, v.isFinite else { return nil }
            return .nanoseconds(Int64(v * scale * 1e9))
        }
        guard let v = Double(s), v >= 0, v.isFinite else { return nil }
        return .nanoseconds(Int64(v * 1e9))
    }

    static func usage(_ synopsis: String, _ summary: String, _ flags: [Flag]) -> String {
        var s = "usage: \(synopsis)\n\(summary)\n\nflags:\n"
        for f in flags {
            var left = (f.short.map { "-\($0), " } ?? "") + "--" + f.name
            if let v = f.value { left += " " + v }
            s += "  " + left.padding(toLength: 28, withPad: " ", startingAt: 0) + f.help + (f.repeatable ? " (repeatable)" : "") + "\n"
        }
        return s
    }
}

/// Runs an ops command body: usage errors → exit 2 with a hint, other errors → exit 1.
func runOpsCommand(_ name: String, _ body: () throws -> Int32) -> Int32 {
    do { return try body() } catch let e as OpsArguments.UsageError {
        FileHandleOutput.stderr("kgrec \(name): \(e.description)\n(kgrec \(name) --help lists the flags)\n")
        return 2
    } catch {
        FileHandleOutput.stderr("kgrec \(name): \(error)\n")
        return 1
    }
}

/// Runs async work from a synchronous command and returns its result (e.g. the exit code).
func blockingAsync<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
    let box = BlockingAsyncResult<T>()
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        box.value = await body()
        done.signal()
    }
    done.wait()
    return box.value!
}

private final class BlockingAsyncResult<T>: @unchecked Sendable { var value: T? }
