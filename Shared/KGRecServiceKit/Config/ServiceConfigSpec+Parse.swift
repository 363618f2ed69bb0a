extension ServiceConfigSpec {
    /// Parses flags (`--name value`, `--name=value`, bare `--flag` / `--no-flag` for bools,
    /// repeated flags for lists) over env vars over defaults. `--help`/`-h` and
    /// `--print-flags-json` win over everything else.
    public func parse(arguments: [String], environment: [String: String]) throws(ConfigError)
        -> ConfigParseOutcome
    {
        if arguments.contains(where: { $0 == "--help" || $0 == "-h" }) { return .help(helpText()) }
        if arguments.contains("--print-flags-json") { return .printFlagsJSON(flagsJSON()) }

        var values: [String: ConfigValue] = [:]
        var sources: [String: ConfigSource] = [:]
        for o in options {
            if let d = o.defaultValue { values[o.name] = d; sources[o.name] = .default }
        }
        // Env vars.
        let known = Set(options.map { envVar(for: $0) })
        for o in options {
            let env = envVar(for: o)
            guard let text = environment[env], !text.isEmpty else { continue }
            values[o.name] = try parseValue(text, o, source: "env \(env)")
            sources[o.name] = .environment(env)
        }
        let unknownEnv = environment.keys.filter { $0.hasPrefix(envPrefix) && !known.contains($0) }.sorted()

        // Flags.
        var listsFromFlags: [String: [String]] = [:]
        var scanner = FlagScanner(arguments)
        while let token = scanner.next() {
            guard case .long(let name, let inline) = token, !name.isEmpty else { throw .unexpectedArgument(token.argument) }
            if let o = option(named: name) {
                let text: String
                if let inline {
                    text = inline
                } else if o.kind == .bool {
                    text = "true"
                } else {
                    guard let next = scanner.value() else { throw .missingValue(o.flag, o.kind.placeholder) }
                    text = next
                }
                let v = try parseValue(text, o, source: "flag \(o.flag)")
                if case .stringList(let items) = v {
                    listsFromFlags[o.name, default: []] += items
                    values[o.name] = .stringList(listsFromFlags[o.name]!)
                } else {
                    values[o.name] = v
                }
                sources[o.name] = .flag
            } else if name.hasPrefix("no-"), inline == nil, let o = option(named: String(name.dropFirst(3))),
                      o.kind == .bool
            {
                values[o.name] = .bool(false)
                sources[o.name] = .flag
            } else {
                throw .unknownFlag("--" + name)
            }
        }
        for o in options where o.required {
            let missing: Bool
            switch values[o.name] {
            case nil: missing = true
            case .stringList(let l)?: missing = l.isEmpty
            case .string(let s)?: missing = s.isEmpty
            default: missing = false
            }
            if missing { throw .missingRequired(o, env: envVar(for: o)) }
        }
        return .run(ServiceConfig(spec: self, values: values, sources: sources,
                                  unknownEnvironment: unknownEnv))
    }

    private func parseValue(_ text: String, _ o: ConfigOption, source: String) throws(ConfigError)
        -> ConfigValue
    {
        do {
            return try ConfigValueParser.parse(text, for: o)
        } catch {
            throw .invalid(source: source, value: text, reason: error.reason, cause: error)
        }
    }
}
