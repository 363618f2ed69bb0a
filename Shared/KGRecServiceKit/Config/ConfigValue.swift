/// A parsed configuration value. Sizes are in bytes.
public enum ConfigValue: Hashable, Sendable, CustomStringConvertible {
    case int(Int)
    case double(Double)
    case string(String)
    case bool(Bool)
    case duration(Duration)
    case size(Int)
    case stringList([String])

    public var kind: ConfigValueKind {
        switch self {
        case .int: .int
        case .double: .double
        case .string: .string
        case .bool: .bool
        case .duration: .duration
        case .size: .size
        case .stringList: .stringList
        }
    }

    /// The value written the way the parser reads it back (used by `--help` and the flags JSON).
    public var description: String {
        switch self {
        case .int(let v): String(v)
        case .double(let v): String(v)
        case .string(let v): v
        case .bool(let v): v ? "true" : "false"
        case .duration(let d): ConfigValueParser.format(duration: d)
        case .size(let b): ConfigValueParser.format(size: b)
        case .stringList(let v): v.joined(separator: ",")
        }
    }
}
