/// Writes gRPC length-prefixed messages: a 1-byte compressed flag (always 0: we send identity)
/// followed by the 4-byte big-endian payload length, then the payload.
public enum MessageFramer {
    /// Bytes of the prefix in front of every message.
    public static let prefixLength = 5

    /// Appends one framed message to `buffer`.
    @inlinable
    public static func append(_ payload: [UInt8], to buffer: inout [UInt8]) {
        buffer.reserveCapacity(buffer.count + prefixLength + payload.count)
        appendPrefix(length: payload.count, to: &buffer)
        buffer.append(contentsOf: payload)
    }

    /// One framed message.
    @inlinable
    public static func framed(_ payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        append(payload, to: &out)
        return out
    }

    /// Appends the 5-byte prefix for an uncompressed payload of `length` bytes.
    @inlinable
    public static func appendPrefix(length: Int, to buffer: inout [UInt8]) {
        let n = UInt32(truncatingIfNeeded: length)
        buffer.append(0)
        buffer.append(UInt8(truncatingIfNeeded: n >> 24))
        buffer.append(UInt8(truncatingIfNeeded: n >> 16))
        buffer.append(UInt8(truncatingIfNeeded: n >> 8))
        buffer.append(UInt8(truncatingIfNeeded: n))
    }

    /// Writes the 5-byte prefix at `p` (which must have room for 5 bytes).
    @inlinable
    public static func writePrefix(length: Int, to p: UnsafeMutableRawPointer) {
        let n = UInt32(truncatingIfNeeded: length)
        p.storeBytes(of: 0, as: UInt8.self)
        p.storeBytes(of: n.bigEndian, toByteOffset: 1, as: UInt32.self)
    }
}
