import Foundation

/// What `kgrec load` measured: totals, errors by status, throughput and latency quantiles,
/// printed as a table (or JSON with `--json`).
struct LoadReport: Sendable {
    var target: String
    var method: String
    var rate: String
    var concurrency: Int
    var elapsedSeconds: Double
    var ok: UInt64 = 0
    var errors: [String: UInt64] = [:]
    var latency = LatencyHistogram()

    var requests: UInt64 { ok + errors.values.reduce(0, +) }
    var throughput: Double { elapsedSeconds > 0 ? Double(requests) / elapsedSeconds : 0 }

    static let quantiles: [(String, Double)] = [("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p99.9", 0.999)]

    private static func ms(_ ns: UInt64) -> String { String(format: "%.3f", Double(ns) / 1e6) }

    var table: String {
        var s = "target \(target)  method \(method)  rate \(rate)  concurrency \(concurrency)  "
        s += String(format: "elapsed %.2fs\n", elapsedSeconds)
        let header = ["requests", "ok", "errors", "req/s"] + Self.quantiles.map { $0.0 + " ms" } + ["max ms", "mean ms"]
        var row = [String(requests), String(ok), String(requests - ok), String(format: "%.1f", throughput)]
        row += Self.quantiles.map { Self.ms(latency.quantile($0.1)) }
        row += [Self.ms(latency.max), String(format: "%.3f", latency.mean / 1e6)]
        let widths = zip(header, row).map { max($0.count, $1.count) + 2 }
        s += zip(header, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined() + "\n"
        s += zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined() + "\n"
        if !errors.isEmpty {
            s += "errors by status: " + errors.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "\n"
        }
        return s
    }

    var json: JSONValue {
        var fields: [(String, JSONValue)] = [
            ("target", .string(target)), ("method", .string(method)), ("rate", .string(rate)),
            ("concurrency", .number(String(concurrency))), ("elapsed_s", .number(String(format: "%.4f", elapsedSeconds))),
            ("requests", .number(String(requests))), ("ok", .number(String(ok))),
            ("throughput_rps", .number(String(format: "%.2f", throughput))),
        ]
        fields.append(("errors", .object(errors.sorted { $0.key < $1.key }.map { ($0.key, .number(String($0.value))) })))
        var lat: [(String, JSONValue)] = Self.quantiles.map { ($0.0.replacingOccurrences(of: ".", with: "_") + "_ms", .number(Self.ms(latency.quantile($0.1)))) }
        lat.append(("max_ms", .number(Self.ms(latency.max))))
        lat.append(("mean_ms", .number(String(format: "%.4f", latency.mean / 1e6))))
        fields.append(("latency", .object(lat)))
        return .object(fields)
    }
}
