extension ServiceConfig {
    /// Validates a value beyond its type; the error names where the value came from.
    ///
    ///     try config.check("port", expected: "a port 0...65535") { (0...65535).contains($0.int) }
    public func check(_ name: String, expected: String, _ isValid: (ConfigValue) -> Bool) throws(ConfigError) {
        guard let v = value(name), !isValid(v) else { return }
        let option = spec.option(named: name)!
        let source: String
        switch self.source(name) {
        case .environment(let env)?: source = "env \(env)"
        case .flag?: source = "flag \(option.flag)"
        default: source = "default of \(option.flag)"
        }
        throw .invalid(source: source, value: "\(v)", reason: "expected \(expected)")
    }
}

extension ConfigValue {
    /// The integer payload (0 for other kinds), for short `check` predicates.
    public var int: Int {
        switch self {
        case .int(let v), .size(let v): v
        default: 0
        }
    }
}
