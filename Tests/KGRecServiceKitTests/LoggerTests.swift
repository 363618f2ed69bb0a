import Foundation
import Testing
@testable import KGRecServiceKit

@Suite struct LoggerTests {
    @Test func linesAreOneJSONObjectWithTypedFields() throws {
        let sink = MemoryLogSink()
        let log = Logger(service: "graph", sink: sink)
        log.info("loaded \"table\"\n", ["rows": 42, "ratio": 0.25, "warm": true, "path": "/tmp/a b"])
        let line = try #require(sink.lines.first)
        #expect(!line.contains("\n"))
        let obj = try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(obj["level"] as? String == "info")
        #expect(obj["service"] as? String == "graph")
        #expect(obj["msg"] as? String == "loaded \"table\"\n")
        #expect(obj["rows"] as? Int == 42)
        #expect(obj["ratio"] as? Double == 0.25)
        #expect(obj["warm"] as? Bool == true)
        #expect(obj["path"] as? String == "/tmp/a b")
        #expect(line.hasPrefix("{\"ts\":\""))
    }

    @Test func timestampsAreRFC3339UTCWithMilliseconds() {
        #expect(RFC3339Timestamp.string(seconds: 0, millis: 7) == "1970-01-01T00:00:00.007Z")
        #expect(RFC3339Timestamp.string(seconds: 1_795_000_000, millis: 123) == "2026-11-18T11:06:40.123Z")
    }

    @Test func levelsBelowTheMinimumAreNotEvaluated() {
        let sink = MemoryLogSink()
        let log = Logger(service: "s", level: .warn, sink: sink)
        var evaluated = false
        func expensive() -> String { evaluated = true; return "x" }
        log.info(expensive())
        log.debug("d")
        #expect(!evaluated)
        #expect(sink.lines.isEmpty)
        log.level = .debug
        log.debug("now")
        #expect(sink.lines.count == 1)
    }

    @Test func reservedFieldNamesCannotOverwriteTheEnvelope() throws {
        let sink = MemoryLogSink()
        Logger(service: "s", sink: sink).error("boom", ["level": "fake", "msg": "fake"])
        let obj = try #require(JSONSerialization.jsonObject(with: Data(sink.lines[0].utf8)) as? [String: Any])
        #expect(obj["level"] as? String == "error")
        #expect(obj["msg"] as? String == "boom")
        #expect(obj["field_level"] as? String == "fake")
    }

    @Test func controlCharactersAndNonFiniteNumbersStayValidJSON() throws {
        let sink = MemoryLogSink()
        Logger(service: "s", sink: sink).warn("a\u{1}b\tc", ["x": .double(.nan), "y": .double(.infinity)])
        let obj = try #require(JSONSerialization.jsonObject(with: Data(sink.lines[0].utf8)) as? [String: Any])
        #expect(obj["msg"] as? String == "a\u{1}b\tc")
        #expect(obj["x"] as? String == "nan")
    }

    @Test func concurrentWritersProduceWholeLines() async throws {
        let sink = MemoryLogSink()
        let log = Logger(service: "s", sink: sink)
        await withTaskGroup(of: Void.self) { g in
            for t in 0..<8 { g.addTask { for i in 0..<200 { log.info("m", ["t": .int(t), "i": .int(i)]) } } }
        }
        #expect(sink.lines.count == 1600)
        for line in sink.lines { _ = try JSONSerialization.jsonObject(with: Data(line.utf8)) }
    }

    @Test func levelNamesParse() {
        #expect(LogLevel(name: "WARNING") == .warn)
        #expect(LogLevel(name: "debug") == .debug)
        #expect(LogLevel(name: "loud") == nil)
    }
}
