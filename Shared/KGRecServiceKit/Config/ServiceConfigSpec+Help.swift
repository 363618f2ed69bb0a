extension ServiceConfigSpec {
    /// Usage text generated from the declarations: one `OptionHelp` line per option with its env var
    /// and default.
    public func helpText() -> String {
        var out = "Usage: \(executable) [options]\n\n"
        out += "Every option is a flag or an env var (flags win); an empty env var counts as unset.\n\n"
        out += "Options:\n"
        out += OptionHelp.render(options.map { o in
            OptionHelp.Row("\(o.flag) \(o.kind.placeholder)", "\(o.help) [env \(envVar(for: o))]",
                           default: o.defaultValue, required: o.required, repeatable: o.kind == .stringList,
                           rule: o.rule?.expected(for: o.kind))
        } + [
            OptionHelp.Row("--help, -h", "Print this text and exit."),
            OptionHelp.Row("--print-flags-json", "Print every option (flag, env var, type, default) as JSON and exit."),
        ])
        return out
    }

    /// `{"service": …, "executable": …, "options": [{"name", "flag", "env", "type", "default",
    /// "required", "help"}]}`; `default` is a string, an array for lists, or null when unset.
    public func flagsJSON() -> String {
        var out = "{\"service\":\(JSONText.quoted(service)),\"executable\":\(JSONText.quoted(executable)),"
        out += "\"env_prefix\":\(JSONText.quoted(envPrefix)),\"options\":["
        for (i, o) in options.enumerated() {
            if i > 0 { out += "," }
            out += "\n{\"name\":\(JSONText.quoted(o.name)),\"flag\":\(JSONText.quoted(o.flag)),"
            out += "\"env\":\(JSONText.quoted(envVar(for: o))),\"type\":\(JSONText.quoted(o.kind.rawValue)),"
            switch o.defaultValue {
            case nil: out += "\"default\":null,"
            case .stringList(let l)?: out += "\"default\":[\(l.map(JSONText.quoted).joined(separator: ","))],"
            case let d?: out += "\"default\":\(JSONText.quoted("\(d)")),"
            }
            out += "\"required\":\(o.required),\"help\":\(JSONText.quoted(o.help))}"
        }
        out += "\n]}\n"
        return out
    }
}
