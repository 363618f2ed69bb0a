/// The protocol-buffer wire format read and written by hand, for the paths that work on a
/// message's bytes without protobuf-c: the embedded-NUL scan (`WireStringScan`) and the ranker's
/// Score answered straight from and into wire bytes.
public enum ProtoWire {
    /// One field's value as it sits on the wire (groups are not supported: `malformed`).
    public enum Value {
        case varint(UInt64)
        case fixed64(UInt64)
        case lengthDelimited(UnsafeRawBufferPointer)
        case fixed32(UInt32)
    }

    public enum Next {
        case field(number: UInt32, value: Value)
        case end
        /// A truncated or over-long varint, a length past the end, a group or an unknown wire type.
        case malformed
    }

    /// A message's fields in wire order. `bytes` must outlive the reader and its values.
    public struct Reader {
        @usableFromInline let base: UnsafeRawPointer?
        @usableFromInline let count: Int
        @usableFromInline var i = 0

        @inlinable
        public init(_ bytes: UnsafeRawBufferPointer) {
            base = bytes.baseAddress
            count = bytes.count
        }

        @inlinable @inline(__always)
        public mutating func next() -> Next {
            guard i < count, let base else { return .end }
            guard let key = varint(base), key >> 3 != 0, key >> 3 <= UInt64(UInt32.max) else { return .malformed }
            let number = UInt32(truncatingIfNeeded: key >> 3)
            switch key & 7 {
            case 0:
                guard let v = varint(base) else { return .malformed }
                return .field(number: number, value: .varint(v))
            case 1:
                guard count - i >= 8 else { return .malformed }
                defer { i += 8 }
                return .field(number: number, value: .fixed64(UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self))))
            case 2:
                guard let n = varint(base), n <= UInt64(count - i) else { return .malformed }
                defer { i += Int(n) }
                return .field(number: number, value: .lengthDelimited(UnsafeRawBufferPointer(start: base + i, count: Int(n))))
            case 5:
                guard count - i >= 4 else { return .malformed }
                defer { i += 4 }
                return .field(number: number, value: .fixed32(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt32.self))))
            default:
                return .malformed
            }
        }

        @inlinable @inline(__always)
        mutating func varint(_ base: UnsafeRawPointer) -> UInt64? { ProtoWire.varint(base, count, &i) }
    }

    /// The varint at `base[i...]` (`count` bytes in all), `i` moved past it; nil when the bytes end
    /// first (`i == count` then) or it runs past ten bytes (`i < count`). The one varint decoder:
    /// the reader above and the CLI's schema-driven codec both use it.
    @inlinable @inline(__always)
    public static func varint(_ base: UnsafeRawPointer, _ count: Int, _ i: inout Int) -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while i < count, shift < 64 {
            let b = base.load(fromByteOffset: i, as: UInt8.self)
            i += 1
            value |= UInt64(b & 0x7f) << shift
            if b < 0x80 { return value }
            shift += 7
        }
        return nil
    }

    /// Writes fields into memory the caller sized with the `…Size` functions.
    public struct Writer {
        /// Where the next byte goes.
        public var position: UnsafeMutablePointer<UInt8> { next }
        @usableFromInline var next: UnsafeMutablePointer<UInt8>

        @inlinable
        public init(_ start: UnsafeMutablePointer<UInt8>) { next = start }

        @inlinable @inline(__always)
        public mutating func varint(_ v: UInt64) {
            var v = v
            while v >= 0x80 {
                next.pointee = UInt8(truncatingIfNeeded: v) | 0x80
                next += 1
                v >>= 7
            }
            next.pointee = UInt8(v)
            next += 1
        }

        /// A field key: `number << 3 | wireType`.
        @inlinable @inline(__always)
        public mutating func key(_ number: UInt32, _ wireType: UInt8) {
            varint(UInt64(number) << 3 | UInt64(wireType))
        }

        @inlinable @inline(__always)
        public mutating func fixed32(_ v: UInt32) {
            UnsafeMutableRawPointer(next).storeBytes(of: v.littleEndian, as: UInt32.self)
            next += 4
        }

        @inlinable @inline(__always)
        public mutating func bytes(_ b: UnsafeRawBufferPointer) {
            guard let src = b.baseAddress, b.count > 0 else { return }
            UnsafeMutableRawPointer(next).copyMemory(from: src, byteCount: b.count)
            next += b.count
        }
    }

    @inlinable @inline(__always)
    public static func varintSize(_ v: UInt64) -> Int {
        (64 - v.leadingZeroBitCount + 6) / 7 + (v == 0 ? 1 : 0)
    }
}
