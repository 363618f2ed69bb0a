/// What the admin server answers: `GET /metrics`, `GET /healthz`, 404 elsewhere, 405 for
/// methods other than GET (HEAD is answered like GET without the body).
public struct AdminRoutes: Sendable {
    public let registry: MetricsRegistry
    public let readiness: Readiness

    public init(registry: MetricsRegistry, readiness: Readiness) {
        self.registry = registry
        self.readiness = readiness
    }

    public func respond(to head: HTTPRequestHead) -> HTTPResponse {
        let known = head.path == "/metrics" || head.path == "/healthz"
        guard head.method == "GET" || head.method == "HEAD" else {
            return known ? HTTPResponse(status: 405, body: "method not allowed\n", extraHeaders: ["Allow: GET, HEAD"])
                : .error(404, "not found")
        }
        switch head.path {
        case "/metrics":
            return HTTPResponse(status: 200, contentType: PrometheusText.contentType, body: registry.render())
        case "/healthz":
            let (ready, reason) = readiness.current
            return ready ? HTTPResponse(status: 200, body: "ok\n") : .error(503, reason.isEmpty ? "not ready" : reason)
        default:
            return .error(404, "not found")
        }
    }
}
