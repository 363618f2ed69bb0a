/// A parsed configuration value. Sizes are in bytes.
public enum ConfigValue: Hashable, Sendable, CustomStringConvertible {
    case int(Int)
    case double(Double)
    case string(String)
    case bool(Bool)
    case duration(Duration)
    case size(Int)
    case stringList([String])
    case intList([Int])

    public var kind: ConfigValueKind {
        switch self {
        case .int: .int
        case .double: .double
        case .string: .string
        case .bool: .bool
        case .duration: .duration
        case .size: .size
        case .stringList: .stringList
        case .intList: .intList
        }
    }

    /// The value written the way the parser reads it back (used by `--help` and the flags JSON):
    /// whole numbers without a fraction (`0`, `75`), other numbers as the shortest text that
    /// reads back as the same value (`0.1`, `1e-05`).
    public var description: String {
        switch self {
        case .int(let v): String(v)
        case .double(let v): v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v)
        case .string(let v): v
        case .bool(let v): v ? "true" : "false"
        case .duration(let d): ConfigValueParser.format(duration: d)
        case .size(let b): ConfigValueParser.format(size: b)
        case .stringList(let v): v.joined(separator: ",")
        case .intList(let v): v.map(String.init).joined(separator: ",")
        }
    }
}
