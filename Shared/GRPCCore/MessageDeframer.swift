/// Incremental reader of gRPC length-prefixed messages. Feed it bytes as they arrive with
/// `append`, then take whole messages with `next()` until it returns nil.
///
/// Errors (thrown as `RPCError`, the call ends with that status):
/// - a payload longer than `maxMessageSize` → `RESOURCE_EXHAUSTED` (detected from the prefix,
///   before buffering the payload);
/// - a compressed flag of 1: we only speak identity → `INTERNAL`;
/// - a flag byte other than 0 or 1 → `INTERNAL`.
/// A stream that ends while `hasPartialMessage` is true was truncated (the caller → `INTERNAL`).
public struct MessageDeframer: Sendable {
    public let maxMessageSize: Int
    @usableFromInline var buffer: [UInt8] = []
    @usableFromInline var readIndex = 0

    public init(maxMessageSize: Int) {
        self.maxMessageSize = maxMessageSize
    }

    /// True when some bytes of a message (prefix or payload) are buffered.
    public var hasPartialMessage: Bool { readIndex < buffer.count }

    /// Bytes buffered and not yet returned as messages.
    public var bufferedBytes: Int { buffer.count - readIndex }

    /// Largest buffer allocation `reset` keeps for reuse; a bigger one (left by a large message)
    /// is released, so pooled deframers do not pin the peak message size.
    public static let maxRetainedCapacity = 16 << 10

    /// Bytes allocated for the buffer (for tests of what pooled deframers retain).
    public var capacity: Int { buffer.capacity }

    /// Drops everything buffered, keeping an allocation of up to `maxRetainedCapacity` for reuse.
    public mutating func reset() {
        buffer.removeAll(keepingCapacity: buffer.capacity <= Self.maxRetainedCapacity)
        readIndex = 0
    }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        } else if readIndex > 4096 && readIndex * 2 > buffer.count {
            buffer.removeSubrange(0..<readIndex)
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
    }

    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// The next whole message's payload, or nil when more bytes are needed.
    public mutating func next() throws(RPCError) -> [UInt8]? {
        guard let length = try nextLength() else { return nil }
        let start = readIndex + MessageFramer.prefixLength
        let message = Array(buffer[start..<(start + length)])
        readIndex = start + length
        return message
    }

    /// Calls `body` with the next whole message's payload in place (no copy), or returns nil
    /// when more bytes are needed. The pointer is valid only inside `body`.
    public mutating func withNext<R>(
        _ body: (UnsafeRawBufferPointer) throws -> R
    ) throws -> R? {
        guard let length = try nextLength() else { return nil }
        let start = readIndex + MessageFramer.prefixLength
        readIndex = start + length
        return try buffer.withUnsafeBytes { raw in
            try body(UnsafeRawBufferPointer(rebasing: raw[start..<(start + length)]))
        }
    }

    /// Validates the next prefix without consuming anything; the payload length if the whole
    /// message is buffered, nil if more bytes are needed. Throws as `next()` does.
    public func peekMessageLength() throws(RPCError) -> Int? { try nextLength() }

    /// Validates the prefix at `readIndex`; the payload length if the whole message is here.
    @usableFromInline
    func nextLength() throws(RPCError) -> Int? {
        let available = buffer.count - readIndex
        guard available >= MessageFramer.prefixLength else { return nil }
        let flag = buffer[readIndex]
        if flag == 1 {
            throw RPCError(.internal,
                           "compressed message received but no grpc-encoding was negotiated")
        }
        if flag != 0 {
            throw RPCError(.internal, "invalid message flag byte \(flag)")
        }
        var length = 0
        for i in 1...4 { length = length << 8 | Int(buffer[readIndex + i]) }
        if length > maxMessageSize {
            throw RPCError(.resourceExhausted,
                           "message of \(length) bytes exceeds the limit of \(maxMessageSize) bytes")
        }
        guard available >= MessageFramer.prefixLength + length else { return nil }
        return length
    }
}
