/// The request headers of one server call, interpreted byte-wise as they arrive (no String for
/// the standard headers), and the verdict once the block is complete. A value type with no I/O,
/// so the whole validation order is unit-testable; the transport only executes the verdict.
public struct RequestHead: Sendable {
    public var headerBytes = 0
    public var headersTooLarge = false
    public var isPOST = false
    public var contentType: ContentType.Verdict?
    public var route: RPCRouter.Route?
    public var unknownMethod = false
    public var failedPath: String?
    /// From `grpc-timeout`, 0 = none.
    public var timeoutNanos: UInt64 = 0
    public var badHeader: String?
    public var unsupportedEncoding: String?
    /// Custom metadata (`-bin` decoded); reserved headers are not included.
    public var metadata = Metadata()

    public init() {}

    /// What the transport must do when the header block ends.
    public enum Verdict: Sendable {
        /// Run the call.
        case accept(RPCRouter.Route)
        /// Answer with a trailers-only response: HTTP `httpStatus` (200 for gRPC-level errors)
        /// carrying `status`.
        case reject(httpStatus: Int, Status)
    }

    /// Takes one header field. `maxHeaderListSize` counts name + value + 32 per field (RFC 9113);
    /// beyond it the rest is ignored and the verdict is RESOURCE_EXHAUSTED.
    public mutating func add(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer,
                             router: RPCRouter, maxHeaderListSize: Int) {
        headerBytes += name.count + value.count + 32
        if headerBytes > maxHeaderListSize { headersTooLarge = true }
        if headersTooLarge { return }
        guard let first = name.first else { return }
        if first == UInt8(ascii: ":") {
            if Self.equal(name, ":method") {
                isPOST = Self.equal(value, "POST")
            } else if Self.equal(name, ":path") {
                switch router.lookup(path: value) {
                case .found(let r): route = r
                case .unknownMethod:
                    unknownMethod = true
                    failedPath = String(decoding: value, as: UTF8.self)
                case .unknownService:
                    failedPath = String(decoding: value, as: UTF8.self)
                }
            }
            return
        }
        if Self.equal(name, "content-type") {
            contentType = ContentType.classify(value)
        } else if Self.equal(name, "te") || Self.equal(name, "user-agent") {
            return
        } else if name.count > 5 && Self.equal(UnsafeRawBufferPointer(rebasing: name[0..<5]), "grpc-") {
            if Self.equal(name, "grpc-timeout") {
                if let t = GRPCTimeout.parse(value) { timeoutNanos = max(t, 1) } else {
                    badHeader = "malformed grpc-timeout \(String(decoding: value, as: UTF8.self))"
                }
            } else if Self.equal(name, "grpc-encoding") {
                if !Self.equal(value, "identity") {
                    unsupportedEncoding = String(decoding: value, as: UTF8.self)
                }
            }
            // Other grpc-* headers are reserved and not passed on as metadata.
        } else {
            let key = String(decoding: name, as: UTF8.self)
            if name.count > 4 && Self.equal(UnsafeRawBufferPointer(rebasing: name[(name.count - 4)...]), "-bin") {
                guard let bytes = Base64.decode(value) else {
                    badHeader = "invalid base64 in binary metadata \(key)"
                    return
                }
                metadata.add(key, binary: bytes)
            } else {
                metadata.add(key, String(decoding: value, as: UTF8.self))
            }
        }
    }

    /// The checks in order: header list size, method, content-type, malformed headers,
    /// encoding, route.
    public func verdict(maxHeaderListSize: Int) -> Verdict {
        if headersTooLarge {
            return .reject(httpStatus: 200, Status(code: .resourceExhausted,
                                                   message: "request header list exceeds \(maxHeaderListSize) bytes"))
        }
        guard isPOST else {
            return .reject(httpStatus: 405, Status(code: .unimplemented, message: "method must be POST"))
        }
        switch contentType {
        case .grpcProto?: break
        case .grpcOtherCodec?:
            return .reject(httpStatus: 200, Status(code: .unimplemented, message: "only the protobuf codec is supported"))
        case .notGRPC?, nil:
            return .reject(httpStatus: 415, Status(code: .internal, message: "content-type must be application/grpc"))
        }
        if let bad = badHeader { return .reject(httpStatus: 200, Status(code: .internal, message: bad)) }
        if let enc = unsupportedEncoding {
            return .reject(httpStatus: 200, Status(code: .unimplemented,
                                                   message: "grpc-encoding \(enc) is not supported (identity only)"))
        }
        guard let route else {
            let path = failedPath ?? ""
            let msg = unknownMethod
                ? "unknown method \(path)"
                : "unknown service \(MethodDescriptor(path: path)?.service ?? path)"
            return .reject(httpStatus: 200, Status(code: .unimplemented, message: msg))
        }
        return .accept(route)
    }

    @inline(__always)
    public static func equal(_ a: UnsafeRawBufferPointer, _ b: StaticString) -> Bool {
        let n = b.utf8CodeUnitCount
        guard a.count == n else { return false }
        let p = b.utf8Start
        for i in 0..<n where a[i] != p[i] { return false }
        return true
    }
}
