/// The type of one configuration option, which decides how its text is parsed.
public enum ConfigValueKind: String, Sendable, CaseIterable {
    case int
    case double
    case string
    case bool
    /// `30s`, `500ms`, `2m`, `1h`, `250us`, `1.5s`, or `0`.
    case duration
    /// Bytes: `256MiB`, `1GiB`, `64KiB`, `10MB`, `512B`, or a bare byte count.
    case size
    /// A repeatable string option: `--encoder a:1 --encoder b:2`, or `a:1,b:2` in the env var.
    case stringList = "string-list"
    /// Comma-separated integers: `64,32,16`.
    case intList = "int-list"

    /// A short placeholder for `--help`, e.g. `--port <int>`.
    public var placeholder: String {
        switch self {
        case .int: "<int>"
        case .double: "<number>"
        case .string: "<string>"
        case .bool: "[=true|false]"
        case .duration: "<duration>"
        case .size: "<size>"
        case .stringList: "<string>"
        case .intList: "<int,int,…>"
        }
    }
}
