/// The bytes a memory connection sent and its driver has not taken yet.
final class MemoryByteSink {
    var bytes: [UInt8] = []

    init() {}

    /// Everything sent since the last call.
    func take() -> [UInt8] {
        defer { bytes.removeAll(keepingCapacity: true) }
        return bytes
    }
}
