/// The parts of an HTTP/1.x request the admin server looks at.
public struct HTTPRequestHead: Hashable, Sendable {
    public var method: String
    /// The request target without its query string, e.g. `/metrics`.
    public var path: String
    public var version: String
    /// Header names lower-cased, in order.
    public var headers: [(name: String, value: String)]

    public static func == (a: Self, b: Self) -> Bool {
        a.method == b.method && a.path == b.path && a.version == b.version
            && a.headers.map(\.name) == b.headers.map(\.name) && a.headers.map(\.value) == b.headers.map(\.value)
    }

    public func hash(into h: inout Hasher) {
        h.combine(method)
        h.combine(path)
    }
}
