import Synchronization

/// Keeps lines in memory (for tests and for `kgrec up`-style capture).
public final class MemoryLogSink: LogSink {
    private let storage = Mutex<[String]>([])

    public init() {}

    public func write(_ line: [UInt8]) {
        let text = String(decoding: line.last == 10 ? line.dropLast() : line[...], as: UTF8.self)
        storage.withLock { $0.append(text) }
    }

    /// The lines written so far, without their trailing newline.
    public var lines: [String] { storage.withLock { $0 } }
}
