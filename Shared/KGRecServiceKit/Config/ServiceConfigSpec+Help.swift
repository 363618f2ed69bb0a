extension ServiceConfigSpec {
    /// Usage text generated from the declarations: flag, env var, default, description.
    public func helpText() -> String {
        var out = "Usage: \(executable) [options]\n\n"
        out += "Every option is a flag or an env var (flags win); an empty env var counts as unset.\n\n"
        out += "Options:\n"
        for o in options {
            out += "  \(o.flag) \(o.kind.placeholder)\n"
            out += "      env \(envVar(for: o))"
            if o.required {
                out += ", required"
            } else if let d = o.defaultValue, "\(d)" != "" {
                out += ", default \(d)"
            }
            out += "\n      \(o.help)\n"
        }
        out += "  --help, -h\n      Print this text and exit.\n"
        out += "  --print-flags-json\n      Print every option (flag, env var, type, default) as JSON and exit.\n"
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
