/// Tokenises and parses one `.proto` file into a `ProtoSchema` (see there for the subset).
/// Anything outside the subset (oneof, map, optional, extensions) is an error naming the line.
struct ProtoFileParser {
    static let scalars: Set<String> = ["double", "float", "int32", "int64", "uint32", "uint64", "sint32", "sint64",
                                       "fixed32", "fixed64", "sfixed32", "sfixed64", "bool", "string", "bytes"]

    typealias Pending = (file: String, line: Int, message: String, field: String, number: Int, type: String, repeated: Bool, scope: String)

    let file: String
    private var tokens: [(String, Int)] = []
    private var i = 0
    private var package = ""

    init(file: String, text: String) {
        self.file = file
        tokens = Self.tokenize(text)
    }

    static func tokenize(_ text: String) -> [(String, Int)] {
        var out: [(String, Int)] = []
        let b = Array(text.utf8)
        var i = 0, line = 1
        func isIdent(_ c: UInt8) -> Bool {
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c == 0x2E || c == 0x2D
        }
        while i < b.count {
            let c = b[i]
            if c == 0x0A { line += 1; i += 1; continue }
            if c == 0x20 || c == 0x09 || c == 0x0D { i += 1; continue }
            if c == 0x2F, i + 1 < b.count, b[i + 1] == 0x2F {  // line comment
                while i < b.count, b[i] != 0x0A { i += 1 }
                continue
            }
            if c == 0x2F, i + 1 < b.count, b[i + 1] == 0x2A {  // block comment
                i += 2
                while i + 1 < b.count, !(b[i] == 0x2A && b[i + 1] == 0x2F) { if b[i] == 0x0A { line += 1 }; i += 1 }
                i += 2
                continue
            }
            if c == 0x22 {  // string literal
                let s = i
                i += 1
                while i < b.count, b[i] != 0x22 { if b[i] == 0x5C { i += 1 }; i += 1 }
                i += 1
                out.append((String(decoding: b[s..<min(i, b.count)], as: UTF8.self), line))
                continue
            }
            if isIdent(c) {
                let s = i
                while i < b.count, isIdent(b[i]) { i += 1 }
                out.append((String(decoding: b[s..<i], as: UTF8.self), line))
                continue
            }
            out.append((String(UnicodeScalar(c)), line))
            i += 1
        }
        return out
    }

    private func fail(_ reason: String) -> ProtoSchema.ParseError {
        ProtoSchema.ParseError(file: file, line: i < tokens.count ? tokens[i].1 : (tokens.last?.1 ?? 0), reason: reason)
    }

    private mutating func next() throws(ProtoSchema.ParseError) -> String {
        guard i < tokens.count else { throw fail("unexpected end of file") }
        defer { i += 1 }
        return tokens[i].0
    }

    private mutating func expect(_ t: String) throws(ProtoSchema.ParseError) {
        let got = try next()
        guard got == t else { i -= 1; throw fail("expected '\(t)', got '\(got)'") }
    }

    private mutating func skipStatement() throws(ProtoSchema.ParseError) {
        while try next() != ";" {}
    }

    mutating func parse(into schema: inout ProtoSchema, pending: inout [Pending]) throws(ProtoSchema.ParseError) {
        while i < tokens.count {
            switch try next() {
            case "syntax", "import", "option": try skipStatement()
            case "package": package = try next(); try expect(";")
            case "message": try message(scope: package, into: &schema, pending: &pending)
            case "enum": try enumeration(scope: package, into: &schema)
            case "service": try service(into: &schema)
            case ";": continue
            case let t: i -= 1; throw fail("unsupported top-level '\(t)'")
            }
        }
    }

    private func qualify(_ scope: String, _ name: String) -> String { scope.isEmpty ? name : scope + "." + name }

    private mutating func message(scope: String, into schema: inout ProtoSchema, pending: inout [Pending]) throws(ProtoSchema.ParseError) {
        let name = qualify(scope, try next())
        schema.addMessage(name)
        try expect("{")
        while true {
            let line = i < tokens.count ? tokens[i].1 : 0
            var t = try next()
            switch t {
            case "}": return
            case ";": continue
            case "enum": try enumeration(scope: name, into: &schema); continue
            case "message": try message(scope: name, into: &schema, pending: &pending); continue
            case "reserved", "option": try skipStatement(); continue
            case "oneof", "map", "optional", "extensions", "extend", "group", "required":
                i -= 1; throw fail("unsupported '\(t)' in message \(name)")
            default: break
            }
            var repeated = false
            if t == "repeated" { repeated = true; t = try next() }
            let field = try next()
            try expect("=")
            let numText = try next()
            guard let number = Int(numText), number > 0 else { i -= 1; throw fail("bad field number '\(numText)'") }
            var tail = try next()
            if tail == "[" { while try next() != "]" {}; tail = try next() }
            guard tail == ";" else { i -= 1; throw fail("expected ';' after field \(field)") }
            pending.append((file, line, name, field, number, t, repeated, name))
        }
    }

    private mutating func enumeration(scope: String, into schema: inout ProtoSchema) throws(ProtoSchema.ParseError) {
        let name = qualify(scope, try next())
        try expect("{")
        var values: [(String, Int32)] = []
        while true {
            let t = try next()
            if t == "}" { break }
            if t == ";" { continue }
            if t == "option" || t == "reserved" { try skipStatement(); continue }
            try expect("=")
            let v = try next()
            guard let n = Int32(v) else { i -= 1; throw fail("bad enum value '\(v)'") }
            try expect(";")
            values.append((t, n))
        }
        schema.addEnum(ProtoSchema.Enum(name: name, values: values))
    }

    private mutating func service(into schema: inout ProtoSchema) throws(ProtoSchema.ParseError) {
        let name = qualify(package, try next())
        try expect("{")
        while true {
            let t = try next()
            if t == "}" { return }
            if t == ";" { continue }
            if t == "option" { try skipStatement(); continue }
            guard t == "rpc" else { i -= 1; throw fail("expected rpc in service \(name), got '\(t)'") }
            let method = try next()
            try expect("(")
            var input = try next(), clientStreams = false
            if input == "stream" { clientStreams = true; input = try next() }
            try expect(")")
            try expect("returns")
            try expect("(")
            var output = try next(), serverStreams = false
            if output == "stream" { serverStreams = true; output = try next() }
            try expect(")")
            let end = try next()
            if end == "{" { while try next() != "}" {} } else if end != ";" { i -= 1; throw fail("expected ';' after rpc \(method)") }
            schema.addMethod(ProtoSchema.Method(service: name, name: method, input: qualifyType(input),
                                                output: qualifyType(output), clientStreams: clientStreams,
                                                serverStreams: serverStreams))
        }
    }

    private func qualifyType(_ t: String) -> String {
        t.hasPrefix(".") ? String(t.dropFirst()) : (t.contains(".") ? t : qualify(package, t))
    }
}
