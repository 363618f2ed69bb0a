// kgrec-graph: the collaborative KG and the propagated embedding table (kgrec.v1.Graph).
// Configuration and wiring only; the service lives in Shared/KGRecGraphService.
#if canImport(Glibc)
import Glibc
#endif
import KGRecGraphService
import KGRecServiceKit

let spec = ServiceConfigSpec(service: "graph",
                             options: ConfigOption.common(port: 50062, adminPort: 9462) + GraphOptions.configOptions)
let env = ServiceEnvironment.bootstrap(spec: spec)

func configured<T>(_ read: () throws(ConfigError) -> T) -> T {
    do { return try read() } catch {
        StandardErrorLogSink().write(Array("kgrec-graph: \(error.message)\n".utf8))
        exit(2)
    }
}
let options = configured { () throws(ConfigError) in try GraphOptions(config: env.config) }
let serverConfig = configured { () throws(ConfigError) in try ServerLimitOptions.serverConfig(env.config) }

let encoding: any ItemEncoding
do {
    encoding = options.localEncoder
        ? LocalItemEncoding()
        : try RemoteItemEncoding(targets: options.encoders, batchSize: options.encodeBatch,
                                 concurrency: options.encodeConcurrency, timeout: options.encoderTimeout,
                                 attempts: options.encoderAttempts, keepalive: options.encoderKeepalive,
                                 logger: env.logger)
} catch {
    env.logger.error("bad encoder address", ["error": .string("\(error)")])
    exit(2)
}
let engine = GraphEngine(options: options, encoding: encoding, metrics: GraphMetrics(service: env.metrics),
                         logger: env.logger)
// A checkpoint, dataset or log that cannot be loaded ends the process (exit 1) after the error line.
let server = GraphServer(engine: engine, serverConfig: serverConfig, metrics: env.metrics, auth: env.auth,
                         logger: env.logger, readiness: env.readiness, onLoadFailure: { _ in exit(1) },
                         reflection: env.config.bool("reflection"))
do {
    try await env.runner(components: [server.component(grace: env.config.duration("grace-period"))]).run()
} catch {
    env.logger.error("start-up failed", ["error": .string("\(error)")])
    exit(1)
}
