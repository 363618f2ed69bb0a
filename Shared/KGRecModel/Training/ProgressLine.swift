import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one-line terminal progress display: redrawn in place (`\r`) at most ~5 times a second on a
/// terminal; on a pipe or file only each phase's final line is printed. Writes to stderr.
public final class ProgressLine: @unchecked Sendable {
    private let isTTY: Bool
    private let enabled: Bool
    private var lastDraw: UInt64 = 0
    private var drawn = false

    public init(enabled: Bool = true) {
        self.enabled = enabled
        isTTY = isatty(2) != 0
    }

    /// Monotonic seconds.
    public static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    /// `epoch e/E  phase b/B  loss …  N ex/s  ETA …  rss …`; `final` forces a draw and ends the line.
    public func update(epoch: Int, epochs: Int, phase: String, batch: Int, batches: Int, loss: Double,
                       examplesPerSecond: Double, final: Bool = false) {
        guard enabled else { return }
        let t = DispatchTime.now().uptimeNanoseconds
        if !final && (!isTTY || t - lastDraw < 200_000_000) { return }
        lastDraw = t
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
        FileHandle.standardError.write(Data(out.utf8))
        drawn = !end && isTTY
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
