internal import CProtobufC

/// Copies Swift values into an arena as the C representations protobuf-c packs from. Every
/// pointer returned lives until the arena ends (the end of `WireArena.encode`).
extension UnsafeMutablePointer where Pointee == WireArena {
    func allocate<T>(_ type: T.Type, count: Int = 1) -> UnsafeMutablePointer<T> {
        precondition(MemoryLayout<T>.alignment <= WireArena.alignment)
        return pointee.allocate(byteCount: MemoryLayout<T>.stride * count).bindMemory(to: T.self, capacity: count)
    }

    /// A NUL-terminated UTF-8 copy of `string`.
    func cString(_ string: String) -> UnsafeMutablePointer<CChar> {
        var string = string
        return string.withUTF8 { utf8 in
            let p = allocate(CChar.self, count: utf8.count + 1)
            if let base = utf8.baseAddress {
                UnsafeMutableRawPointer(p).copyMemory(from: base, byteCount: utf8.count)
            }
            p[utf8.count] = 0
            return p
        }
    }

    func binary(_ bytes: [UInt8]) -> ProtobufCBinaryData {
        guard !bytes.isEmpty else { return ProtobufCBinaryData(len: 0, data: nil) }
        let p = allocate(UInt8.self, count: bytes.count)
        bytes.withUnsafeBufferPointer { p.initialize(from: $0.baseAddress!, count: $0.count) }
        return ProtobufCBinaryData(len: bytes.count, data: p)
    }

    /// A copy of a numeric array (repeated scalar fields), nil when empty.
    func numbers<T: BitwiseCopyable>(_ values: [T]) -> UnsafeMutablePointer<T>? {
        guard !values.isEmpty else { return nil }
        let p = allocate(T.self, count: values.count)
        values.withUnsafeBufferPointer { p.initialize(from: $0.baseAddress!, count: $0.count) }
        return p
    }

    /// `values` mapped through `element` into a C array, nil when empty.
    func array<T, C>(_ values: [T], _ element: (T) -> C) -> UnsafeMutablePointer<C>? {
        guard !values.isEmpty else { return nil }
        let p = allocate(C.self, count: values.count)
        for (i, v) in values.enumerated() { (p + i).initialize(to: element(v)) }
        return p
    }
}
