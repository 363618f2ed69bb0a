import GRPCInterop

/// A `ProtoSchema` from serialized `google.protobuf.FileDescriptorProto`s: the generated ones of
/// `Protos/` (`ProtoSchema.builtIn`) or those a server sends through reflection
/// (`ReflectionClient`). Reads only what `ProtoJSONCodec` needs (descriptor.proto numbering:
/// https://github.com/protocolbuffers/protobuf/blob/main/src/google/protobuf/descriptor.proto).
extension ProtoSchema {
    /// Every file of `Protos/`, as `scripts/gen-protos.sh` generated them.
    static let builtIn: ProtoSchema = {
        do { return try ProtoSchema(descriptors: ProtoFileDescriptors.files.map(\.serialized)) } catch {
            fatalError("generated descriptors: \(error)")
        }
    }()

    /// Merges the files (each with its imports, in any order); a message, enum or service defined
    /// twice keeps its first definition. Throws when a field or rpc names a type no file defines.
    init(descriptors: [[UInt8]]) throws(ParseError) {
        self.init()
        for bytes in descriptors {
            do { try readFile(ArraySlice(bytes)) } catch {
                throw ParseError(.malformed, "malformed FileDescriptorProto: \(error.reason)", cause: error)
            }
        }
        for m in messages.values {
            for f in m.fields {
                switch f.type {
                case .enumeration(let t) where enums[t] == nil, .message(let t) where messages[t] == nil:
                    throw ParseError(.unknownType, "unknown type \(t) of \(m.name).\(f.name)")
                default: continue
                }
            }
        }
        for m in methods {
            for t in [m.input, m.output] where messages[t] == nil {
                throw ParseError(.unknownMessage, "rpc \(m.path) uses unknown message \(t)")
            }
        }
    }

    /// FieldDescriptorProto.type numbers → proto scalar names (11 message and 14 enum resolve by name).
    private static let scalarTypes: [UInt64: String] = [
        1: "double", 2: "float", 3: "int64", 4: "uint64", 5: "int32", 6: "fixed64", 7: "fixed32", 8: "bool",
        9: "string", 12: "bytes", 13: "uint32", 15: "sfixed32", 16: "sfixed64", 17: "sint32", 18: "sint64",
    ]

    private func qualify(_ scope: String, _ name: String) -> String { scope.isEmpty ? name : scope + "." + name }

    /// `.pkg.Message` → `pkg.Message`.
    private static func unqualified(_ typeName: String) -> String {
        typeName.hasPrefix(".") ? String(typeName.dropFirst()) : typeName
    }

    /// FileDescriptorProto: 1 name, 2 package, 4 message_type, 5 enum_type, 6 service.
    private mutating func readFile(_ bytes: ArraySlice<UInt8>) throws(ProtoWireReader.WireError) {
        var package = "", messageBytes: [ArraySlice<UInt8>] = [], enumBytes: [ArraySlice<UInt8>] = [], services: [ArraySlice<UInt8>] = []
        var r = ProtoWireReader(bytes)
        while !r.atEnd {
            let (number, wire) = try r.tag()
            switch (number, wire) {
            case (2, 2): package = String(decoding: try r.lengthDelimited(), as: UTF8.self)
            case (4, 2): messageBytes.append(try r.lengthDelimited())
            case (5, 2): enumBytes.append(try r.lengthDelimited())
            case (6, 2): services.append(try r.lengthDelimited())
            default: try r.skip(wire)
            }
        }
        for m in messageBytes { try readMessage(m, scope: package) }
        for e in enumBytes { try readEnum(e, scope: package) }
        for s in services { try readService(s, package: package) }
    }

    /// DescriptorProto: 1 name, 2 field, 3 nested_type, 4 enum_type.
    private mutating func readMessage(_ bytes: ArraySlice<UInt8>, scope: String) throws(ProtoWireReader.WireError) {
        var name = "", fields: [ArraySlice<UInt8>] = [], nested: [ArraySlice<UInt8>] = [], enumBytes: [ArraySlice<UInt8>] = []
        var r = ProtoWireReader(bytes)
        while !r.atEnd {
            let (number, wire) = try r.tag()
            switch (number, wire) {
            case (1, 2): name = String(decoding: try r.lengthDelimited(), as: UTF8.self)
            case (2, 2): fields.append(try r.lengthDelimited())
            case (3, 2): nested.append(try r.lengthDelimited())
            case (4, 2): enumBytes.append(try r.lengthDelimited())
            default: try r.skip(wire)
            }
        }
        let full = qualify(scope, name)
        guard messages[full] == nil else { return }
        addMessage(full)
        for n in nested { try readMessage(n, scope: full) }
        for e in enumBytes { try readEnum(e, scope: full) }
        // FieldDescriptorProto: 1 name, 3 number, 4 label (3 = repeated), 5 type, 6 type_name
        // (fully qualified, with a leading dot).
        for f in fields {
            var fieldName = "", fieldNumber = 0, repeated = false, type: UInt64 = 0, typeName = ""
            var fr = ProtoWireReader(f)
            while !fr.atEnd {
                let (number, wire) = try fr.tag()
                switch (number, wire) {
                case (1, 2): fieldName = String(decoding: try fr.lengthDelimited(), as: UTF8.self)
                case (3, 0): fieldNumber = Int(truncatingIfNeeded: try fr.varint())
                case (4, 0): repeated = try fr.varint() == 3
                case (5, 0): type = try fr.varint()
                case (6, 2): typeName = String(decoding: try fr.lengthDelimited(), as: UTF8.self)
                default: try fr.skip(wire)
                }
            }
            let fieldType: FieldType = Self.scalarTypes[type].map { .scalar($0) }
                ?? (type == 14 ? .enumeration(Self.unqualified(typeName)) : .message(Self.unqualified(typeName)))
            addField(Field(name: fieldName, number: fieldNumber, type: fieldType, repeated: repeated), to: full)
        }
    }

    /// EnumDescriptorProto: 1 name, 2 value (EnumValueDescriptorProto: 1 name, 2 number).
    private mutating func readEnum(_ bytes: ArraySlice<UInt8>, scope: String) throws(ProtoWireReader.WireError) {
        var name = "", values: [(String, Int32)] = []
        var r = ProtoWireReader(bytes)
        while !r.atEnd {
            let (number, wire) = try r.tag()
            switch (number, wire) {
            case (1, 2): name = String(decoding: try r.lengthDelimited(), as: UTF8.self)
            case (2, 2):
                var vr = ProtoWireReader(try r.lengthDelimited())
                var valueName = "", value: Int32 = 0
                while !vr.atEnd {
                    let (n, w) = try vr.tag()
                    switch (n, w) {
                    case (1, 2): valueName = String(decoding: try vr.lengthDelimited(), as: UTF8.self)
                    case (2, 0): value = Int32(truncatingIfNeeded: try vr.varint())
                    default: try vr.skip(w)
                    }
                }
                values.append((valueName, value))
            default: try r.skip(wire)
            }
        }
        let full = qualify(scope, name)
        if enums[full] == nil { addEnum(Enum(name: full, values: values)) }
    }

    /// ServiceDescriptorProto: 1 name, 2 method (MethodDescriptorProto: 1 name, 2 input_type,
    /// 3 output_type, 5 client_streaming, 6 server_streaming).
    private mutating func readService(_ bytes: ArraySlice<UInt8>, package: String) throws(ProtoWireReader.WireError) {
        var name = "", methodBytes: [ArraySlice<UInt8>] = []
        var r = ProtoWireReader(bytes)
        while !r.atEnd {
            let (number, wire) = try r.tag()
            switch (number, wire) {
            case (1, 2): name = String(decoding: try r.lengthDelimited(), as: UTF8.self)
            case (2, 2): methodBytes.append(try r.lengthDelimited())
            default: try r.skip(wire)
            }
        }
        let service = qualify(package, name)
        guard !methods.contains(where: { $0.service == service }) else { return }
        for m in methodBytes {
            var method = "", input = "", output = "", clientStreams = false, serverStreams = false
            var mr = ProtoWireReader(m)
            while !mr.atEnd {
                let (number, wire) = try mr.tag()
                switch (number, wire) {
                case (1, 2): method = String(decoding: try mr.lengthDelimited(), as: UTF8.self)
                case (2, 2): input = String(decoding: try mr.lengthDelimited(), as: UTF8.self)
                case (3, 2): output = String(decoding: try mr.lengthDelimited(), as: UTF8.self)
                case (5, 0): clientStreams = try mr.varint() != 0
                case (6, 0): serverStreams = try mr.varint() != 0
                default: try mr.skip(wire)
                }
            }
            addMethod(Method(service: service, name: method, input: Self.unqualified(input),
                             output: Self.unqualified(output), clientStreams: clientStreams,
                             serverStreams: serverStreams))
        }
    }
}
