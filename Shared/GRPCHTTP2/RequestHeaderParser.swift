import GRPCCore

/// Interprets one request header for a server stream, byte-wise (no String for the common
/// headers). Problems are recorded on the stream and reported when the header block ends.
enum RequestHeaderParser {
    static func header(_ s: ServerStream, name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        s.headerBytes += name.count + value.count + 32
        if s.headerBytes > s.conn.shared.config.maxHeaderListSize {
            s.headersTooLarge = true
            return
        }
        if s.headersTooLarge { return }
        guard let first = name.first else { return }
        if first == UInt8(ascii: ":") {
            if equal(name, ":method") {
                s.isPOST = equal(value, "POST")
            } else if equal(name, ":path") {
                switch s.conn.shared.router.lookup(path: value) {
                case .found(let r): s.route = r
                case let failure:
                    s.lookupFailure = failure
                    s.failedPath = String(decoding: value, as: UTF8.self)
                }
            }
            return
        }
        if equal(name, "content-type") {
            s.contentType = ContentType.classify(value)
        } else if equal(name, "te") || equal(name, "user-agent") {
            return
        } else if name.count > 5 && equal(UnsafeRawBufferPointer(rebasing: name[0..<5]), "grpc-") {
            if equal(name, "grpc-timeout") {
                if let t = GRPCTimeout.parse(value) { s.timeoutNanos = max(t, 1) } else {
                    s.badHeader = "malformed grpc-timeout \(String(decoding: value, as: UTF8.self))"
                }
            } else if equal(name, "grpc-encoding") {
                if !equal(value, "identity") {
                    s.unsupportedEncoding = String(decoding: value, as: UTF8.self)
                }
            }
            // Other grpc-* headers are reserved and not passed on as metadata.
        } else {
            let key = String(decoding: name, as: UTF8.self)
            if name.count > 4 && equal(UnsafeRawBufferPointer(rebasing: name[(name.count - 4)...]), "-bin") {
                guard let bytes = Base64.decode(value) else {
                    s.badHeader = "invalid base64 in binary metadata \(key)"
                    return
                }
                s.metadata.add(key, binary: bytes)
            } else {
                s.metadata.add(key, String(decoding: value, as: UTF8.self))
            }
        }
    }

    @inline(__always)
    static func equal(_ a: UnsafeRawBufferPointer, _ b: StaticString) -> Bool {
        let n = b.utf8CodeUnitCount
        guard a.count == n else { return false }
        let p = b.utf8Start
        for i in 0..<n where a[i] != p[i] { return false }
        return true
    }
}
