/// An options struct whose `init()` holds the defaults (`EncoderOptions()`, `ClientKeepalive()`):
/// the defaults `BoundOption` declares and `--help` prints are read from it.
public protocol DefaultedOptions: Sendable {
    init()
}

/// One option declared once and bound to a field of the options struct `Root`: it yields the
/// `ConfigOption` (flag, env var, kind, help, and the default read from `Root()`'s field) and,
/// once parsed, checks the value and stores it in the field. A service's option names are
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

    /// Checks the parsed value and stores it.
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

    /// What a value must satisfy beyond its type, and how the error says so.
    public struct Rule<Value>: Sendable {
        public let expected: String
        public let isValid: @Sendable (Value) -> Bool

        public init(_ expected: String, _ isValid: @escaping @Sendable (Value) -> Bool) {
            self.expected = expected
            self.isValid = isValid
        }
    }

    private static func stored<Value>(_ option: ConfigOption, _ path: WritableKeyPath<Root, Value> & Sendable,
                                      _ rule: Rule<Value>?, _ get: @escaping @Sendable (ConfigValue) -> Value?) -> Self
    {
        Self(option) { config, option, root throws(ConfigError) in
            guard let raw = config.value(option.name), let v = get(raw) else { return }
            if let rule, !rule.isValid(v) {
                throw .invalid(source: config.origin(of: option.name), value: "\(raw)", reason: "expected \(rule.expected)")
            }
            root[keyPath: path] = v
        }
    }

    public static func int(_ name: String, _ path: WritableKeyPath<Root, Int> & Sendable, _ rule: Rule<Int>? = nil,
                           help: String) -> Self
    {
        stored(.int(name, default: Root()[keyPath: path], help: help), path, rule) { if case .int(let v) = $0 { v } else { nil } }
    }

    /// A size in bytes (`256MiB`).
    public static func size(_ name: String, _ path: WritableKeyPath<Root, Int> & Sendable, _ rule: Rule<Int>? = nil,
                            help: String) -> Self
    {
        stored(.size(name, default: Root()[keyPath: path], help: help), path, rule) { if case .size(let v) = $0 { v } else { nil } }
    }

    public static func double(_ name: String, _ path: WritableKeyPath<Root, Double> & Sendable,
                              _ rule: Rule<Double>? = nil, help: String) -> Self
    {
        stored(.double(name, default: Root()[keyPath: path], help: help), path, rule) { if case .double(let v) = $0 { v } else { nil } }
    }

    public static func duration(_ name: String, _ path: WritableKeyPath<Root, Duration> & Sendable,
                                _ rule: Rule<Duration>? = nil, help: String) -> Self
    {
        stored(.duration(name, default: Root()[keyPath: path], help: help), path, rule) {
            if case .duration(let v) = $0 { v } else { nil }
        }
    }

    public static func bool(_ name: String, _ path: WritableKeyPath<Root, Bool> & Sendable, help: String) -> Self {
        stored(.bool(name, default: Root()[keyPath: path], help: help), path, nil) { if case .bool(let v) = $0 { v } else { nil } }
    }

    /// A string with a default (`Root()`'s value), or `required` with none.
    public static func string(_ name: String, _ path: WritableKeyPath<Root, String> & Sendable, required: Bool = false,
                              help: String) -> Self
    {
        stored(.string(name, default: required ? nil : Root()[keyPath: path], required: required, help: help), path, nil) {
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

    /// One of an enum's raw values (`fp32`, `fp16` or `int8`); the error lists them.
    public static func choice<E: RawRepresentable & CaseIterable & Sendable>(
        _ name: String, _ path: WritableKeyPath<Root, E> & Sendable, help: String) -> Self where E.RawValue == String
    {
        let names = E.allCases.map(\.rawValue)
        let expected = names.count > 1 ? names.dropLast().joined(separator: ", ") + " or " + names.last! : names.joined()
        return Self(.string(name, default: Root()[keyPath: path].rawValue, help: help)) { config, option, root throws(ConfigError) in
            let text = config.string(option.name)
            guard let v = E(rawValue: text) else {
                throw .invalid(source: config.origin(of: option.name), value: text, reason: "expected \(expected)")
            }
            root[keyPath: path] = v
        }
    }
}

extension BoundOption.Rule where Value == Int {
    public static var positive: Self { .init("a positive integer") { $0 > 0 } }
    public static var nonNegative: Self { .init("a non-negative integer") { $0 >= 0 } }
}

extension BoundOption.Rule where Value == Duration {
    public static var positive: Self { .init("a positive duration") { $0 > .zero } }
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
