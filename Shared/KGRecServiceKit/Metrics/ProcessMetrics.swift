#if canImport(Glibc)
import Glibc
#endif

/// Resident memory, open file descriptors, start time and uptime, sampled from `/proc/self`
/// each time the registry renders.
public enum ProcessMetrics {
    /// Registers the process gauges and a collector that refreshes them.
    public static func register(in registry: MetricsRegistry) {
        let rss = registry.gauge(MetricNames.residentMemory, help: "Resident memory size in bytes.")
        let fds = registry.gauge(MetricNames.openFDs, help: "Number of open file descriptors.")
        let start = registry.gauge(MetricNames.startTime,
                                   help: "Start time of the process since the Unix epoch in seconds.")
        let uptime = registry.gauge(MetricNames.uptime, help: "Seconds since the process started.")
        let started = ContinuousClock.now
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        start.set(Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9)
        registry.addCollector {
            if let b = residentBytes() { rss.set(b) }
            if let n = openFileDescriptors() { fds.set(n) }
            let (s, atto) = (ContinuousClock.now - started).components
            uptime.set(Double(s) + Double(atto) * 1e-18)
        }
    }

    /// Resident set size from the second field of `/proc/self/statm` (pages) × page size.
    public static func residentBytes() -> Int? {
        guard let text = readSmallFile("/proc/self/statm") else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Entries of `/proc/self/fd`, minus the one the listing itself holds open.
    public static func openFileDescriptors() -> Int? {
        guard let dir = opendir("/proc/self/fd") else { return nil }
        defer { closedir(dir) }
        var n = 0
        while let e = readdir(dir) {
            let isDot = withUnsafeBytes(of: e.pointee.d_name) { $0.first == UInt8(ascii: ".") }
            if !isDot { n += 1 }
        }
        return n - 1
    }

    private static func readSmallFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buf = [UInt8](repeating: 0, count: 256)
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n > 0 else { return nil }
        return String(decoding: buf[..<n], as: UTF8.self)
    }
}
