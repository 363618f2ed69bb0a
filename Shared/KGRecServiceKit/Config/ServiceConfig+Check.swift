extension ServiceConfig {
    /// Validates a value against other options (a value on its own is checked by its option's
    /// `ConfigRule` when parsed); the error names where the value came from.
    ///
    ///     try config.check("max-connection-input", expected: "more than --max-message-size") { $0.int > limit }
    public func check(_ name: String, expected: String, _ isValid: (ConfigValue) -> Bool) throws(ConfigError) {
        guard let v = value(name), !isValid(v) else { return }
        throw .invalid(source: origin(of: name), value: "\(v)", reason: "expected \(expected)")
    }

    /// `flag --x`, `env KGREC_S_X` or `default of --x`: where the value of `name` came from.
    func origin(of name: String) -> String {
        let option = spec.option(named: name)!
        switch source(name) {
        case .environment(let env)?: return "env \(env)"
        case .flag?: return "flag \(option.flag)"
        default: return "default of \(option.flag)"
        }
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
