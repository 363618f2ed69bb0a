/// Path → handler table. Register methods directly or through `RPCService`s, then hand the
/// router to the server. Lookup works on the raw `:path` bytes without allocating.
public struct RPCRouter: Sendable {
    public struct Route: Sendable {
        public let method: MethodDescriptor
        public let handler: MethodHandler
        let pathBytes: [UInt8]
        let hash: UInt64
    }

    public private(set) var routes: [Route] = []
    private var serviceHashes: [(name: [UInt8], hash: UInt64)] = []

    public init() {}

    public init(services: [any RPCService]) {
        for s in services { register(s) }
    }

    public mutating func register(_ service: some RPCService) {
        service.register(in: &self)
    }

    /// The fully-qualified names of the registered services, in registration order.
    public var serviceNames: [String] {
        var seen: [String] = []
        for r in routes where !seen.contains(r.method.service) { seen.append(r.method.service) }
        return seen
    }

    /// Registers an erased handler; a later registration of the same path replaces it.
    public mutating func register(_ method: MethodDescriptor, _ handler: MethodHandler) {
        let bytes = Array(method.path.utf8)
        let route = Route(method: method, handler: handler, pathBytes: bytes,
                          hash: bytes.withUnsafeBytes { Self.fnv1a($0) })
        if let i = routes.firstIndex(where: { $0.method == method }) {
            routes[i] = route
        } else {
            routes.append(route)
        }
        let svc = Array(method.service.utf8)
        if !serviceHashes.contains(where: { $0.name == svc }) {
            serviceHashes.append((svc, svc.withUnsafeBytes { Self.fnv1a($0) }))
        }
    }

    public enum Lookup {
        case found(Route)
        case unknownService
        case unknownMethod
    }

    /// Finds the route for a `:path` value such as `/pkg.Service/Method`.
    public func lookup(path: UnsafeRawBufferPointer) -> Lookup {
        let h = Self.fnv1a(path)
        for r in routes where r.hash == h && r.pathBytes.count == path.count {
            let equal = r.pathBytes.withUnsafeBytes { p in
                p.elementsEqual(path)
            }
            if equal { return .found(r) }
        }
        // Distinguish the two UNIMPLEMENTED messages.
        guard path.count > 1, path[0] == UInt8(ascii: "/") else { return .unknownService }
        var end = 1
        while end < path.count && path[end] != UInt8(ascii: "/") { end += 1 }
        let svc = UnsafeRawBufferPointer(rebasing: path[1..<end])
        let sh = Self.fnv1a(svc)
        for s in serviceHashes where s.hash == sh && s.name.elementsEqual(svc) {
            return .unknownMethod
        }
        return .unknownService
    }

    public func lookup(path: String) -> Lookup {
        var s = path
        return s.withUTF8 { lookup(path: UnsafeRawBufferPointer($0)) }
    }

    @inline(__always)
    static func fnv1a(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xcbf29ce484222325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        return h
    }
}
