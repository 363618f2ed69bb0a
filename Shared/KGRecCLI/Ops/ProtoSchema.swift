/// Message, enum and service descriptions read from FileDescriptorProtos (scalar, enum and
/// message fields, `repeated`, nested or top-level enums, rpcs with `stream`; see
/// `ProtoSchema+Descriptors.swift`). `kgrec call` and `kgrec load` use it to turn JSON into
/// protobuf bytes and back without generated code: `ProtoSchema.builtIn` holds `Protos/` (from the
/// generated descriptors), `ReflectionClient` fetches a server's own.
struct ProtoSchema: Sendable {
    enum FieldType: Equatable, Sendable {
        case scalar(String)    // "int32", "float", "string", "bytes", …
        case enumeration(String)  // full name
        case message(String)      // full name
    }

    struct Field: Equatable, Sendable {
        let name: String
        let number: Int
        let type: FieldType
        let repeated: Bool
        /// proto3 JSON name: lowerCamelCase of `name`.
        var jsonName: String {
            var out = "", upper = false
            for c in name {
                if c == "_" { upper = true; continue }
                out += upper ? c.uppercased() : String(c)
                upper = false
            }
            return out
        }
    }

    struct Message: Equatable, Sendable {
        let name: String
        var fields: [Field]
        func field(named key: String) -> Field? { fields.first { $0.jsonName == key || $0.name == key } }
        func field(number: Int) -> Field? { fields.first { $0.number == number } }
    }

    struct Enum: Equatable, Sendable {
        let name: String
        var values: [(String, Int32)]
        static func == (a: Enum, b: Enum) -> Bool {
            a.name == b.name && a.values.map(\.0) == b.values.map(\.0) && a.values.map(\.1) == b.values.map(\.1)
        }
    }

    enum Shape: String, Sendable { case unary, serverStreaming = "server-streaming", clientStreaming = "client-streaming", bidi }

    struct Method: Equatable, Sendable {
        let service: String
        let name: String
        let input: String
        let output: String
        let clientStreams: Bool
        let serverStreams: Bool
        var path: String { "/\(service)/\(name)" }
        var shape: Shape {
            switch (clientStreams, serverStreams) {
            case (false, false): .unary
            case (false, true): .serverStreaming
            case (true, false): .clientStreaming
            case (true, true): .bidi
            }
        }
    }

    private(set) var messages: [String: Message] = [:]
    private(set) var enums: [String: Enum] = [:]
    private(set) var methods: [Method] = []

    init() {}

    mutating func addMessage(_ name: String) { messages[name] = Message(name: name, fields: []) }
    mutating func addField(_ field: Field, to message: String) { messages[message]?.fields.append(field) }
    mutating func addEnum(_ e: Enum) { enums[e.name] = e }
    mutating func addMethod(_ m: Method) { methods.append(m) }
    /// Drops the methods of every service not in `services` (messages and enums stay).
    mutating func keepServices(_ services: Set<String>) { methods.removeAll { !services.contains($0.service) } }

    /// Accepts `pkg.Service/Method`, `/pkg.Service/Method` or `pkg.Service.Method`.
    func method(_ spec: String) -> Method? {
        var s = Substring(spec)
        if s.first == "/" { s = s.dropFirst() }
        return methods.first { "\($0.service)/\($0.name)" == s || "\($0.service).\($0.name)" == s }
    }

    var services: [String] {
        var seen: [String] = []
        for m in methods where !seen.contains(m.service) { seen.append(m.service) }
        return seen
    }
}
