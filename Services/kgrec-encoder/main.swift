// kgrec-encoder: projection + cross-modal fusion of item features (kgrec.v1.Encoder). Stateless,
// so it scales out. Configuration and wiring only; the service lives in Shared/KGRecEncoderService.
#if canImport(Glibc)
import Glibc
#endif
import KGRecEncoderService
import KGRecServiceKit

let spec = ServiceConfigSpec(service: "encoder",
                             options: ConfigOption.common(port: 50061, adminPort: 9461) + EncoderOptions.configOptions)
let env = ServiceEnvironment.bootstrap(spec: spec)

/// Bad values stop start-up with exit code 2 and one line naming the flag or env var.
func configured<T>(_ read: () throws(ConfigError) -> T) -> T {
    do { return try read() } catch {
        StandardErrorLogSink().write(Array("kgrec-encoder: \(error.message)\n".utf8))
        exit(2)
    }
}
let options = configured { () throws(ConfigError) in try EncoderOptions(config: env.config) }
let serverConfig = configured { () throws(ConfigError) in try ServerLimitOptions.serverConfig(env.config) }

let engine = EncoderEngine(options: options, metrics: env.metrics)
let server = EncoderServer(engine: engine, serverConfig: serverConfig, metrics: env.metrics, logger: env.logger,
                           readiness: env.readiness, reflection: env.config.bool("reflection"))
// The port opens at once (health NOT_SERVING); a checkpoint or dataset that cannot be loaded ends
// the process with exit code 1 after its error line.
do {
    try await env.runner(components: [
        server.component(grace: env.config.duration("grace-period"), onLoadFailure: { _ in exit(1) }),
    ]).run()
} catch {
    env.logger.error("start-up failed", ["error": .string("\(error)")])
    exit(1)
}
