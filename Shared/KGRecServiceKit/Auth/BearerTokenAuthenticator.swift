import GRPCCore

/// Optional bearer-token auth for mutating RPCs: the call's `authorization` metadata must be
/// `Bearer <token>` with one of the configured tokens.
///
/// - no tokens configured → auth is off, every call passes;
/// - header missing, repeated, not `Bearer`, or empty token → `UNAUTHENTICATED`;
/// - well-formed but unknown token → `PERMISSION_DENIED`.
///
/// Tokens are compared in time that depends only on the presented token's length, and every
/// configured token is compared, so response timing does not reveal how much of a token matched
/// or which token was close.
public struct BearerTokenAuthenticator: Sendable {
    private let tokens: [[UInt8]]

    /// Empty strings are ignored (an empty token would let anyone in).
    public init(tokens: [String]) {
        self.tokens = tokens.filter { !$0.isEmpty }.map { Array($0.utf8) }
    }

    public var isEnabled: Bool { !tokens.isEmpty }

    /// `.ok`, or the status to fail the call with.
    public func check(_ metadata: Metadata) -> Status {
        guard isEnabled else { return .ok }
        var count = 0
        var header: String?
        for entry in metadata where entry.key == "authorization" {  // keys are stored lower-cased
            count += 1
            if case .string(let s) = entry.value { header = s } else { header = nil }
        }
        guard count > 0 else {
            return Status(code: .unauthenticated, message: "missing authorization: expected 'Bearer <token>'")
        }
        guard count == 1, var text = header else { return Self.malformed }
        let verdict: UInt8? = text.withUTF8 { bytes -> UInt8? in
            guard let range = Self.tokenRange(bytes) else { return nil }
            let token = UnsafeBufferPointer(rebasing: bytes[range])
            var matched: UInt8 = 0
            for t in tokens { matched |= Self.constantTimeEqual(token, t) }
            return matched
        }
        switch verdict {
        case nil: return Self.malformed
        case 1?: return .ok
        default: return Status(code: .permissionDenied, message: "bearer token not accepted")
        }
    }

    private static let malformed =
        Status(code: .unauthenticated, message: "malformed authorization: expected 'Bearer <token>'")

    /// Where the token is: after a case-insensitive `Bearer` and one or more spaces, non-empty
    /// visible ASCII to the end; nil if malformed.
    static func tokenRange(_ bytes: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        let scheme: StaticString = "bearer"
        let n = scheme.utf8CodeUnitCount
        guard bytes.count > n + 1, bytes[n] == 32 else { return nil }
        for i in 0..<n where bytes[i] | 0x20 != scheme.utf8Start[i] { return nil }
        var start = n + 1
        while start < bytes.count && bytes[start] == 32 { start += 1 }
        guard start < bytes.count else { return nil }
        for i in start..<bytes.count where bytes[i] <= 32 || bytes[i] >= 127 { return nil }
        return start..<bytes.count
    }

    /// 1 if equal, else 0; loops over `presented` in full whatever the contents.
    static func constantTimeEqual(_ presented: [UInt8], _ expected: [UInt8]) -> UInt8 {
        presented.withUnsafeBufferPointer { constantTimeEqual($0, expected) }
    }

    /// 1 if equal, else 0; loops over `presented` in full whatever the contents.
    static func constantTimeEqual(_ presented: UnsafeBufferPointer<UInt8>, _ expected: [UInt8]) -> UInt8 {
        var diff = UInt(bitPattern: presented.count ^ expected.count)
        if expected.isEmpty { return 0 }
        for i in 0..<presented.count {
            diff |= UInt(presented[i] ^ expected[i < expected.count ? i : 0])
        }
        return diff == 0 ? 1 : 0
    }
}
