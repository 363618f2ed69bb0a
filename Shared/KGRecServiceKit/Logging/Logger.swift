import GRPCCore
import Synchronization

/// Structured JSON logs: one object per line,
/// `{"ts":"2026-11-22T10:31:11.123Z","level":"info","service":"ranker","msg":"listening","port":50053}`.
///
/// Thread-safe. The message and fields are autoclosures, so a disabled level costs one atomic
/// load and a compare. Field names `ts`, `level`, `service`, `msg` are reserved; fields keep the
/// order given. A line logged while serving a call (`ServerContext.current`) also carries the
/// call's W3C trace ids: `trace_id`, `span_id` and, when the caller sent one, `parent_span_id`
/// (reserved too).
public final class Logger: Sendable {
    public let service: String
    private let minimum: Atomic<UInt8>
    private let sink: any LogSink

    public init(service: String, level: LogLevel = .info, sink: any LogSink = StandardErrorLogSink()) {
        self.service = service
        self.minimum = Atomic(level.rawValue)
        self.sink = sink
    }

    /// The lowest level written; can be changed while running.
    public var level: LogLevel {
        get { LogLevel(rawValue: minimum.load(ordering: .relaxed)) ?? .info }
        set { minimum.store(newValue.rawValue, ordering: .relaxed) }
    }

    @inline(__always)
    public func isEnabled(_ level: LogLevel) -> Bool { level.rawValue >= minimum.load(ordering: .relaxed) }

    public func log(_ level: LogLevel, _ message: @autoclosure () -> String,
                    _ fields: @autoclosure () -> KeyValuePairs<String, LogValue> = [:])
    {
        guard isEnabled(level) else { return }
        sink.write(Self.line(level: level, service: service, message: message(), fields: fields(),
                             trace: ServerContext.current?.trace))
    }

    public func debug(_ message: @autoclosure () -> String,
                      _ fields: @autoclosure () -> KeyValuePairs<String, LogValue> = [:])
    {
        log(.debug, message(), fields())
    }
    public func info(_ message: @autoclosure () -> String,
                     _ fields: @autoclosure () -> KeyValuePairs<String, LogValue> = [:])
    {
        log(.info, message(), fields())
    }
    public func warn(_ message: @autoclosure () -> String,
                     _ fields: @autoclosure () -> KeyValuePairs<String, LogValue> = [:])
    {
        log(.warn, message(), fields())
    }
    public func error(_ message: @autoclosure () -> String,
                      _ fields: @autoclosure () -> KeyValuePairs<String, LogValue> = [:])
    {
        log(.error, message(), fields())
    }

    /// One encoded line with its trailing newline.
    static func line(level: LogLevel, service: String, message: String,
                     fields: KeyValuePairs<String, LogValue>, trace: TraceContext? = nil) -> [UInt8]
    {
        var out: [UInt8] = []
        out.reserveCapacity(160 + message.utf8.count)
        out.append(contentsOf: "{\"ts\":\"".utf8)
        RFC3339Timestamp.appendNow(to: &out)
        out.append(contentsOf: "\",\"level\":\"".utf8)
        out.append(contentsOf: level.description.utf8)
        out.append(contentsOf: "\",\"service\":".utf8)
        JSONText.appendQuoted(service, to: &out)
        out.append(contentsOf: ",\"msg\":".utf8)
        JSONText.appendQuoted(message, to: &out)
        if let trace {
            out.append(contentsOf: ",\"trace_id\":\"\(trace.traceID)\",\"span_id\":\"\(trace.spanID)\"".utf8)
            if let parent = trace.parentSpanID { out.append(contentsOf: ",\"parent_span_id\":\"\(parent)\"".utf8) }
        }
        for (key, value) in fields {
            out.append(44)
            JSONText.appendQuoted(Self.isReserved(key) ? "field_" + key : key, to: &out)
            out.append(58)
            value.appendJSON(to: &out)
        }
        out.append(contentsOf: "}\n".utf8)
        return out
    }

    private static func isReserved(_ key: String) -> Bool {
        switch key {
        case "ts", "level", "service", "msg", "trace_id", "span_id", "parent_span_id": true
        default: false
        }
    }
}
