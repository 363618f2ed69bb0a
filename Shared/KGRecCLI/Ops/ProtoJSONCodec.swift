import GRPCCore

/// JSON ↔ protobuf bytes for any message of a `ProtoSchema`, following the proto3 JSON mapping:
/// lowerCamelCase keys (original names accepted on input), 64-bit integers as strings (numbers
/// accepted on input), enums by name (numbers accepted), bytes as base64, default values omitted
/// on output, unknown input keys rejected with the message and key named.
struct ProtoJSONCodec: Sendable {
    let schema: ProtoSchema

    // ---- JSON → protobuf ----------------------------------------------------------------------

    func encode(_ json: JSONValue, as type: String) throws(CodecError) -> [UInt8] {
        var w = ProtoWireWriter()
        try encode(json, as: type, path: type, into: &w)
        return w.bytes
    }

    private func encode(_ json: JSONValue, as type: String, path: String, into w: inout ProtoWireWriter) throws(CodecError) {
        guard let message = schema.messages[type] else { throw CodecError(.unknownType, "unknown message type \(type)") }
        guard case .object(let fields) = json else { throw CodecError(.wrongKind, "\(path): expected an object, got \(json.kindName)") }
        for (key, value) in fields {
            guard let field = message.field(named: key) else {
                let known = message.fields.map(\.jsonName).joined(separator: ", ")
                throw CodecError(.unknownField, "\(path): unknown field '\(key)' (\(type) has: \(known.isEmpty ? "no fields" : known))")
            }
            let fpath = path + "." + field.jsonName
            if value == .null { continue }
            if field.repeated {
                guard case .array(let items) = value else { throw CodecError(.wrongKind, "\(fpath): expected an array, got \(value.kindName)") }
                if case .scalar(let s) = field.type, s != "string", s != "bytes" {
                    var packed = ProtoWireWriter()
                    for (i, item) in items.enumerated() { try scalar(item, s, "\(fpath)[\(i)]", into: &packed, number: nil) }
                    if !items.isEmpty { w.lengthDelimited(field.number, packed.bytes) }
                } else if case .enumeration(let e) = field.type {
                    var packed = ProtoWireWriter()
                    for (i, item) in items.enumerated() { packed.varint(UInt64(bitPattern: Int64(try enumValue(item, e, "\(fpath)[\(i)]")))) }
                    if !items.isEmpty { w.lengthDelimited(field.number, packed.bytes) }
                } else {
                    for (i, item) in items.enumerated() { try single(item, field, "\(fpath)[\(i)]", into: &w) }
                }
            } else {
                try single(value, field, fpath, into: &w)
            }
        }
    }

    private func single(_ value: JSONValue, _ field: ProtoSchema.Field, _ path: String, into w: inout ProtoWireWriter) throws(CodecError) {
        switch field.type {
        case .scalar(let s): try scalar(value, s, path, into: &w, number: field.number)
        case .enumeration(let e):
            w.tag(field.number, 0)
            w.varint(UInt64(bitPattern: Int64(try enumValue(value, e, path))))
        case .message(let m):
            var inner = ProtoWireWriter()
            try encode(value, as: m, path: path, into: &inner)
            w.lengthDelimited(field.number, inner.bytes)
        }
    }

    private func enumValue(_ value: JSONValue, _ type: String, _ path: String) throws(CodecError) -> Int32 {
        let e = schema.enums[type]!
        switch value {
        case .string(let name):
            guard let v = e.values.first(where: { $0.0 == name }) else {
                throw CodecError(.invalidValue, "\(path): '\(name)' is not a \(type) (one of \(e.values.map(\.0).joined(separator: ", ")))")
            }
            return v.1
        case .number(let n):
            guard let v = Int32(n) else { throw CodecError(.invalidValue, "\(path): \(n) is not an enum number") }
            return v
        default: throw CodecError(.wrongKind, "\(path): expected an enum name, got \(value.kindName)")
        }
    }

    /// Writes one scalar; `number` nil = inside a packed run (no tag).
    private func scalar(_ value: JSONValue, _ type: String, _ path: String, into w: inout ProtoWireWriter, number: Int?) throws(CodecError) {
        func integer<T: FixedWidthInteger>(_: T.Type) throws(CodecError) -> T {
            let text: String
            switch value {
            case .number(let n): text = n
            case .string(let s): text = s
            default: throw CodecError(.wrongKind, "\(path): expected an integer, got \(value.kindName)")
            }
            if let v = T(text) { return v }
            if let d = Double(text), d == d.rounded(), let v = T(exactly: d) { return v }
            throw CodecError(.invalidValue, "\(path): '\(text)' is not a valid \(type)")
        }
        func real() throws(CodecError) -> Double {
            switch value {
            case .number(let n): return Double(n)!
            case .string("NaN"): return .nan
            case .string("Infinity"): return .infinity
            case .string("-Infinity"): return -.infinity
            case .string(let s): if let d = Double(s) { return d }
            default: break
            }
            throw CodecError(.wrongKind, "\(path): expected a number, got \(value.kindName)")
        }
        switch type {
        case "int32", "int64", "uint32", "uint64", "bool", "sint32", "sint64":
            let v: UInt64
            switch type {
            case "int32": v = UInt64(bitPattern: Int64(try integer(Int32.self)))
            case "int64": v = UInt64(bitPattern: try integer(Int64.self))
            case "uint32": v = UInt64(try integer(UInt32.self))
            case "uint64": v = try integer(UInt64.self)
            case "sint32": let x = Int64(try integer(Int32.self)); v = UInt64(bitPattern: (x << 1) ^ (x >> 63))
            case "sint64": let x = try integer(Int64.self); v = UInt64(bitPattern: (x << 1) ^ (x >> 63))
            default:
                guard case .bool(let b) = value else { throw CodecError(.wrongKind, "\(path): expected true or false, got \(value.kindName)") }
                v = b ? 1 : 0
            }
            if let n = number { w.tag(n, 0) }
            w.varint(v)
        case "float", "fixed32", "sfixed32":
            let bits: UInt32
            switch type {
            case "float": bits = Float(try real()).bitPattern
            case "fixed32": bits = try integer(UInt32.self)
            default: bits = UInt32(bitPattern: try integer(Int32.self))
            }
            if let n = number { w.tag(n, 5) }
            w.fixed32(bits)
        case "double", "fixed64", "sfixed64":
            let bits: UInt64
            switch type {
            case "double": bits = try real().bitPattern
            case "fixed64": bits = try integer(UInt64.self)
            default: bits = UInt64(bitPattern: try integer(Int64.self))
            }
            if let n = number { w.tag(n, 1) }
            w.fixed64(bits)
        case "string":
            guard case .string(let s) = value else { throw CodecError(.wrongKind, "\(path): expected a string, got \(value.kindName)") }
            w.lengthDelimited(number!, Array(s.utf8))
        case "bytes":
            guard case .string(let s) = value, let b = Base64.decode(s) else { throw CodecError(.invalidValue, "\(path): expected base64 text") }
            w.lengthDelimited(number!, b)
        default:
            throw CodecError(.unknownType, "\(path): unsupported type \(type)")
        }
    }

    // ---- protobuf → JSON ----------------------------------------------------------------------

    func decode(_ bytes: [UInt8], as type: String) throws(CodecError) -> JSONValue {
        try decode(bytes[...], as: type)
    }

    private func decode(_ bytes: ArraySlice<UInt8>, as type: String) throws(CodecError) -> JSONValue {
        guard let message = schema.messages[type] else { throw CodecError(.unknownType, "unknown message type \(type)") }
        var r = ProtoWireReader(bytes)
        var singles: [Int: JSONValue] = [:]
        var lists: [Int: [JSONValue]] = [:]
        do {
            while !r.atEnd {
                let (number, wireType) = try r.tag()
                guard let field = message.field(number: number) else { try r.skip(wireType); continue }
                if field.repeated, wireType == 2, case .scalar(let s) = field.type, s != "string", s != "bytes" {
                    var inner = ProtoWireReader(try r.lengthDelimited())
                    while !inner.atEnd { lists[number, default: []].append(try scalarJSON(&inner, s, packedWireType(s))) }
                    continue
                }
                if field.repeated, wireType == 2, case .enumeration(let e) = field.type {
                    var inner = ProtoWireReader(try r.lengthDelimited())
                    while !inner.atEnd { lists[number, default: []].append(enumJSON(Int32(truncatingIfNeeded: Int64(bitPattern: try inner.varint())), e)) }
                    continue
                }
                let v: JSONValue
                switch field.type {
                case .scalar(let s): v = try scalarJSON(&r, s, wireType)
                case .enumeration(let e): v = enumJSON(Int32(truncatingIfNeeded: Int64(bitPattern: try r.varint())), e)
                case .message(let m): v = try decode(try r.lengthDelimited(), as: m)
                }
                if field.repeated { lists[number, default: []].append(v) } else { singles[number] = v }
            }
        } catch let e as ProtoWireReader.WireError {
            throw CodecError(.malformedProtobuf, "\(type): malformed protobuf (\(e.reason))", cause: e)
        } catch let e as CodecError {
            throw e
        } catch {
            throw CodecError(.malformedProtobuf, "\(type): \(error)", cause: error)
        }
        var out: [(String, JSONValue)] = []
        for f in message.fields {
            if f.repeated {
                if let l = lists[f.number], !l.isEmpty { out.append((f.jsonName, .array(l))) }
            } else if let v = singles[f.number], !Self.isDefault(v, f.type) {
                out.append((f.jsonName, v))
            }
        }
        return .object(out)
    }

    private static func isDefault(_ v: JSONValue, _ type: ProtoSchema.FieldType) -> Bool {
        if case .message = type { return false }  // a present message is present, even if empty
        switch v {
        case .bool(false), .string(""): return true
        case .number(let n): return Double(n) == 0 && !n.hasPrefix("-")
        case .string(let s): if case .scalar(let t) = type, t.hasSuffix("64") { return s == "0" }; return false
        default: return false
        }
    }

    private func packedWireType(_ s: String) -> Int {
        switch s {
        case "float", "fixed32", "sfixed32": 5
        case "double", "fixed64", "sfixed64": 1
        default: 0
        }
    }

    private func enumJSON(_ v: Int32, _ type: String) -> JSONValue {
        if let name = schema.enums[type]?.values.first(where: { $0.1 == v })?.0 { return .string(name) }
        return .number(String(v))
    }

    private func scalarJSON(_ r: inout ProtoWireReader, _ s: String, _ wireType: Int) throws -> JSONValue {
        switch (s, wireType) {
        case ("int32", 0): return .number(String(Int32(truncatingIfNeeded: Int64(bitPattern: try r.varint()))))
        case ("int64", 0): return .string(String(Int64(bitPattern: try r.varint())))
        case ("uint32", 0): return .number(String(UInt32(truncatingIfNeeded: try r.varint())))
        case ("uint64", 0): return .string(String(try r.varint()))
        case ("sint32", 0), ("sint64", 0):
            let u = try r.varint()
            let v = Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1)))
            return s == "sint32" ? .number(String(v)) : .string(String(v))
        case ("bool", 0): return .bool(try r.varint() != 0)
        case ("float", 5): return Self.real(Double(Float(bitPattern: try r.fixed32())), float: true)
        case ("fixed32", 5): return .number(String(try r.fixed32()))
        case ("sfixed32", 5): return .number(String(Int32(bitPattern: try r.fixed32())))
        case ("double", 1): return Self.real(Double(bitPattern: try r.fixed64()), float: false)
        case ("fixed64", 1): return .string(String(try r.fixed64()))
        case ("sfixed64", 1): return .string(String(Int64(bitPattern: try r.fixed64())))
        case ("string", 2): return .string(String(decoding: try r.lengthDelimited(), as: UTF8.self))
        case ("bytes", 2): return .string(Base64.encode(Array(try r.lengthDelimited())))
        default: throw CodecError(.malformedProtobuf, "field of type \(s) arrived with wire type \(wireType)")
        }
    }

    /// Shortest text that reads back as the same Float (or Double); NaN/±Infinity as strings.
    static func real(_ d: Double, float: Bool) -> JSONValue {
        if d.isNaN { return .string("NaN") }
        if d.isInfinite { return .string(d > 0 ? "Infinity" : "-Infinity") }
        var text = float ? "\(Float(d))" : "\(d)"
        if text.hasSuffix(".0") { text.removeLast(2) }
        return .number(text)
    }
}
