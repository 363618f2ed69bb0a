// kgrec-graph: the collaborative KG and the propagated embedding table (kgrec.v1.Graph).
// Configuration and wiring only; the service lives in Shared/KGRecGraphService.
import KGRecGraphService
import KGRecServiceKit

// The port opens at once (health NOT_SERVING until the table is built). Bad flags or encoder
// addresses exit 2; a checkpoint, dataset or log that cannot be loaded exits 1.
await ServiceMain.run(service: "graph", port: 50062, adminPort: 9462, options: GraphOptions.configOptions) { env in
    try HostedGraph(options: GraphOptions(config: env.config), env: env)
}
