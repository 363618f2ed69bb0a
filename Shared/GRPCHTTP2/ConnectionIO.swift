import KGRecPOSIX

/// Where a connection's bytes go: its socket, or memory. A memory connection (server or client) is
/// never registered with the loop: its driver feeds the peer's bytes to `ServerConnection.receive`
/// / `ClientConnection.receive` and takes what `flush` sent from the sink, so the HTTP/2 and gRPC
/// protocol runs byte by byte without a socket (the in-memory tests).
enum ConnectionIO {
    case socket(Int32)
    case memory(MemoryByteSink)

    /// One send: bytes taken, or `-errno` (a memory sink takes everything).
    @inline(__always)
    func send(_ bytes: UnsafeRawBufferPointer) -> Int {
        switch self {
        case .socket(let fd): return TCPSocket.send(fd, bytes.baseAddress, count: bytes.count)
        case .memory(let sink):
            sink.bytes.append(contentsOf: bytes)
            return bytes.count
        }
    }
}
