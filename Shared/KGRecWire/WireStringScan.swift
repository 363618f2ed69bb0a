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
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        try scan(base.assumingMemoryBound(to: UInt8.self), bytes.count, descriptor, depth: 0)
    }

    private static func scan(_ p: UnsafePointer<UInt8>, _ count: Int,
                             _ descriptor: UnsafePointer<ProtobufCMessageDescriptor>, depth: Int) throws {
        guard depth < maxDepth else { return }
        var i = 0
        while i < count {
            guard let key = varint(p, count, &i) else { return }
            let fieldID = UInt32(truncatingIfNeeded: key >> 3)
            switch key & 7 {
            case 0: guard varint(p, count, &i) != nil else { return }
            case 1: i += 8
            case 5: i += 4
            case 2:
                guard let length = varint(p, count, &i), length <= UInt64(count - i) else { return }
                let n = Int(length)
                if let field = field(fieldID, in: descriptor) {
                    if field.pointee.type == PROTOBUF_C_TYPE_STRING {
                        if n > 0, memchr(p + i, 0, n) != nil {
                            let name = String(cString: field.pointee.name)
                            throw RPCError(.invalidArgument,
                                           "\(String(cString: descriptor.pointee.name)).\(name): string contains a NUL byte")
                        }
                    } else if field.pointee.type == PROTOBUF_C_TYPE_MESSAGE,
                              let sub = field.pointee.descriptor?.assumingMemoryBound(to: ProtobufCMessageDescriptor.self) {
                        try scan(p + i, n, sub, depth: depth + 1)
                    }
                }
                i += n
            default: return  // groups: protobuf-c accepted them; nothing of ours uses them
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

    private static func varint(_ p: UnsafePointer<UInt8>, _ count: Int, _ i: inout Int) -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while i < count, shift < 64 {
            let b = p[i]
            i += 1
            value |= UInt64(b & 0x7f) << shift
            if b < 0x80 { return value }
            shift += 7
        }
        return nil
    }
}
