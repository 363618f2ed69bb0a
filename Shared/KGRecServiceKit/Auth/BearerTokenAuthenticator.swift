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
        let values = metadata.values("authorization")
        guard !values.isEmpty else {
            return Status(code: .unauthenticated, message: "missing authorization: expected 'Bearer <token>'")
        }
        guard values.count == 1, case .string(let header) = values[0], let token = Self.bearerToken(header) else {
            return Status(code: .unauthenticated, message: "malformed authorization: expected 'Bearer <token>'")
        }
        var matched: UInt8 = 0
        for t in tokens { matched |= Self.constantTimeEqual(token, t) }
        return matched == 1 ? .ok : Status(code: .permissionDenied, message: "bearer token not accepted")
    }

    /// The token after a case-insensitive `Bearer` and one or more spaces; nil if malformed.
    static func bearerToken(_ header: String) -> [UInt8]? {
        let bytes = Array(header.utf8)
        let scheme = Array("bearer".utf8)
        guard bytes.count > scheme.count + 1,
              zip(bytes, scheme).allSatisfy({ $0 | 0x20 == $1 }), bytes[scheme.count] == 32
        else { return nil }
        let token = bytes[(scheme.count + 1)...].drop { $0 == 32 }
        // RFC 6750 token68: ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" then "="*.
        guard !token.isEmpty, token.allSatisfy({ $0 > 32 && $0 < 127 }) else { return nil }
        return Array(token)
    }

    /// 1 if equal, else 0; loops over `presented` in full whatever the contents.
    static func constantTimeEqual(_ presented: [UInt8], _ expected: [UInt8]) -> UInt8 {
        var diff = UInt(bitPattern: presented.count ^ expected.count)
        if expected.isEmpty { return 0 }
        for i in 0..<presented.count {
            diff |= UInt(presented[i] ^ expected[i < expected.count ? i : 0])
        }
        return diff == 0 ? 1 : 0
    }
}
