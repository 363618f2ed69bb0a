/// Where finished log lines go. `write` receives one complete line including its `\n`, and is
/// called from many threads.
public protocol LogSink: Sendable {
    func write(_ line: [UInt8])
}
