import GRPCCore

/// Framed messages waiting to go out as DATA on one stream (either side): appended by the
/// call, copied out by nghttp2's data callback. Keeps its capacity, so a reused stream does
/// not allocate again.
struct OutboundBuffer {
    private(set) var bytes: [UInt8] = []
    private var offset = 0

    /// Bytes queued and not yet handed to nghttp2.
    var count: Int { bytes.count - offset }
    var isEmpty: Bool { bytes.count == offset }

    /// Appends `payload` with its 5-byte gRPC prefix.
    mutating func appendMessage(_ payload: [UInt8]) {
        MessageFramer.append(payload, to: &bytes)
    }

    /// Copies up to `length` queued bytes into `buf`; returns how many.
    mutating func read(into buf: UnsafeMutablePointer<UInt8>, length: Int) -> Int {
        let n = min(count, length)
        guard n > 0 else { return 0 }
        bytes.withUnsafeBytes { raw in
            buf.update(from: raw.baseAddress!.advanced(by: offset).assumingMemoryBound(to: UInt8.self), count: n)
        }
        offset += n
        if offset == bytes.count {
            bytes.removeAll(keepingCapacity: true)
            offset = 0
        }
        return n
    }

    /// Empties it, keeping the capacity up to `maxRetainedCapacity` bytes.
    mutating func reset(maxRetainedCapacity: Int) {
        bytes.removeAll(keepingCapacity: bytes.capacity <= maxRetainedCapacity)
        offset = 0
    }
}
