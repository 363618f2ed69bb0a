// kgrec-ranker: the client-facing scoring service (kgrec.v1.Ranker) in front of kgrec-graph.
// Configuration and wiring only; the service lives in Shared/KGRecRankerService.
import KGRecRankerService
import KGRecServiceKit

// Health and /healthz stay NOT_SERVING until the item catalogue is warm; the gRPC port is open
// from the start (callers get UNAVAILABLE "warming up" meanwhile). Bad flags exit 2.
await ServiceMain.run(service: "ranker", port: 50063, adminPort: 9463, options: RankerOptions.configOptions) { env in
    try HostedRanker(options: RankerOptions(config: env.config), env: env)
}
