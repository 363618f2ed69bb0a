import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The progress display of long runs, on stderr: on a terminal one line redrawn in place (`\r`) at
/// most ~5 times a second; on a pipe or file (a container's log) a full line at the first update
/// and then at most every `pipeInterval` seconds, so a log of an hour-long epoch shows batches
/// done, examples/s, ETA and RSS as it goes. Each phase's final line is printed either way.
public final class ProgressLine: @unchecked Sendable {
    private let isTTY: Bool
    private let enabled: Bool
    private let minGapNanos: UInt64
    private let clock: @Sendable () -> UInt64
    private let sink: @Sendable (String) -> Void
    private var lastDraw: UInt64?

    /// Seconds between progress lines on a pipe or file unless told otherwise.
    public static let defaultPipeInterval = 30.0

    /// `terminal` nil: whether stderr is a terminal. `clock` (monotonic nanoseconds) and `sink`
    /// (where text goes) are for tests.
    public init(enabled: Bool = true, terminal: Bool? = nil, pipeInterval: Double = ProgressLine.defaultPipeInterval,
                clock: @escaping @Sendable () -> UInt64 = { DispatchTime.now().uptimeNanoseconds },
                sink: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.enabled = enabled
        isTTY = terminal ?? (isatty(2) != 0)
        minGapNanos = isTTY ? 200_000_000 : UInt64(max(0, pipeInterval) * 1e9)
        self.clock = clock
        self.sink = sink
    }

    /// Monotonic seconds.
    public static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    /// `epoch e/E  phase b/B  loss …  N ex/s  ETA …  rss …`; `final` forces a draw and ends the line.
    public func update(epoch: Int, epochs: Int, phase: String, batch: Int, batches: Int, loss: Double,
                       examplesPerSecond: Double, final: Bool = false) {
        guard enabled else { return }
        let t = clock()
        if !final, let last = lastDraw, t &- last < minGapNanos { return }
        lastDraw = final ? nil : t   // the next phase's first update is shown at once
        var s = "epoch \(epoch)/\(epochs)  \(phase) \(batch)/\(batches)  loss \(Self.fmt(loss, 4))  "
            + "\(Self.fmt(examplesPerSecond, 0)) ex/s"
        if !final, batch > 0 {
            s += "  ETA " + Self.fmt(Double(batches - batch) * (elapsedPerBatch ?? 0), 1) + "s"
        }
        if let rss = Self.memory("VmRSS:") { s += "  rss " + Self.fmt(rss / 1_073_741_824, 2) + " GiB" }
        write(s, end: final)
    }

    /// Seconds per batch of the current phase (set by the trainer for the ETA).
    public var elapsedPerBatch: Double?

    /// Prints a full line (clears any progress line first).
    public func line(_ s: String) {
        guard enabled else { return }
        write(s, end: true)
    }

    private func write(_ s: String, end: Bool) {
        var out = isTTY ? "\r\u{1B}[K" + s : s
        if end || !isTTY { out += "\n" }
        sink(out)
    }

    /// A field of /proc/self/status in bytes (`VmRSS:` resident now, `VmHWM:` peak resident), nil
    /// where /proc is absent.
    public static func memory(_ field: String) -> Double? { procBytes("/proc/self/status", field) }

    /// The `field` line of a /proc file whose values are in kB (`/proc/meminfo`, `/proc/self/status`), in bytes.
    public static func procBytes(_ path: String, _ field: String) -> Double? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix(field) }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
        return kb * 1024
    }

    public static func fmt(_ v: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", v) }
}
