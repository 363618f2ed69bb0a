import Synchronization

/// A named metric with label names and one child (`Counter`, `Gauge` or `Histogram`) per
/// distinct label-value tuple. Look a child up once and keep it: `labels(_:)` takes a lock;
/// updating the child does not.
public final class MetricFamily<Child: AnyObject & Sendable>: Sendable {
    public let name: String
    public let help: String
    public let kind: MetricKind
    public let labelNames: [String]
    private let makeChild: @Sendable () -> Child
    private let children = Mutex<[[String]: Child]>([:])

    init(name: String, help: String, kind: MetricKind, labelNames: [String],
         makeChild: @escaping @Sendable () -> Child)
    {
        precondition(PrometheusText.isValidName(name), "invalid metric name \(name)")
        precondition(labelNames.allSatisfy { PrometheusText.isValidName($0, allowColon: false) && $0 != "le" },
                     "invalid label names \(labelNames)")
        self.name = name
        self.help = help
        self.kind = kind
        self.labelNames = labelNames
        self.makeChild = makeChild
        if labelNames.isEmpty { _ = labels() }
    }

    /// The child for these label values (one per label name, in order), created on first use.
    public func labels(_ values: String...) -> Child { labels(values) }

    public func labels(_ values: [String]) -> Child {
        precondition(values.count == labelNames.count,
                     "\(name) takes \(labelNames.count) label values, got \(values.count)")
        return children.withLock { map in
            if let c = map[values] { return c }
            let c = makeChild()
            map[values] = c
            return c
        }
    }

    /// Children sorted by label values, for deterministic output.
    func snapshot() -> [([String], Child)] {
        children.withLock { map in map.map { ($0.key, $0.value) } }
            .sorted { $0.0.lexicographicallyPrecedes($1.0) }
    }
}
