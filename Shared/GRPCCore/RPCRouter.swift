/// Path → handler table. Register methods directly or through `RPCService`s, then hand the
/// router to the server. Lookup works on the raw `:path` bytes without allocating.
public struct RPCRouter: Sendable {
    /// A class, so the per-call copies (lookup, request head, verdict) retain one object
    /// rather than each of its strings, arrays and closure contexts.
    public final class Route: Sendable {
        public let method: MethodDescriptor
        public let handler: MethodHandler
        let pathBytes: [UInt8]

        init(method: MethodDescriptor, handler: MethodHandler, pathBytes: [UInt8]) {
            self.method = method
            self.handler = handler
            self.pathBytes = pathBytes
        }
    }

    /// Both tables behind one reference, so a copy of the router (the server passes it once per
    /// request header field) is one retain. Copy-on-write: mutated only while not shared.
    private final class Tables: @unchecked Sendable {
        var routes: [Route] = []
        /// `routes[i]`'s `PathKey`, checked before comparing whole paths.
        var keys: [PathKey] = []
        var serviceHashes: [(name: [UInt8], hash: UInt64)] = []

        func copy() -> Tables {
            let t = Tables()
            t.routes = routes
            t.keys = keys
            t.serviceHashes = serviceHashes
            return t
        }
    }

    private var tables = Tables()

    public var routes: [Route] { tables.routes }

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
        let route = Route(method: method, handler: handler, pathBytes: bytes)
        if !isKnownUniquelyReferenced(&tables) { tables = tables.copy() }
        if let i = tables.routes.firstIndex(where: { $0.method == method }) {
            tables.routes[i] = route
        } else {
            tables.routes.append(route)
            tables.keys.append(bytes.withUnsafeBytes { PathKey($0) })
        }
        let svc = Array(method.service.utf8)
        if !tables.serviceHashes.contains(where: { $0.name == svc }) {
            tables.serviceHashes.append((svc, svc.withUnsafeBytes { Self.fnv1a($0) }))
        }
    }

    public enum Lookup {
        case found(Route)
        case unknownService
        case unknownMethod
    }

    /// Finds the route for a `:path` value such as `/pkg.Service/Method`.
    public func lookup(path: UnsafeRawBufferPointer) -> Lookup {
        let key = PathKey(path)
        for (i, k) in tables.keys.enumerated() where k == key {
            let r = tables.routes[i]
            if r.pathBytes.withUnsafeBytes({ $0.elementsEqual(path) }) { return .found(r) }
        }
        // Distinguish the two UNIMPLEMENTED messages.
        guard path.count > 1, path[0] == UInt8(ascii: "/") else { return .unknownService }
        var end = 1
        while end < path.count && path[end] != UInt8(ascii: "/") { end += 1 }
        let svc = UnsafeRawBufferPointer(rebasing: path[1..<end])
        let sh = Self.fnv1a(svc)
        for s in tables.serviceHashes where s.hash == sh && s.name.elementsEqual(svc) {
            return .unknownMethod
        }
        return .unknownService
    }

    public func lookup(path: String) -> Lookup {
        var s = path
        return s.withUTF8 { lookup(path: UnsafeRawBufferPointer($0)) }
    }

    /// A path's length and its last (up to) eight bytes: a filter that costs no hashing, and the
    /// paths of one service differ at their end.
    struct PathKey: Equatable {
        let count: Int
        let tail: UInt64

        @inline(__always)
        init(_ path: UnsafeRawBufferPointer) {
            var tail: UInt64 = 0
            for b in path[max(0, path.count - 8)...] { tail = tail << 8 | UInt64(b) }
            count = path.count
            self.tail = tail
        }
    }

    @inline(__always)
    static func fnv1a(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xcbf29ce484222325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        return h
    }
}
