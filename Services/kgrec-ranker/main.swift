// kgrec-ranker: the client-facing scoring service (kgrec.v1.Ranker) in front of kgrec-graph.
// Configuration and wiring only; the service lives in Shared/KGRecRankerService.
#if canImport(Glibc)
import Glibc
#endif
import KGRecRankerService
import KGRecServiceKit

let spec = ServiceConfigSpec(service: "ranker",
                             options: ConfigOption.common(port: 50063, adminPort: 9463) + RankerOptions.configOptions)
let env = ServiceEnvironment.bootstrap(spec: spec)

/// Bad values stop start-up with exit code 2 and one line naming the flag or env var.
func configured<T>(_ read: () throws(ConfigError) -> T) -> T {
    do { return try read() } catch {
        StandardErrorLogSink().write(Array("kgrec-ranker: \(error.message)\n".utf8))
        exit(2)
    }
}
let options = configured { () throws(ConfigError) in try RankerOptions(config: env.config) }
let serverConfig = configured { () throws(ConfigError) in try ServerLimitOptions.serverConfig(env.config) }

let ranker: RankerServer
do {
    ranker = try RankerServer(options: options, serverConfig: serverConfig, metrics: env.metrics,
                              logger: env.logger, readiness: env.readiness,
                              reflection: env.config.bool("reflection"))
} catch {
    env.logger.error("bad graph address", ["error": .string("\(error)")])
    exit(2)
}
// Health and /healthz stay NOT_SERVING until the item catalogue is warm; the gRPC port is open
// from the start (callers get UNAVAILABLE "warming up" meanwhile).
do {
    try await env.runner(components: [ranker.component(grace: env.config.duration("grace-period"),
                                                       logger: env.logger)]).run()
} catch {
    env.logger.error("start-up failed", ["error": .string("\(error)")])
    exit(1)
}
