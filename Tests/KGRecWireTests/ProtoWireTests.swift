import KGRecWire
import Testing

/// The hand-written wire reader and writer agree with protobuf-c's encoding and reject what is
/// not a well-formed message.
@Suite("Proto wire reader and writer")
struct ProtoWireTests {
    @Test func theReaderReadsProtobufCsEncodingFieldByField() {
        let message = Kgrec_V1_ScoreRequest(userId: "u1", itemIds: ["a", String(repeating: "b", count: 200)],
                                            explain: true, requestId: UInt64.max)
        let bytes = message.serializedBytes()
        var fields: [String] = []
        bytes.withUnsafeBytes { b in
            var r = ProtoWire.Reader(b)
            while true {
                switch r.next() {
                case .end: return
                case .malformed: fields.append("malformed"); return
                case .field(let n, .lengthDelimited(let v)): fields.append("\(n):\(v.count)")
                case .field(let n, .varint(let v)): fields.append("\(n)=\(v)")
                case .field(let n, _): fields.append("\(n)?")
                }
            }
        }
        #expect(fields == ["1:2", "2:1", "2:200", "3=1", "4=\(UInt64.max)"])
    }

    @Test func malformedBytesAreReportedNotSkipped() {
        let cases: [(String, [UInt8])] = [
            ("a truncated varint", [0x08, 0x80]),
            ("a varint over ten bytes", [0x08] + Array(repeating: 0xff, count: 10) + [0x01]),
            ("a length past the end", [0x12, 0x05, 0x61]),
            ("a truncated fixed32", [0x1d, 0, 0]),
            ("a truncated fixed64", [0x19, 0, 0, 0, 0]),
            ("a group", [0x0b]),
            ("field number 0", [0x00, 0x01]),
        ]
        for (what, bytes) in cases {
            let next = bytes.withUnsafeBytes { b -> String in
                var r = ProtoWire.Reader(b)
                if case .malformed = r.next() { return "malformed" }
                return "accepted"
            }
            #expect(next == "malformed", "\(what)")
        }
    }

    @Test func theWriterWritesWhatTheSizesSayAndTheReaderReadsItBack() {
        let values: [UInt64] = [0, 1, 127, 128, 16_383, 16_384, 1 << 35, UInt64.max]
        var size = 0
        for v in values { size += 1 + ProtoWire.varintSize(v) }
        size += 1 + 4 + 1 + ProtoWire.varintSize(3) + 3
        var out = [UInt8](repeating: 0, count: size)
        let written = out.withUnsafeMutableBufferPointer { o -> Int in
            var w = ProtoWire.Writer(o.baseAddress!)
            for v in values { w.key(4, 0); w.varint(v) }
            w.key(2, 5); w.fixed32(Float(1.5).bitPattern)
            w.key(1, 2); w.varint(3)
            [UInt8]("abc".utf8).withUnsafeBytes { w.bytes($0) }
            return w.position - o.baseAddress!
        }
        #expect(written == size)
        var read: [UInt64] = []
        var float: Float = 0, text = ""
        out.withUnsafeBytes { b in
            var r = ProtoWire.Reader(b)
            while case .field(_, let value) = r.next() {
                switch value {
                case .varint(let v): read.append(v)
                case .fixed32(let v): float = Float(bitPattern: v)
                case .lengthDelimited(let v): text = String(decoding: v, as: UTF8.self)
                case .fixed64: break
                }
            }
        }
        #expect(read == values && float == 1.5 && text == "abc")
    }
}
