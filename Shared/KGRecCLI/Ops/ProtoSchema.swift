/// Message, enum and service descriptions parsed from `.proto` text (the proto3 subset our
/// contract uses: package, import, message with scalar/enum/message fields and `repeated`,
/// nested or top-level enums, service/rpc with `stream`). `kgrec call` and `kgrec load` use it
/// to turn JSON into protobuf bytes and back without generated code; `ProtoSchema.kgrec` holds
/// the contract (`Protos/`), checked against the files by `DeployCallCodecTests`.
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

    struct ParseError: Error, CustomStringConvertible {
        let file: String
        let line: Int
        let reason: String
        var description: String { "\(file):\(line): \(reason)" }
    }

    private(set) var messages: [String: Message] = [:]
    private(set) var enums: [String: Enum] = [:]
    private(set) var methods: [Method] = []

    init() {}

    /// Parses and merges several files (`(name, text)`), then resolves field types.
    init(files: [(String, String)]) throws(ParseError) {
        var pending: [(file: String, line: Int, message: String, field: String, number: Int, type: String, repeated: Bool, scope: String)] = []
        for (file, text) in files {
            var parser = ProtoFileParser(file: file, text: text)
            try parser.parse(into: &self, pending: &pending)
        }
        for p in pending {
            let type: FieldType
            if ProtoFileParser.scalars.contains(p.type) {
                type = .scalar(p.type)
            } else if let full = resolve(p.type, scope: p.scope) {
                type = enums[full] != nil ? .enumeration(full) : .message(full)
            } else {
                throw ParseError(file: p.file, line: p.line, reason: "unknown type \(p.type) of \(p.message).\(p.field)")
            }
            messages[p.message]!.fields.append(Field(name: p.field, number: p.number, type: type, repeated: p.repeated))
        }
        for m in methods {
            for t in [m.input, m.output] where messages[t] == nil {
                throw ParseError(file: "", line: 0, reason: "rpc \(m.path) uses unknown message \(t)")
            }
        }
    }

    /// Resolves a type name written in `scope` (a message or package) the way protoc does.
    private func resolve(_ name: String, scope: String) -> String? {
        if name.hasPrefix(".") { let n = String(name.dropFirst()); return messages[n] != nil || enums[n] != nil ? n : nil }
        var parts = scope.split(separator: ".").map(String.init)
        while true {
            let candidate = (parts + [name]).joined(separator: ".")
            if messages[candidate] != nil || enums[candidate] != nil { return candidate }
            if parts.isEmpty { return nil }
            parts.removeLast()
        }
    }

    mutating func addMessage(_ name: String) { messages[name] = Message(name: name, fields: []) }
    mutating func addEnum(_ e: Enum) { enums[e.name] = e }
    mutating func addMethod(_ m: Method) { methods.append(m) }

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
