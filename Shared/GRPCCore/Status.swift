/// The final status of an RPC: a code and a human-readable message.
public struct Status: Hashable, Sendable, CustomStringConvertible {
    public var code: StatusCode
    public var message: String

    public init(code: StatusCode, message: String = "") {
        self.code = code
        self.message = message
    }

    public static let ok = Status(code: .ok)

    public var isOK: Bool { code == .ok }

    /// Most UTF-8 bytes of a message that go on the wire (`grpc-message`). Messages often echo
    /// client input; a longer one is cut (at a character boundary, marked `…[truncated]`) so the
    /// trailer block stays far below HTTP/2 header-list limits (nghttp2 refuses blocks over 64 KiB,
    /// grpcio's default limit is 16 KiB; percent-encoding can triple the size).
    public static let maxWireMessageBytes = 2048

    /// `message` cut to `maxWireMessageBytes` UTF-8 bytes.
    public var wireMessage: String {
        let utf8 = message.utf8
        guard utf8.count > Self.maxWireMessageBytes else { return message }
        let marker = "…[truncated]"
        var bytes = Array(utf8.prefix(Self.maxWireMessageBytes - marker.utf8.count))
        // Drop a character cut in the middle: its continuation bytes, then its lead byte.
        while let last = bytes.last, last & 0xC0 == 0x80 { bytes.removeLast() }
        if let last = bytes.last, last >= 0xC0 { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self) + marker
    }

    public var description: String { message.isEmpty ? "\(code)" : "\(code): \(message)" }
}
