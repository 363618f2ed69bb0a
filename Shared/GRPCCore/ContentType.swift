/// The gRPC `content-type` check of PROTOCOL-HTTP2: `application/grpc` optionally followed by
/// `+proto` (or another `+format`, which we reject: we only carry protobuf) or `;params`.
public enum ContentType {
    /// The value we send.
    public static let grpc = "application/grpc"

    public enum Verdict: Sendable, Equatable {
        /// `application/grpc` or `application/grpc+proto` (parameters allowed).
        case grpcProto
        /// `application/grpc+json` and friends: gRPC, but a codec we do not have.
        case grpcOtherCodec
        /// Not gRPC at all (HTTP 415 per the spec).
        case notGRPC
    }

    public static func classify(_ value: UnsafeRawBufferPointer) -> Verdict {
        let prefix: StaticString = "application/grpc"
        let pn = prefix.utf8CodeUnitCount
        guard value.count >= pn else { return .notGRPC }
        let p = prefix.utf8Start
        for i in 0..<pn where lower(value[i]) != p[i] { return .notGRPC }
        if value.count == pn { return .grpcProto }
        let next = value[pn]
        if next == UInt8(ascii: ";") { return .grpcProto }
        guard next == UInt8(ascii: "+") else { return .notGRPC }
        var end = pn + 1
        while end < value.count && value[end] != UInt8(ascii: ";") { end += 1 }
        let codec = UnsafeRawBufferPointer(rebasing: value[(pn + 1)..<end])
        let proto: [UInt8] = Array("proto".utf8)
        if codec.count == 5 && (0..<5).allSatisfy({ lower(codec[$0]) == proto[$0] }) {
            return .grpcProto
        }
        return .grpcOtherCodec
    }

    public static func classify(_ value: String) -> Verdict {
        var s = value
        return s.withUTF8 { classify(UnsafeRawBufferPointer($0)) }
    }

    @inline(__always)
    private static func lower(_ c: UInt8) -> UInt8 { c >= 65 && c <= 90 ? c + 32 : c }
}
