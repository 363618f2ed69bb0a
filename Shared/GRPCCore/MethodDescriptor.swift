/// A fully-qualified RPC method: `service` is `package.Service`, `method` the method name; on the
/// wire the HTTP/2 `:path` is `/package.Service/Method`.
public struct MethodDescriptor: Hashable, Sendable, CustomStringConvertible {
    public var service: String
    public var method: String

    public init(service: String, method: String) {
        self.service = service
        self.method = method
    }

    /// Parses `/package.Service/Method` (the leading slash is optional).
    public init?(path: String) {
        var p = Substring(path)
        if p.first == "/" { p = p.dropFirst() }
        guard let slash = p.firstIndex(of: "/") else { return nil }
        let s = p[..<slash], m = p[p.index(after: slash)...]
        guard !s.isEmpty, !m.isEmpty, !m.contains("/") else { return nil }
        self.init(service: String(s), method: String(m))
    }

    /// `/package.Service/Method`.
    public var path: String { "/\(service)/\(method)" }

    public var description: String { path }
}
