#if canImport(Glibc)
import Glibc
#endif
import GRPCHTTP2

/// The body of every service executable: flags and env (`ConfigOption.common` with the
/// service's ports, then its own options), the `HostedService` that `make` builds from them,
/// a `ServiceHost` around it and the admin server, run until SIGTERM/SIGINT.
///
///     await ServiceMain.run(service: "encoder", port: 50061, adminPort: 9461,
///                           options: EncoderOptions.configOptions) { env in
///         HostedEncoder(options: try EncoderOptions(config: env.config), env: env)
///     }
///
/// Exit codes: 0 after `--help` or a drained stop; 2 for a bad flag or env var (one line naming
/// it); 1 when start-up fails or `load` throws (after its error line).
public enum ServiceMain {
    public static func run<Hosted: HostedService>(service: String, port: Int, adminPort: Int,
                                                  options: [ConfigOption],
                                                  _ make: (ServiceEnvironment) throws -> Hosted) async -> Never
    {
        let spec = ServiceConfigSpec(service: service,
                                     options: ConfigOption.common(port: port, adminPort: adminPort) + options)
        let env = ServiceEnvironment.bootstrap(spec: spec)
        let hosted: Hosted
        let serverConfig: ServerConfig
        do {
            hosted = try make(env)
            serverConfig = try ServerLimitOptions.serverConfig(env.config)
        } catch {
            StandardErrorLogSink().write(Array("\(spec.executable): \(error)\n".utf8))
            exit(2)
        }
        let host = ServiceHost(hosted, serverConfig: serverConfig, metrics: env.metrics, auth: env.auth,
                               logger: env.logger, readiness: env.readiness, reflection: env.config.bool("reflection"),
                               onLoadFailure: { _ in exit(1) })
        do {
            // The one place a service process waits for SIGTERM/SIGINT (inside `ServiceRunner.run`).
            try await env.runner(components: [host.component(grace: env.config.duration("grace-period"))]).run()
        } catch {
            env.logger.error("start-up failed", ["error": .string("\(error)")])
            exit(1)
        }
        exit(0)
    }
}
