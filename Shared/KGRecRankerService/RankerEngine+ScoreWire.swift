import KGRecServing
import KGRecWire

/// Score answered from the request's wire bytes straight into the response's, for the common call:
/// only the four known fields, well-formed, `user_id` once, every id 1…`maxIdBytes` bytes of
/// ASCII without NUL, 1…`maxCandidates` ids, every id in the catalogue, the user cached. Anything
/// else returns nil and the call takes the decoded path (`scoreNow`, then `score`), which gives
/// errors their status and handles extras, unknown ids and cache misses — so each behaviour has
/// one definition, and this path only skips protobuf-c, `String`s and the Swift message structs.
///
/// Its bytes are what the decoded path's `Kgrec_V1_ScoreResponse` encodes to (protobuf-c's field
/// order and proto3 defaults: a float is left out when its bits are zero, a zero version or
/// request id too; no `unknown_item_ids`, no `error`), pinned by `ScoreWirePathTests`.
extension RankerEngine {
    public func scoreWire(_ request: UnsafeRawBufferPointer) -> [UInt8]? {
        guard options.inlineScanBytes > 0, let head = Self.scoreHead(request, options) else { return nil }
        guard let snap = try? snapshot() else { return nil }
        let c = snap.catalogue
        // Per id, in request order: its row, where its bytes are in `request`, its two parts.
        return withUnsafeTemporaryAllocation(of: Candidate.self, capacity: head.count) { items -> [UInt8]? in
            var j = 0
            var reader = ProtoWire.Reader(request)
            while case .field(let number, let value) = reader.next() {
                guard number == 2, case .lengthDelimited(let id) = value else { continue }
                guard let r = c.rows.row(id) else { return nil }
                items[j] = Candidate(row: r, offset: Int32(id.baseAddress! - request.baseAddress!), count: Int32(id.count))
                j += 1
            }
            guard let user = cachedUser(String(decoding: head.user, as: UTF8.self), snap) else { return nil }
            metrics.inlineScore.increment()
            var size = Self.fieldSize(c.version) + Self.fieldSize(head.requestID)
            for j in 0..<head.count {
                let p = c.parts(user, row: Int(items[j].row))
                items[j].parts = SIMD2(p.visual, p.text)
                items[j].size = Int32(Self.itemSize(Int(items[j].count), items[j].parts, explain: head.explain))
                size += 1 + ProtoWire.varintSize(UInt64(items[j].size)) + Int(items[j].size)
            }
            return [UInt8](unsafeUninitializedCapacity: size) { out, written in
                var w = ProtoWire.Writer(out.baseAddress!)
                for item in items {
                    let p = item.parts
                    w.key(1, 2)
                    w.varint(UInt64(item.size))
                    w.key(1, 2)
                    w.varint(UInt64(item.count))
                    w.bytes(UnsafeRawBufferPointer(rebasing: request[Int(item.offset)..<Int(item.offset + item.count)]))
                    Self.float(2, p.x + p.y, &w)
                    if head.explain {
                        Self.float(3, p.x, &w)
                        Self.float(4, p.y, &w)
                    }
                }
                if c.version != 0 { w.key(2, 0); w.varint(c.version) }
                if head.requestID != 0 { w.key(3, 0); w.varint(head.requestID) }
                written = w.position - out.baseAddress!
                precondition(written == size, "scoreWire: wrote \(written) of \(size) bytes")
            }
        }
    }

    struct Candidate {
        var row: Int32
        var offset: Int32
        var count: Int32
        var parts = SIMD2<Float>()
        /// The encoded `ScoredItem`'s bytes.
        var size: Int32 = 0
    }

    /// What the first pass over a Score request finds; nil when the request is not the plain case.
    struct ScoreHead {
        let user: UnsafeRawBufferPointer
        let count: Int
        let explain: Bool
        let requestID: UInt64
    }

    static func scoreHead(_ request: UnsafeRawBufferPointer, _ options: RankerOptions) -> ScoreHead? {
        var reader = ProtoWire.Reader(request)
        var user: UnsafeRawBufferPointer?
        var count = 0, explain = false, requestID: UInt64 = 0
        while true {
            switch reader.next() {
            case .end:
                guard let user, count > 0, count <= options.maxCandidates else { return nil }
                return ScoreHead(user: user, count: count, explain: explain, requestID: requestID)
            case .field(1, .lengthDelimited(let id)):
                guard user == nil, plainID(id, options.maxIdBytes) else { return nil }
                user = id
            case .field(2, .lengthDelimited(let id)):
                guard plainID(id, options.maxIdBytes) else { return nil }
                count += 1
            case .field(3, .varint(let v)): explain = v != 0
            case .field(4, .varint(let v)): requestID = v
            default: return nil
            }
        }
    }

    /// 1…`max` bytes, each in 0x01…0x7F: ASCII, so valid UTF-8, and no NUL.
    @inline(__always)
    private static func plainID(_ id: UnsafeRawBufferPointer, _ max: Int) -> Bool {
        guard id.count > 0, id.count <= max else { return false }
        let p = id.baseAddress!
        var i = 0
        // Eight bytes at a time: no byte with its top bit set, and no zero byte.
        while i + 8 <= id.count {
            let w = p.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            guard w & 0x8080_8080_8080_8080 == 0, (w &- 0x0101_0101_0101_0101) & ~w & 0x8080_8080_8080_8080 == 0 else {
                return false
            }
            i += 8
        }
        while i < id.count {
            let b = p.load(fromByteOffset: i, as: UInt8.self)
            if b == 0 || b >= 0x80 { return false }
            i += 1
        }
        return true
    }

    /// A `ScoredItem`'s encoded size: the id, then the floats that are not zero bits.
    @inline(__always)
    private static func itemSize(_ idBytes: Int, _ p: SIMD2<Float>, explain: Bool) -> Int {
        var size = 1 + ProtoWire.varintSize(UInt64(idBytes)) + idBytes
        if (p.x + p.y).bitPattern != 0 { size += 5 }
        if explain {
            if p.x.bitPattern != 0 { size += 5 }
            if p.y.bitPattern != 0 { size += 5 }
        }
        return size
    }

    /// A varint field's encoded size; 0 for 0 (proto3 leaves it out).
    @inline(__always)
    private static func fieldSize(_ v: UInt64) -> Int { v == 0 ? 0 : 1 + ProtoWire.varintSize(v) }

    @inline(__always)
    private static func float(_ number: UInt32, _ v: Float, _ w: inout ProtoWire.Writer) {
        guard v.bitPattern != 0 else { return }
        w.key(number, 5)
        w.fixed32(v.bitPattern)
    }
}
