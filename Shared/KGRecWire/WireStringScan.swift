internal import CProtobufC
import GRPCCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// protobuf-c hands a proto `string` over as a NUL-terminated `char *` and drops its length, so a
/// string with an embedded NUL would arrive silently cut at the NUL. This scan walks the wire bytes
/// protobuf-c has already accepted, guided by the message's descriptor, and rejects any `string`
/// field (at any depth) whose bytes contain a NUL: `RPCError(.invalidArgument)` naming the field.
///
/// Why a scan of the wire bytes rather than decoding strings as `bytes` in the generated code: the
/// generated C stays what protoc-c emits for the .proto (the drift check compares it byte for byte),
/// the Swift field types stay `String`, and the one check covers every message, nested ones too.
/// Cost: one pass that skips every non-string payload by its length (packed floats are one skip).
enum WireStringScan {
    /// Nesting deeper than this is not scanned further (protobuf-c accepted it; our schemas nest < 10).
    static let maxDepth = 64

    static func rejectEmbeddedNUL(_ bytes: UnsafeRawBufferPointer,
                                  _ descriptor: UnsafePointer<ProtobufCMessageDescriptor>) throws {
        try scan(bytes, descriptor, depth: 0)
    }

    private static func scan(_ bytes: UnsafeRawBufferPointer,
                             _ descriptor: UnsafePointer<ProtobufCMessageDescriptor>, depth: Int) throws {
        guard depth < maxDepth else { return }
        var reader = ProtoWire.Reader(bytes)
        while true {
            let id: UInt32, payload: UnsafeRawBufferPointer
            switch reader.next() {
            // Malformed bytes end the scan: protobuf-c accepted them (groups, which nothing of ours uses).
            case .end, .malformed: return
            case .field(let n, .lengthDelimited(let p)): (id, payload) = (n, p)
            case .field: continue
            }
            guard let field = field(id, in: descriptor) else { continue }
            if field.pointee.type == PROTOBUF_C_TYPE_STRING {
                if payload.count > 0, memchr(payload.baseAddress!, 0, payload.count) != nil {
                    let name = String(cString: field.pointee.name)
                    throw RPCError(.invalidArgument,
                                   "\(String(cString: descriptor.pointee.name)).\(name): string contains a NUL byte")
                }
            } else if field.pointee.type == PROTOBUF_C_TYPE_MESSAGE,
                      let sub = field.pointee.descriptor?.assumingMemoryBound(to: ProtobufCMessageDescriptor.self) {
                try scan(payload, sub, depth: depth + 1)
            }
        }
    }

    private static func field(_ id: UInt32, in descriptor: UnsafePointer<ProtobufCMessageDescriptor>)
        -> UnsafePointer<ProtobufCFieldDescriptor>?
    {
        guard let fields = descriptor.pointee.fields else { return nil }
        for k in 0..<Int(descriptor.pointee.n_fields) where fields[k].id == id { return fields + k }
        return nil
    }
}
