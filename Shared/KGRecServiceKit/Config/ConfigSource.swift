/// Where an option's value came from (logged at start-up so operators can see what won).
public enum ConfigSource: Hashable, Sendable, CustomStringConvertible {
    case `default`
    case environment(String)
    case flag

    public var description: String {
        switch self {
        case .default: "default"
        case .environment(let name): "env \(name)"
        case .flag: "flag"
        }
    }
}
