/// The parsed configuration of one service: typed values by option name.
///
/// Typed accessors trap when the name was never declared or has another type: that is a
/// programming error in the service, not bad input (bad input fails in `parse` with a
/// `ConfigError`).
public struct ServiceConfig: Sendable {
    public let spec: ServiceConfigSpec
    private let values: [String: ConfigValue]
    private let sources: [String: ConfigSource]
    /// Env vars with this service's prefix that match no option (likely typos; worth a warning).
    public let unknownEnvironment: [String]

    init(spec: ServiceConfigSpec, values: [String: ConfigValue], sources: [String: ConfigSource],
         unknownEnvironment: [String])
    {
        self.spec = spec
        self.values = values
        self.sources = sources
        self.unknownEnvironment = unknownEnvironment
    }

    /// The value, or nil for an optional option that was not set.
    public func value(_ name: String) -> ConfigValue? {
        precondition(spec.option(named: name) != nil, "option \(name) is not declared")
        return values[name]
    }

    /// Where the value came from, or nil if unset.
    public func source(_ name: String) -> ConfigSource? { sources[name] }

    public func int(_ name: String) -> Int {
        guard case .int(let v) = required(name) else { wrongType(name, .int) }
        return v
    }
    public func double(_ name: String) -> Double {
        guard case .double(let v) = required(name) else { wrongType(name, .double) }
        return v
    }
    public func string(_ name: String) -> String {
        guard case .string(let v) = required(name) else { wrongType(name, .string) }
        return v
    }
    /// A string option that may be unset.
    public func optionalString(_ name: String) -> String? {
        guard let v = value(name) else { return nil }
        guard case .string(let s) = v else { wrongType(name, .string) }
        return s
    }
    public func bool(_ name: String) -> Bool {
        guard case .bool(let v) = required(name) else { wrongType(name, .bool) }
        return v
    }
    public func duration(_ name: String) -> Duration {
        guard case .duration(let v) = required(name) else { wrongType(name, .duration) }
        return v
    }
    /// A size in bytes.
    public func size(_ name: String) -> Int {
        guard case .size(let v) = required(name) else { wrongType(name, .size) }
        return v
    }
    public func strings(_ name: String) -> [String] {
        guard case .stringList(let v) = required(name) else { wrongType(name, .stringList) }
        return v
    }

    /// Every option as `name=value (source)`, for one start-up log line.
    public var summary: [(name: String, value: String, source: String)] {
        spec.options.map { o in
            (o.name, values[o.name].map { o.name.contains("token") ? Self.redacted($0) : "\($0)" } ?? "<unset>",
             sources[o.name]?.description ?? "unset")
        }
    }

    private static func redacted(_ v: ConfigValue) -> String {
        switch v {
        case .stringList(let l): l.isEmpty ? "<none>" : "<\(l.count) redacted>"
        case .string(let s): s.isEmpty ? "<none>" : "<redacted>"
        default: "<redacted>"
        }
    }

    private func required(_ name: String) -> ConfigValue {
        guard let v = value(name) else { preconditionFailure("option \(name) has no value and no default") }
        return v
    }

    private func wrongType(_ name: String, _ kind: ConfigValueKind) -> Never {
        preconditionFailure("option \(name) is not of type \(kind)")
    }
}
