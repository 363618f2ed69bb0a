/// Splits a command line into flags and words: the one grammar of `--name`, `--name=value`,
/// `--name value`, `-c`, `-cVALUE`, `--` and positional words, shared by the services'
/// `ServiceConfigSpec.parse` and `kgrec`'s `CommandFlags`. What a name means, whether it takes
/// a value and which tokens are errors is the caller's.
public struct FlagScanner {
    public enum Token: Equatable, Sendable {
        /// `--name`, or `--name=value` (`inline`).
        case long(name: String, inline: String?)
        /// `-c`, or `-cVALUE` (`inline`).
        case short(Character, inline: String?)
        /// `--`: every later argument is a word.
        case endOfFlags
        /// A word that is not a flag: also `-`, and everything after `--`.
        case word(String)

        /// The argument as it was written.
        public var argument: String {
            switch self {
            case .long(let name, let inline): "--" + name + (inline.map { "=" + $0 } ?? "")
            case .short(let c, let inline): "-" + String(c) + (inline ?? "")
            case .endOfFlags: "--"
            case .word(let w): w
            }
        }
    }

    private let arguments: [String]
    private var index = 0
    private var onlyWords = false

    public init(_ arguments: [String]) { self.arguments = arguments }

    /// The next token, nil after the last argument.
    public mutating func next() -> Token? {
        guard index < arguments.count else { return nil }
        let a = arguments[index]
        index += 1
        if onlyWords || a == "-" || !a.hasPrefix("-") { return .word(a) }
        if a == "--" {
            onlyWords = true
            return .endOfFlags
        }
        if a.hasPrefix("--") {
            let body = a.dropFirst(2)
            guard let eq = body.firstIndex(of: "=") else { return .long(name: String(body), inline: nil) }
            return .long(name: String(body[..<eq]), inline: String(body[body.index(after: eq)...]))
        }
        return .short(a.dropFirst().first!, inline: a.count > 2 ? String(a.dropFirst(2)) : nil)
    }

    /// The next argument taken as the value of the flag just read (`--name value`), nil if none is left.
    public mutating func value() -> String? {
        guard index < arguments.count else { return nil }
        index += 1
        return arguments[index - 1]
    }
}
