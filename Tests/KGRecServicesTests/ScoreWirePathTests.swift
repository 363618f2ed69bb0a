import GRPCCore
@testable import KGRecRankerService
import KGRecTensor
import KGRecWire
import Testing

/// The Score answered from wire bytes (`RankerEngine.scoreWire`) gives the decoded path's bytes
/// exactly, and declines — with no trace — every request it does not handle, so those take the
/// decoded path with its errors, extras and misses.
@Suite("Score wire path", .serialized)
struct ScoreWirePathTests {
    static let long = String(repeating: "x", count: 130)  // a 2-byte length varint

    static func table() -> RankerFakeGraph.Table {
        var t = RankerFakeGraph.table(users: 6, items: 300)
        t.version = 1 << 40
        t.users["uz"] = Kgrec_V1_ModalityVectors(visual: .init(values: .init(repeating: 0, count: 20)),
                                                 text: .init(values: .init(repeating: 0, count: 12)))
        let text = Kgrec_V1_Vector(values: (0..<12).map { Float($0) / 4 - 1 })
        t.items.append(("iz", .init(visual: .init(values: .init(repeating: 0, count: 20)), text: text)))
        t.items.append((long, .init(visual: .init(values: .init(repeating: 0.5, count: 20)), text: text)))
        // What invalid UTF-8 in a user id decodes to with replacement: the wire path must not
        // answer for it (the decoded path rejects the bytes).
        t.users["u\u{FFFD}"] = t.users["u1"]
        t.users["abcdefg\u{FFFD}xyz"] = t.users["u1"]  // its 0xff in the first eight bytes
        return t
    }

    @Test func aPlainRequestGetsTheDecodedPathsBytesExactly() async throws {
        let h = try await RankerHarness.start(Self.table())
        defer { Task { await h.stop() } }
        let e = h.ranker.service.engine
        for u in ["u1", "u4", "uz"] { _ = try await h.score(u, ["i1"]) }  // cached
        var rng = Xoshiro256(seed: 2026)
        var requests: [Kgrec_V1_ScoreRequest] = [
            .init(userId: "uz", itemIds: ["i3", "iz", Self.long], explain: true),  // every float zero
            .init(userId: "u1", itemIds: ["iz", Self.long, "i7", "i7"], explain: true, requestId: .max),
        ]
        for _ in 0..<200 {
            let ids = (0..<Int.random(in: 1...120, using: &rng)).map { _ in
                Int.random(in: 0..<20, using: &rng) == 0 ? Self.long : "i\(Int.random(in: 0..<300, using: &rng))"
            }
            requests.append(.init(userId: ["u1", "u4", "uz"].randomElement(using: &rng)!, itemIds: ids,
                                  explain: Bool.random(using: &rng),
                                  requestId: Bool.random(using: &rng) ? 0 : UInt64.random(in: 1...UInt64.max, using: &rng)))
        }
        var compared = 0
        for r in requests {
            let wire = r.serializedBytes().withUnsafeBytes { e.scoreWire($0) }
            let decoded = try #require(try e.scoreNow(r)).serializedBytes()
            #expect(wire == decoded, "\(r)")
            compared += wire == nil ? 0 : 1
        }
        #expect(compared == requests.count)
        // Each wire answer counts as an inline answer and a cache hit, like the decoded path's.
        #expect(e.metrics.inlineScore.value == 2 * requests.count)
    }

    @Test func aRequestItDoesNotHandleIsDeclinedWithoutATrace() async throws {
        let h = try await RankerHarness.start(Self.table())
        defer { Task { await h.stop() } }
        let e = h.ranker.service.engine
        for u in ["u1", "u\u{FFFD}", "abcdefg\u{FFFD}xyz"] { _ = try await h.score(u, ["i1"]) }  // cached
        func plain(_ user: String = "u1", _ ids: [String] = ["i1", "i2"]) -> [UInt8] {
            Kgrec_V1_ScoreRequest(userId: user, itemIds: ids).serializedBytes()
        }
        let good = plain()
        let declined: [(String, [UInt8])] = [
            ("an id not in the catalogue", plain("u1", ["i1", "nope"])),
            ("an uncached user", plain("u2")),
            ("an unknown user", plain("who")),
            ("an empty user id", plain("")),
            ("no item ids", plain("u1", [])),
            ("a NUL in an id", plain("u1", ["i1", "a\u{0}b"])),
            ("a non-ASCII id", plain("u1", ["i1", "é"])),
            ("a user id of invalid UTF-8", [0x0a, 2, 0x75, 0xff, 0x12, 2, 0x69, 0x31]),
            ("a long user id of invalid UTF-8", [0x0a, 11] + Array("abcdefg".utf8) + [0xff] + Array("xyz".utf8) + [0x12, 2, 0x69, 0x31]),
            ("an id over --max-id-bytes", plain("u1", [String(repeating: "i", count: 257)])),
            ("more ids than --max-candidates", plain("u1", Array(repeating: "i1", count: 10_001))),
            ("user_id twice", good + [0x0a, 2, 0x75, 0x31]),
            ("an unknown field", good + [0x48, 1]),
            ("a known field with another wire type", good + [0x1d, 0, 0, 0, 0]),
            ("a truncated field", good + [0x12, 5, 0x69]),
            ("a group", good + [0x2b, 0x2c]),
        ]
        let hits = e.metrics.service.cacheHits.value
        for (what, bytes) in declined {
            #expect(bytes.withUnsafeBytes { e.scoreWire($0) } == nil, "\(what)")
        }
        #expect(e.metrics.inlineScore.value == 0 && e.metrics.service.cacheHits.value == hits)
        #expect(good.withUnsafeBytes { e.scoreWire($0) } != nil)

        // Every declined request still gets the decoded path's answer or error over gRPC.
        let unknown = try await h.score("u1", ["i1", "nope"])
        #expect(unknown.unknownItemIds == ["nope"] && unknown.items.count == 1)
        #expect(try await h.score("u\u{FFFD}", ["i1"]).items.count == 1)
        await h.stop()
    }

    @Test func whateverTheWirePathAnswersTheDecodedPathAnswersTheSame() async throws {
        let h = try await RankerHarness.start(Self.table())
        defer { Task { await h.stop() } }
        let e = h.ranker.service.engine
        for u in ["u1", "u4"] { _ = try await h.score(u, ["i1"]) }  // cached
        var rng = Xoshiro256(seed: 7)
        let base = Kgrec_V1_ScoreRequest(userId: "u1", itemIds: ["i1", "i22", Self.long, "i4"], explain: true,
                                         requestId: 300).serializedBytes()
        var answered = 0, declined = 0
        // Seeded damage to a plain request: flipped, dropped, inserted bytes and truncations.
        for _ in 0..<3_000 {
            var b = base
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let i = Int.random(in: 0..<b.count, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: b[i] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &rng)
                case 1: b.remove(at: i)
                case 2: b.insert(UInt8.random(in: 0...255, using: &rng), at: i)
                default: b.removeLast(b.count - i)
                }
                if b.isEmpty { b = base }
            }
            guard let wire = b.withUnsafeBytes({ e.scoreWire($0) }) else { declined += 1; continue }
            answered += 1
            let request = try Kgrec_V1_ScoreRequest(serializedBytes: b)
            #expect(try e.scoreNow(request)?.serializedBytes() == wire, "\(b)")
        }
        // Both outcomes occur, so the comparison above is exercised (counts are seeded).
        #expect(answered > 20 && declined > 100, "answered \(answered), declined \(declined)")
    }

    @Test func theWirePathIsOffWhenInlineAnswersAre() async throws {
        let h = try await RankerHarness.start(Self.table()) { $0.inlineScanBytes = 0 }
        defer { Task { await h.stop() } }
        _ = try await h.score("u1", ["i1"])
        let bytes = Kgrec_V1_ScoreRequest(userId: "u1", itemIds: ["i1"]).serializedBytes()
        #expect(bytes.withUnsafeBytes { h.ranker.service.engine.scoreWire($0) } == nil)
        await h.stop()
    }
}
