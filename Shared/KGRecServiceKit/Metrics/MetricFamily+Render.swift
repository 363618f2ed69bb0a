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
                let labels = PrometheusText.labels(pairs)
                // `{a="x",` prefix shared by every bucket line.
                let open = pairs.isEmpty ? "{" : String(labels.dropLast()) + ","
                for (i, le) in h.leLabels.enumerated() {
                    out += name; out += "_bucket"; out += open; out += "le=\""; out += le; out += "\"} "
                    out += String(counts[i]); out += "\n"
                }
                out += "\(name)_sum\(labels) \(PrometheusText.value(h.sum))\n"
                out += "\(name)_count\(labels) \(counts.last!)\n"
            default:
                break
            }
        }
    }
}
