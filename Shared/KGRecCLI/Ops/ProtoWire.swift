import KGRecWire

/// Protobuf wire-format primitives for `ProtoJSONCodec`: varints, fixed 32/64-bit values and
/// length-delimited fields (https://protobuf.dev/programming-guides/encoding/).
struct ProtoWireWriter {
    var bytes: [UInt8] = []

    mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 { bytes.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        bytes.append(UInt8(v))
    }

    mutating func tag(_ number: Int, _ wireType: Int) { varint(UInt64(number << 3 | wireType)) }

    mutating func fixed32(_ v: UInt32) { for s in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: v >> s)) } }
    mutating func fixed64(_ v: UInt64) { for s in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: v >> s)) } }

    mutating func lengthDelimited(_ number: Int, _ payload: [UInt8]) {
        tag(number, 2)
        varint(UInt64(payload.count))
        bytes += payload
    }
}

struct ProtoWireReader {
    private let bytes: ArraySlice<UInt8>
    private var i: Int

    init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes; i = bytes.startIndex }

    var atEnd: Bool { i >= bytes.endIndex }

    mutating func varint() throws(WireError) -> UInt64 {
        let start = bytes.startIndex
        var k = i - start
        let v = bytes.withUnsafeBytes { b in b.baseAddress.flatMap { ProtoWire.varint($0, b.count, &k) } }
        i = start + k
        guard let v else {
            throw i >= bytes.endIndex ? WireError(.truncated, "truncated varint")
                : WireError(.invalidVarint, "varint longer than 10 bytes")
        }
        return v
    }

    mutating func tag() throws(WireError) -> (Int, Int) {
        let t = try varint()
        let number = Int(truncatingIfNeeded: t >> 3)
        guard number > 0 else { throw WireError(.invalidTag, "field number 0") }
        return (number, Int(t & 7))
    }

    mutating func fixed32() throws(WireError) -> UInt32 {
        guard i + 4 <= bytes.endIndex else { throw WireError(.truncated, "truncated fixed32") }
        var v: UInt32 = 0
        for k in 0..<4 { v |= UInt32(bytes[i + k]) << (8 * k) }
        i += 4
        return v
    }

    mutating func fixed64() throws(WireError) -> UInt64 {
        guard i + 8 <= bytes.endIndex else { throw WireError(.truncated, "truncated fixed64") }
        var v: UInt64 = 0
        for k in 0..<8 { v |= UInt64(bytes[i + k]) << (8 * k) }
        i += 8
        return v
    }

    mutating func lengthDelimited() throws(WireError) -> ArraySlice<UInt8> {
        let n = try varint()
        guard n <= UInt64(bytes.endIndex - i) else { throw WireError(.truncated, "length past the end") }
        defer { i += Int(n) }
        return bytes[i..<i + Int(n)]
    }

    mutating func skip(_ wireType: Int) throws(WireError) {
        switch wireType {
        case 0: _ = try varint()
        case 1: _ = try fixed64()
        case 2: _ = try lengthDelimited()
        case 5: _ = try fixed32()
        default: throw WireError(.unsupportedWireType, "unsupported wire type \(wireType)")
        }
    }
}
