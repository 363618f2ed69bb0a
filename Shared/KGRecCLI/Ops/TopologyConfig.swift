/// What `kgrec up` (and the services demo, the end-to-end tests, `Benchmarks/load.sh`) starts:
/// N encoders → one graph → one ranker on one host, the same topology as `docker-compose.yml`.
struct TopologyConfig: Sendable {
    /// Directory holding `kgrec-encoder`, `kgrec-graph`, `kgrec-ranker`.
    var binDir: String
    var checkpoint: String
    /// Dataset directory overriding the one recorded in the checkpoint.
    var data: String? = nil
    /// `kgrec export`'s fused-item artifact for the graph (`--fused-items`), if any.
    var fusedItems: String? = nil
    var encoders = 1
    var host = "127.0.0.1"
    /// gRPC ports; encoder i listens on `encoderPort + 100 * i`. Ignored with `freePorts`.
    var encoderPort = 50061
    var graphPort = 50062
    var rankerPort = 50063
    /// Admin HTTP ports (9461 / 9462 / 9463, encoder i + 100 * i); false disables the admin servers.
    var adminPorts = true
    /// Pick free ports for everything (tests, several topologies on one machine).
    var freePorts = false
    /// Graph durable log in `STATE/graph`, process logs in `STATE/logs/NAME.log`.
    var stateDir: String
    var authToken: String? = nil
    var logLevel = "info"
    var gracePeriod: Duration = .seconds(10)
    /// How long each service may take to become SERVING.
    var startTimeout: Duration = .seconds(300)
    /// Extra arguments per role (`encoder`, `graph`, `ranker`), passed through verbatim.
    var extraArguments: [String: [String]] = [:]

    /// `kgrec up`'s `--state-dir` when none is given (relative to the working directory).
    static let defaultStateDir = "kgrec-state"
    /// Every default, for help texts (the paths are placeholders).
    static let defaults = TopologyConfig(binDir: "", checkpoint: "", stateDir: defaultStateDir)

    init(binDir: String, checkpoint: String, stateDir: String) {
        self.binDir = binDir
        self.checkpoint = checkpoint
        self.stateDir = stateDir
    }
}

/// One process of the topology, with the addresses it was given.
struct ServiceEndpoint: Sendable {
    let name: String        // encoder-0, graph, ranker
    let role: String        // encoder, graph, ranker
    let healthService: String  // kgrec.v1.Encoder, …
    let grpcPort: Int
    let adminPort: Int      // -1 when disabled
    let logPath: String
}
