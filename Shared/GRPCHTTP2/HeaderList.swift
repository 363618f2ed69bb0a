internal import CNGHTTP2
import GRPCCore

/// A header block being built for nghttp2: names and values packed into one byte buffer, turned
/// into an `nghttp2_nv` array only for the duration of a submit call (nghttp2 copies them).
struct HeaderList {
    private var bytes: [UInt8] = []
    private var spans: [(Int, Int, Int, Int)] = []

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

    func withNV<R>(_ body: (UnsafePointer<nghttp2_nv>, Int) -> R) -> R {
        bytes.withUnsafeBufferPointer { b in
            let base = b.baseAddress ?? UnsafePointer(bitPattern: 1)!
            return withUnsafeTemporaryAllocation(of: nghttp2_nv.self, capacity: max(1, spans.count)) { nv in
                for (i, s) in spans.enumerated() {
                    nv[i] = kg_nv(base + s.0, s.1, base + s.2, s.3, UInt8(NGHTTP2_NV_FLAG_NONE.rawValue))
                }
                return body(UnsafePointer(nv.baseAddress!), spans.count)
            }
        }
    }
}

/// Constant header blocks of the hot path, allocated once, passed to nghttp2 with NO_COPY.
enum StaticHeaders {
    /// `:status 200`, `content-type: application/grpc`, `grpc-accept-encoding: identity`.
    nonisolated(unsafe) static let okResponse = make([
        (":status", "200"), ("content-type", "application/grpc"),
        ("grpc-accept-encoding", "identity"),
    ])
    /// `grpc-status: 0`.
    nonisolated(unsafe) static let okTrailers = make([("grpc-status", "0")])

    struct Block {
        let nv: UnsafeMutablePointer<nghttp2_nv>
        let count: Int
    }

    static func make(_ pairs: [(String, String)]) -> Block {
        let nv = UnsafeMutablePointer<nghttp2_nv>.allocate(capacity: pairs.count)
        for (i, (n, v)) in pairs.enumerated() {
            let nb = UnsafeMutablePointer<UInt8>.allocate(capacity: n.utf8.count)
            nb.initialize(from: Array(n.utf8), count: n.utf8.count)
            let vb = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, v.utf8.count))
            vb.initialize(from: Array(v.utf8), count: v.utf8.count)
            let flags = UInt8(NGHTTP2_NV_FLAG_NO_COPY_NAME.rawValue | NGHTTP2_NV_FLAG_NO_COPY_VALUE.rawValue)
            nv[i] = kg_nv(nb, n.utf8.count, vb, v.utf8.count, flags)
        }
        return Block(nv: nv, count: pairs.count)
    }
}
