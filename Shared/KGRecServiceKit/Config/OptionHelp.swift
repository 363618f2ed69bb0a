/// The options list of a `--help` text, one line per option, shared by the services
/// (`ServiceConfigSpec.helpText`) and `kgrec` (`CommandFlags.usage`), so both print an option the
/// same way: `  --name X<pad>help (RULE) (default V)`, the rule in the words its error uses
/// (`one of fp32, fp16, int8`, `an integer in 1...64`), the default rendered from the typed value
/// the program starts from.
public enum OptionHelp {
    /// One option as `--help` lists it.
    public struct Row: Sendable {
        /// The flag as typed, with its placeholder: `--port <int>`, `-d, --data JSON`, `--quiet`.
        public let left: String
        public let help: String
        /// Shown as `(default V)`; nil, or a value that renders empty, shows nothing.
        public let defaultValue: ConfigValue?
        public let required: Bool
        public let repeatable: Bool
        /// What a value must be, shown as `(RULE)`: `ConfigRule.expected(for:)`.
        public let rule: String?

        public init(_ left: String, _ help: String, default defaultValue: ConfigValue? = nil,
                    required: Bool = false, repeatable: Bool = false, rule: String? = nil)
        {
            self.left = left
            self.help = help
            self.defaultValue = defaultValue
            self.required = required
            self.repeatable = repeatable
            self.rule = rule
        }
    }

    /// The rows as lines, help aligned in one column (the widest left + 2, at least `minimumWidth`).
    public static func render(_ rows: [Row], minimumWidth: Int = 26) -> String {
        let width = max(minimumWidth, (rows.map(\.left.count).max() ?? 0) + 2)
        var out = ""
        for r in rows {
            out += "  " + r.left + String(repeating: " ", count: width - r.left.count) + r.help
            if r.repeatable { out += " (repeatable)" }
            if let rule = r.rule { out += " (\(rule))" }
            if r.required {
                out += " (required)"
            } else if let d = r.defaultValue, !"\(d)".isEmpty {
                out += " (default \(d))"
            }
            out += "\n"
        }
        return out
    }
}
