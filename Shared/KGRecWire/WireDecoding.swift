internal import CProtobufC
import GRPCCore

/// Copies protobuf-c values (owned by a decode arena) into Swift values.
enum WireDecoding {
    /// A proto `string`: must be valid UTF-8 (as proto3 requires), else `RPCError(.internal)`.
    static func string(_ p: UnsafeMutablePointer<CChar>?, _ field: String) throws -> String {
        guard let p, p.pointee != 0 else { return "" }
        guard let s = String(validatingCString: p) else {
            throw RPCError(.internal, "could not decode \(field): string is not valid UTF-8")
        }
        return s
    }

    static func bytes(_ b: ProtobufCBinaryData) -> [UInt8] {
        guard b.len > 0, let data = b.data else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: b.len))
    }

    /// A repeated numeric field: one bulk copy.
    static func numbers<T>(_ p: UnsafeMutablePointer<T>?, _ count: Int) -> [T] {
        guard count > 0, let p else { return [] }
        return Array(UnsafeBufferPointer(start: p, count: count))
    }

    /// A repeated field converted element by element.
    static func array<E, T>(_ p: UnsafeMutablePointer<E>?, _ count: Int, _ element: (E) throws -> T) rethrows -> [T] {
        guard count > 0, let p else { return [] }
        var out: [T] = []
        out.reserveCapacity(count)
        for i in 0..<count { out.append(try element(p[i])) }
        return out
    }
}
