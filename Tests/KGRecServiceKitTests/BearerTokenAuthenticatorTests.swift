import GRPCCore
import Testing
@testable import KGRecServiceKit

@Suite struct BearerTokenAuthenticatorTests {
    let auth = BearerTokenAuthenticator(tokens: ["alpha-123", "beta.456"])

    func check(_ pairs: [(String, String)]) -> StatusCode { auth.check(Metadata(pairs)).code }

    @Test func anyConfiguredTokenPasses() {
        #expect(check([("authorization", "Bearer alpha-123")]) == .ok)
        #expect(check([("Authorization", "bearer beta.456")]) == .ok)
        #expect(check([("authorization", "BEARER   alpha-123")]) == .ok)
    }

    @Test func missingOrMalformedHeadersAreUnauthenticated() {
        #expect(check([]) == .unauthenticated)
        #expect(check([("authorization", "alpha-123")]) == .unauthenticated)
        #expect(check([("authorization", "Basic YWxwaGE=")]) == .unauthenticated)
        #expect(check([("authorization", "Bearer")]) == .unauthenticated)
        #expect(check([("authorization", "Bearer ")]) == .unauthenticated)
        #expect(check([("authorization", "Bearer a b")]) == .unauthenticated)
        #expect(check([("authorization", "Bearerxalpha-123")]) == .unauthenticated)
        #expect(check([("authorization", "Bearer alpha-123"), ("authorization", "Bearer beta.456")]) == .unauthenticated)
    }

    @Test func wellFormedWrongTokensArePermissionDenied() {
        #expect(check([("authorization", "Bearer alpha-12")]) == .permissionDenied)
        #expect(check([("authorization", "Bearer alpha-1234")]) == .permissionDenied)
        #expect(check([("authorization", "Bearer ALPHA-123")]) == .permissionDenied)
        #expect(check([("authorization", "Bearer x")]) == .permissionDenied)
    }

    @Test func noConfiguredTokensMeansAuthIsOff() {
        let off = BearerTokenAuthenticator(tokens: ["", ""])
        #expect(!off.isEnabled)
        #expect(off.check(Metadata()).isOK)
    }

    @Test func binaryAuthorizationValuesAreMalformed() {
        var m = Metadata()
        m.add("authorization", value: .binary(Array("Bearer alpha-123".utf8)))
        #expect(auth.check(m).code == .unauthenticated)
    }

    @Test func comparisonIsExactForEveryLengthPair() {
        let a = Array("token".utf8)
        #expect(BearerTokenAuthenticator.constantTimeEqual(a, a) == 1)
        #expect(BearerTokenAuthenticator.constantTimeEqual(a, Array("tokem".utf8)) == 0)
        #expect(BearerTokenAuthenticator.constantTimeEqual(a, Array("tokens".utf8)) == 0)
        #expect(BearerTokenAuthenticator.constantTimeEqual(Array("tokent".utf8), a) == 0)
        #expect(BearerTokenAuthenticator.constantTimeEqual([], a) == 0)
        #expect(BearerTokenAuthenticator.constantTimeEqual(a, []) == 0)
    }
}
