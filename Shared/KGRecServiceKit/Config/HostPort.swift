/// A `host:port` address from configuration, e.g. `encoder-1:50051`, `127.0.0.1:50052`,
/// `[::1]:50053`.
public struct HostPort: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port` (IPv6 hosts in brackets); nil if malformed or the port is not 1...65535.
    public init?(_ text: String) {
        let t = text.trimmed
        guard let colon = t.lastIndex(of: ":") else { return nil }
        var host = t[..<colon]
        if host.hasPrefix("[") {
            guard host.hasSuffix("]"), host.count > 2 else { return nil }
            host = host.dropFirst().dropLast()
        } else if host.contains(":") {
            return nil  // an IPv6 literal needs brackets
        }
        guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "/" }),
              let port = Int(t[t.index(after: colon)...]), (1...65535).contains(port)
        else { return nil }
        self.init(host: String(host), port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
