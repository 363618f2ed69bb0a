#if canImport(Glibc)
import Glibc
#endif

/// What every service executable builds before wiring its own parts: configuration, logger,
/// standard metrics, readiness, auth and the admin server, all from the common options
/// (`ConfigOption.common`). `ServiceMain.run` is its one user in the executables:
///
///     let env = ServiceEnvironment.bootstrap(spec: spec)        // exits on --help / bad flags
///     let host = ServiceHost(…)                                 // from env.config
///     try await env.runner(components: [host.component(…)]).run()   // admin first, stops last
public struct ServiceEnvironment: Sendable {
    public let config: ServiceConfig
    public let logger: Logger
    public let metrics: ServiceMetrics
    public let readiness: Readiness
    public let auth: BearerTokenAuthenticator
    /// Nil when `--admin-port -1`.
    public let admin: AdminServer?

    /// What `make` produced: an environment, or text to print before exiting 0.
    public enum Outcome: Sendable {
        case ready(ServiceEnvironment)
        case exit(output: String)
    }

    /// Parses and validates; builds the pieces but starts nothing. `spec` must include the
    /// common options.
    public static func make(spec: ServiceConfigSpec, arguments: [String], environment: [String: String],
                            logSink: any LogSink = StandardErrorLogSink()) throws(ConfigError) -> Outcome
    {
        let config: ServiceConfig
        switch try spec.parse(arguments: arguments, environment: environment) {
        case .help(let text): return .exit(output: text)
        case .printFlagsJSON(let json): return .exit(output: json)
        case .run(let c): config = c
        }
        let logger = Logger(service: spec.service, level: LogLevel(name: config.string("log-level")) ?? .info,
                            sink: logSink)
        let metrics = ServiceMetrics()
        let readiness = Readiness(gauge: metrics.registry.gauge(MetricNames.ready, help: "1 when ready, else 0."))
        let adminPort = config.int("admin-port")
        let admin = adminPort < 0 ? nil
            : AdminServer(host: config.string("admin-host"), port: adminPort,
                          routes: AdminRoutes(registry: metrics.registry, readiness: readiness))
        return .ready(ServiceEnvironment(config: config, logger: logger, metrics: metrics, readiness: readiness,
                                         auth: BearerTokenAuthenticator(tokens: spec.option(named: "auth-token") == nil
                                                                          ? [] : config.strings("auth-token")),
                                         admin: admin))
    }

    /// `make` for `main`: prints help or the flags JSON and exits 0, prints a config error and
    /// exits 2, else ignores SIGPIPE, logs the effective configuration and returns.
    public static func bootstrap(spec: ServiceConfigSpec,
                                 arguments: [String] = Array(CommandLine.arguments.dropFirst()),
                                 environment: [String: String] = ProcessEnvironment.current) -> ServiceEnvironment
    {
        do {
            switch try make(spec: spec, arguments: arguments, environment: environment) {
            case .exit(let output):
                print(output, terminator: "")
                exit(0)
            case .ready(let env):
                // A peer closing a socket must be an error return, not process death.
                signal(SIGPIPE, SIG_IGN)
                env.logStartup()
                return env
            }
        } catch {
            StandardErrorLogSink().write(Array("\(spec.executable): \(error.message)\n".utf8))
            exit(2)
        }
    }

    /// One line with every option's effective value and source (tokens redacted), then a
    /// warning per unknown `KGREC_<SERVICE>_*` env var.
    public func logStartup() {
        let summary = config.summary.map { "\($0.name)=\($0.value) (\($0.source))" }.joined(separator: ", ")
        logger.info("configuration", ["options": .string(summary), "auth": .bool(auth.isEnabled)])
        for name in config.unknownEnvironment {
            logger.warn("unknown environment variable ignored", ["env": .string(name)])
        }
    }

    /// A runner over the admin server (started first, stopped last) and `components`, with the
    /// configured grace period; readiness drops to "draining" on the first stop request.
    public func runner(components: [any ServiceComponent]) -> ServiceRunner {
        ServiceRunner(components: (admin.map { [$0] } ?? []) + components,
                      gracePeriod: config.duration("grace-period"), logger: logger, readiness: readiness)
    }
}
