import GRPCCore

/// A header block being built: names and values packed into one byte buffer; the session turns
/// it into nghttp2's name/value array only for the duration of a submit call (nghttp2 copies).
struct HeaderList {
    private(set) var bytes: [UInt8] = []
    /// (name offset, name length, value offset, value length) into `bytes`, per header.
    private(set) var spans: [(Int, Int, Int, Int)] = []

    init() {}

    var isEmpty: Bool { spans.isEmpty }

    mutating func add(_ name: String, _ value: String) {
        let ns = bytes.count
        bytes.append(contentsOf: name.utf8)
        let vs = bytes.count
        bytes.append(contentsOf: value.utf8)
        spans.append((ns, vs - ns, vs, bytes.count - vs))
    }

    /// Adds custom metadata: `-bin` values base64-encoded; reserved names are skipped.
    mutating func add(metadata: Metadata) {
        for (key, value) in metadata {
            if HeaderList.isReserved(key) { continue }
            switch value {
            case .string(let s): add(key, s)
            case .binary(let b): add(key, Base64.encode(b))
            }
        }
    }

    static func isReserved(_ key: String) -> Bool {
        key.hasPrefix(":") || key.hasPrefix("grpc-") || key == "content-type" || key == "te"
            || key == "connection" || key == "transfer-encoding" || key == "keep-alive"
            || key == "upgrade" || key == "host"
    }
}
