import Synchronization

/// Holds metric families and renders them in the Prometheus text format 0.0.4.
///
/// Registering a name twice with the same kind and labels returns the same family, so
/// components can ask for a standard metric without coordinating. Collectors run before each
/// render, to refresh gauges that are sampled rather than updated (memory, fds, uptime).
public final class MetricsRegistry: Sendable {
    private let families = Mutex<[any RenderableMetric]>([])
    private let collectors = Mutex<[@Sendable () -> Void]>([])

    public init() {}

    public func counterFamily(_ name: String, help: String, labels: [String]) -> MetricFamily<Counter> {
        register(name, help, .counter, labels) { Counter() }
    }
    public func gaugeFamily(_ name: String, help: String, labels: [String]) -> MetricFamily<Gauge> {
        register(name, help, .gauge, labels) { Gauge() }
    }
    public func histogramFamily(_ name: String, help: String, labels: [String],
                                buckets: [Double] = Histogram.latencySeconds) -> MetricFamily<Histogram>
    {
        _ = Histogram(bounds: buckets)  // validates the bounds now, not at first use
        return register(name, help, .histogram, labels) { Histogram(bounds: buckets) }
    }

    /// A counter without labels.
    public func counter(_ name: String, help: String) -> Counter {
        counterFamily(name, help: help, labels: []).labels()
    }
    /// A gauge without labels.
    public func gauge(_ name: String, help: String) -> Gauge {
        gaugeFamily(name, help: help, labels: []).labels()
    }
    /// A histogram without labels.
    public func histogram(_ name: String, help: String, buckets: [Double] = Histogram.latencySeconds)
        -> Histogram
    {
        histogramFamily(name, help: help, labels: [], buckets: buckets).labels()
    }

    /// Runs `collect` before every render.
    public func addCollector(_ collect: @escaping @Sendable () -> Void) {
        collectors.withLock { $0.append(collect) }
    }

    /// The whole exposition, families in registration order.
    public func render() -> String {
        for c in collectors.withLock({ $0 }) { c() }
        var out = ""
        for f in families.withLock({ $0 }) { f.render(into: &out) }
        return out
    }

    private func register<Child>(_ name: String, _ help: String, _ kind: MetricKind, _ labels: [String],
                                 _ make: @escaping @Sendable () -> Child) -> MetricFamily<Child>
    {
        families.withLock { list in
            if let existing = list.first(where: { $0.name == name }) {
                guard let same = existing as? MetricFamily<Child>, same.kind == kind, same.labelNames == labels
                else { preconditionFailure("metric \(name) registered twice with different shapes") }
                return same
            }
            let f = MetricFamily(name: name, help: help, kind: kind, labelNames: labels, makeChild: make)
            list.append(f)
            return f
        }
    }
}
