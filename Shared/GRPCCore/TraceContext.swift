import Synchronization

/// W3C Trace Context (https://www.w3.org/TR/trace-context/) for one server call: the caller's
/// `traceparent` (`00-<trace-id>-<parent-id>-<flags>`, lower-case hex) continued with a new span
/// id for this hop, or a new trace when the header is missing or malformed (as the spec says:
/// a receiver that cannot parse `traceparent` starts a new trace and drops `tracestate`).
///
/// The transport-independent parts live here: `ServerContext.trace` makes it lazily from the
/// request metadata, `ServerContext.current` (a task local bound by the service kit's instrumented
/// router) makes it visible to loggers, and `GRPCChannel` puts it on calls made during the call.
public struct TraceContext: Sendable, Hashable {
    /// 32 lower-case hex digits, not all zero.
    public let traceID: String
    /// 16 lower-case hex digits: this hop's span, the parent of the calls it makes.
    public let spanID: String
    /// The caller's span, nil when this hop started the trace.
    public let parentSpanID: String?
    /// trace-flags (bit 0: sampled), propagated as received.
    public let flags: UInt8
    /// The caller's `tracestate`, propagated unchanged (nil when absent, invalid or longer than
    /// `maxTraceStateLength`).
    public let traceState: String?

    /// Longest `tracestate` passed on (the spec asks vendors to propagate at least 512 characters).
    public static let maxTraceStateLength = 512

    /// A span for a call carrying `metadata`: a child of its valid `traceparent`, else the root of a
    /// new trace. More than one `traceparent` value is malformed.
    public init(serverSpanFor metadata: Metadata) {
        let parents = metadata.values("traceparent")
        if parents.count == 1, case .string(let header) = parents[0], let parent = Self.parse(header) {
            traceID = parent.traceID
            parentSpanID = parent.parentID
            flags = parent.flags
            let state = metadata.values("tracestate").compactMap { v -> String? in
                if case .string(let s) = v { return s.trimmingSpaces() }
                return nil
            }.joined(separator: ",")
            traceState = state.isEmpty || state.utf8.count > Self.maxTraceStateLength ? nil : state
        } else {
            traceID = Self.hex(Self.randomNonZero()) + Self.hex(Self.randomNonZero())
            parentSpanID = nil
            flags = 1
            traceState = nil
        }
        spanID = Self.hex(Self.randomNonZero())
    }

    /// The `traceparent` for calls made by this span.
    public var traceparent: String {
        "00-\(traceID)-\(spanID)-" + (flags < 16 ? "0" : "") + String(flags, radix: 16)
    }

    /// Adds `traceparent` (this span as the parent) and `tracestate` unless the metadata already
    /// has a `traceparent` (a caller that sets its own wins).
    public func propagate(into metadata: inout Metadata) {
        guard metadata["traceparent"] == nil else { return }
        metadata.add("traceparent", traceparent)
        if let traceState { metadata.add("tracestate", traceState) }
    }

    /// `version-traceid-parentid-flags`, validated per the spec's rules: lower-case hex fields of
    /// exactly 2-32-16-2 digits, version `ff` invalid, version 00 exactly 55 characters, a higher
    /// version at least 55 with `-` after the flags when longer, ids not all zero.
    static func parse(_ header: String) -> (traceID: String, parentID: String, flags: UInt8)? {
        let s = Array(header.trimmingSpaces().utf8)
        guard s.count >= 55, s[2] == UInt8(ascii: "-"), s[35] == UInt8(ascii: "-"), s[52] == UInt8(ascii: "-") else { return nil }
        func isHex(_ r: Range<Int>) -> Bool {
            s[r].allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
        }
        guard isHex(0..<2), isHex(3..<35), isHex(36..<52), isHex(53..<55) else { return nil }
        let version = String(decoding: s[0..<2], as: UTF8.self)
        guard version != "ff" else { return nil }
        if version == "00" { guard s.count == 55 else { return nil } } else if s.count > 55, s[55] != UInt8(ascii: "-") { return nil }
        let traceID = String(decoding: s[3..<35], as: UTF8.self), parentID = String(decoding: s[36..<52], as: UTF8.self)
        guard traceID.contains(where: { $0 != "0" }), parentID.contains(where: { $0 != "0" }) else { return nil }
        return (traceID, parentID, UInt8(String(decoding: s[53..<55], as: UTF8.self), radix: 16)!)
    }

    // Ids: splitmix64 over a per-process random seed and a counter (unique, unpredictable enough
    // for correlation; not for secrets), so a span costs an atomic add instead of a getrandom call.
    private static let seed: UInt64 = .random(in: 1...UInt64.max)
    private static let counter = Atomic<UInt64>(0)

    private static func randomNonZero() -> UInt64 {
        while true {
            var z = seed &+ counter.add(1, ordering: .relaxed).newValue &* 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            if z != 0 { return z }
        }
    }

    private static func hex(_ v: UInt64) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}

extension String {
    /// Without leading and trailing spaces and tabs (HTTP optional whitespace).
    fileprivate func trimmingSpaces() -> String {
        var u = Substring(self)
        while let c = u.first, c == " " || c == "\t" { u.removeFirst() }
        while let c = u.last, c == " " || c == "\t" { u.removeLast() }
        return String(u)
    }
}
