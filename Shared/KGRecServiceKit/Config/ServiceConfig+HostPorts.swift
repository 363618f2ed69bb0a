extension ServiceConfig {
    /// A string or string-list option parsed as `host:port` addresses; the error names the flag
    /// or env var and the bad entry.
    public func hostPorts(_ name: String) throws(ConfigError) -> [HostPort] {
        let texts: [String]
        switch value(name) {
        case .stringList(let l)?: texts = l
        case .string(let s)?: texts = [s]
        default: texts = []
        }
        var out: [HostPort] = []
        for t in texts {
            guard let hp = HostPort(t) else {
                throw .invalid(source: origin(of: name), value: t, reason: "expected host:port with a port 1...65535")
            }
            out.append(hp)
        }
        return out
    }
}
