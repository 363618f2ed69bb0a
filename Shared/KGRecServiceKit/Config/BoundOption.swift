/// An options struct whose `init()` holds the defaults (`EncoderOptions()`, `ClientKeepalive()`):
/// the defaults `BoundOption` declares and `--help` prints are read from it.
public protocol DefaultedOptions: Sendable {
    init()
}

/// One option declared once and bound to a field of the options struct `Root`: it yields the
/// `ConfigOption` (flag, env var, kind, rule, help, and the default read from `Root()`'s field)
/// and, once parsed (which checked the value against the rule), stores it in the field. A service's option names are
/// written only here; `--help`, `--print-flags-json` and the deployment checks read the same
/// declaration.
///
///     static let bound: [BoundOption<EncoderOptions>] = [
///         .int("max-items", \.maxItems, .positive, help: "Most items per Encode request."),
///         .optionalString("data", \.data, help: "Dataset directory."),
///     ]
///     init(config: ServiceConfig) throws(ConfigError) { self.init(); try Self.bound.read(config, into: &self) }
public struct BoundOption<Root: DefaultedOptions>: Sendable {
    public let option: ConfigOption
    private let store: @Sendable (ServiceConfig, ConfigOption, inout Root) throws(ConfigError) -> Void

    /// An option with its own store, for values that are not one field (lists of addresses,
    /// a switch that turns a nested setting off).
    public init(_ option: ConfigOption,
                store: @escaping @Sendable (ServiceConfig, ConfigOption, inout Root) throws(ConfigError) -> Void)
    {
        self.option = option
        self.store = store
    }

    /// Stores the parsed value (a store may still refuse values that conflict with other options).
    public func read(_ config: ServiceConfig, into root: inout Root) throws(ConfigError) {
        try store(config, option, &root)
    }

    /// This option applied to the `Child` struct at `path` of a larger `Parent`.
    public func lifted<Parent>(_ path: WritableKeyPath<Parent, Root> & Sendable) -> BoundOption<Parent> {
        let store = self.store
        return BoundOption<Parent>(option) { config, option, parent throws(ConfigError) in
            try store(config, option, &parent[keyPath: path])
        }
    }

    /// Stores the parsed value (its rule was checked when it was parsed).
    private static func stored<Value>(_ option: ConfigOption, _ path: WritableKeyPath<Root, Value> & Sendable,
                                      _ get: @escaping @Sendable (ConfigValue) -> Value?) -> Self
    {
        Self(option) { config, option, root throws(ConfigError) in
            guard let raw = config.value(option.name), let v = get(raw) else { return }
            root[keyPath: path] = v
        }
    }

    public static func int(_ name: String, _ path: WritableKeyPath<Root, Int> & Sendable, _ rule: ConfigRule? = nil,
                           help: String) -> Self
    {
        stored(.int(name, default: Root()[keyPath: path], rule: rule, help: help), path) { if case .int(let v) = $0 { v } else { nil } }
    }

    /// A size in bytes (`256MiB`).
    public static func size(_ name: String, _ path: WritableKeyPath<Root, Int> & Sendable, _ rule: ConfigRule? = nil,
                            help: String) -> Self
    {
        stored(.size(name, default: Root()[keyPath: path], rule: rule, help: help), path) { if case .size(let v) = $0 { v } else { nil } }
    }

    public static func double(_ name: String, _ path: WritableKeyPath<Root, Double> & Sendable,
                              _ rule: ConfigRule? = nil, help: String) -> Self
    {
        stored(.double(name, default: Root()[keyPath: path], rule: rule, help: help), path) { if case .double(let v) = $0 { v } else { nil } }
    }

    public static func duration(_ name: String, _ path: WritableKeyPath<Root, Duration> & Sendable,
                                _ rule: ConfigRule? = nil, help: String) -> Self
    {
        stored(.duration(name, default: Root()[keyPath: path], rule: rule, help: help), path) {
            if case .duration(let v) = $0 { v } else { nil }
        }
    }

    public static func bool(_ name: String, _ path: WritableKeyPath<Root, Bool> & Sendable, help: String) -> Self {
        stored(.bool(name, default: Root()[keyPath: path], help: help), path) { if case .bool(let v) = $0 { v } else { nil } }
    }

    /// A string with a default (`Root()`'s value), or `required` with none.
    public static func string(_ name: String, _ path: WritableKeyPath<Root, String> & Sendable, required: Bool = false,
                              help: String) -> Self
    {
        stored(.string(name, default: required ? nil : Root()[keyPath: path], required: required, help: help), path) {
            if case .string(let v) = $0 { v } else { nil }
        }
    }

    /// A string that may stay unset (nil).
    public static func optionalString(_ name: String, _ path: WritableKeyPath<Root, String?> & Sendable,
                                      help: String) -> Self
    {
        Self(.string(name, default: Root()[keyPath: path], help: help)) { config, option, root throws(ConfigError) in
            root[keyPath: path] = config.optionalString(option.name)
        }
    }

    /// One of an enum's raw values (`fp32`, `fp16` or `int8`): a string option with a `choices` rule.
    public static func choice<E: RawRepresentable & CaseIterable & Sendable>(
        _ name: String, _ path: WritableKeyPath<Root, E> & Sendable, help: String) -> Self where E.RawValue == String
    {
        stored(.string(name, default: Root()[keyPath: path].rawValue, rule: .choices(E.self), help: help), path) {
            if case .string(let v) = $0 { E(rawValue: v) } else { nil }
        }
    }
}

extension Array {
    /// Reads every bound option, in declaration order.
    public func read<Root>(_ config: ServiceConfig, into root: inout Root) throws(ConfigError)
        where Element == BoundOption<Root>
    {
        for option in self { try option.read(config, into: &root) }
    }

    /// The declarations, for `ServiceConfigSpec`.
    public func configOptions<Root>() -> [ConfigOption] where Element == BoundOption<Root> { map(\.option) }
}
