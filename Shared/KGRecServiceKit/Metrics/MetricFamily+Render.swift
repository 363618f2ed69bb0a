/// Something the registry can write in the text format.
protocol RenderableMetric: Sendable {
    var name: String { get }
    func render(into out: inout String)
}

extension MetricFamily: RenderableMetric {
    func render(into out: inout String) {
        out += "# HELP \(name) \(PrometheusText.escapeHelp(help))\n# TYPE \(name) \(kind.rawValue)\n"
        for (values, child) in snapshot() {
            let pairs = Array(zip(labelNames, values))
            switch child {
            case let c as Counter:
                out += "\(name)\(PrometheusText.labels(pairs)) \(c.value)\n"
            case let g as Gauge:
                out += "\(name)\(PrometheusText.labels(pairs)) \(PrometheusText.value(g.value))\n"
            case let h as Histogram:
                let counts = h.cumulativeCounts
                for (i, bound) in h.bounds.enumerated() {
                    let le = PrometheusText.labels(pairs + [("le", PrometheusText.value(bound))])
                    out += "\(name)_bucket\(le) \(counts[i])\n"
                }
                out += "\(name)_bucket\(PrometheusText.labels(pairs + [("le", "+Inf")])) \(counts.last!)\n"
                out += "\(name)_sum\(PrometheusText.labels(pairs)) \(PrometheusText.value(h.sum))\n"
                out += "\(name)_count\(PrometheusText.labels(pairs)) \(counts.last!)\n"
            default:
                break
            }
        }
    }
}
