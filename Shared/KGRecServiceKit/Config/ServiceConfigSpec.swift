/// A service's declared options: the one place its flags and env vars are defined.
///
///     let spec = ServiceConfigSpec(service: "ranker",
///         options: ConfigOption.common(port: 50053, adminPort: 9093) + [
///             .stringList("graph", help: "graph service address host:port"),
///             .size("cache-size", default: 256 << 20, help: "embedding cache budget")])
///     switch try spec.parse(arguments: Array(CommandLine.arguments.dropFirst()),
///                           environment: ProcessEnvironment.current) { ... }
///
/// Precedence: flag, then env var (`KGREC_RANKER_CACHE_SIZE`), then default. An env var set to
/// the empty string counts as unset.
public struct ServiceConfigSpec: Sendable {
    /// Short service name, e.g. `ranker`; the executable is `kgrec-<service>`.
    public let service: String
    public let options: [ConfigOption]
    /// `KGREC_<SERVICE>_`, e.g. `KGREC_RANKER_`.
    public let envPrefix: String

    public init(service: String, options: [ConfigOption]) {
        self.service = service
        self.options = options
        self.envPrefix = "KGREC_" + service.uppercased().replacingAll("-", with: "_") + "_"
        var seen = Set<String>()
        for o in options { precondition(seen.insert(o.name).inserted, "option \(o.name) declared twice") }
    }

    /// The executable name used in `--help`.
    public var executable: String { "kgrec-" + service }

    public func option(named name: String) -> ConfigOption? {
        options.first { $0.name == name }
    }

    public func envVar(for option: ConfigOption) -> String { option.envVar(prefix: envPrefix) }

    /// Every flag with its env var, in declaration order (for deployment-file checks).
    public var flagsAndEnvVars: [(flag: String, env: String)] {
        options.map { ($0.flag, envVar(for: $0)) }
    }
}
