import GRPCCore

/// The grpc-ecosystem server metrics (go-grpc-middleware / go-grpc-prometheus names and labels,
/// so stock dashboards and alerts work): `grpc_server_started_total`, `grpc_server_handled_total`
/// (with `grpc_code`) and the `grpc_server_handling_seconds` histogram, each labelled
/// `grpc_method`, `grpc_service` and `grpc_type` (`unary`, `client_stream`, `server_stream`,
/// `bidi_stream`).
///
/// Per call: `let m = rpc.method(descriptor, type: .unary)` once at start-up, then `m.started()`
/// and `m.record(code: .ok, seconds: t)` (atomic adds and a CAS, no lock on the common path).
public final class RPCMetrics: Sendable {
    /// `grpc_type`: the call shape.
    public enum CallType: String, Sendable {
        case unary, clientStream = "client_stream", serverStream = "server_stream", bidiStream = "bidi_stream"

        public init(_ shape: MethodHandler.CallShape) {
            switch shape {
            case .unary: self = .unary
            case .clientStreaming: self = .clientStream
            case .serverStreaming: self = .serverStream
            case .bidiStreaming: self = .bidiStream
            }
        }
    }

    public let started: MetricFamily<Counter>
    public let handled: MetricFamily<Counter>
    public let handling: MetricFamily<Histogram>

    public init(registry: MetricsRegistry, buckets: [Double] = Histogram.latencySeconds) {
        let labels = ["grpc_method", "grpc_service", "grpc_type"]
        started = registry.counterFamily(MetricNames.grpcServerStarted,
                                         help: "RPCs started on the server.", labels: labels)
        handled = registry.counterFamily(MetricNames.grpcServerHandled,
                                         help: "RPCs completed on the server, regardless of success or failure.",
                                         labels: ["grpc_code"] + labels)
        handling = registry.histogramFamily(MetricNames.grpcServerHandlingSeconds,
                                            help: "Response latency (seconds) of RPCs handled by the server.",
                                            labels: labels, buckets: buckets)
    }

    /// The cached children for one method.
    public func method(_ method: MethodDescriptor, type: CallType) -> MethodMetrics {
        let labels = [method.method, method.service, type.rawValue]
        return MethodMetrics(labels: labels, started: started.labels(labels), handled: handled,
                             latency: handling.labels(labels))
    }
}

extension StatusCode {
    /// The `grpc_code` label value: the code's name as grpc-go spells it (`OK`, `NotFound`,
    /// `DeadlineExceeded`, `Canceled`, …), which the ecosystem's dashboards match on.
    public var prometheusLabel: String {
        let names = ["OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound", "AlreadyExists",
                     "PermissionDenied", "ResourceExhausted", "FailedPrecondition", "Aborted", "OutOfRange",
                     "Unimplemented", "Internal", "Unavailable", "DataLoss", "Unauthenticated"]
        return Int(rawValue) < names.count ? names[Int(rawValue)] : "Code(\(rawValue))"
    }
}
