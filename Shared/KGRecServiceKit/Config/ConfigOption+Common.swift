extension ConfigOption {
    /// The options every KGRec service has, with the service's own default ports. Services
    /// append their own options to these.
    public static func common(port: Int, adminPort: Int) -> [ConfigOption] {
        [
            .string("host", default: "0.0.0.0", help: "Address the gRPC server listens on."),
            .int("port", default: port, rule: .range(0...65535), help: "gRPC listening port (0 picks a free port)."),
            .string("admin-host", default: "0.0.0.0",
                    help: "Address of the admin HTTP server (/metrics, /healthz)."),
            .int("admin-port", default: adminPort, rule: .range(-1...65535),
                 help: "Admin HTTP port for /metrics and /healthz (0 picks a free port, -1 disables)."),
            .string("log-level", default: "info", rule: .choices(LogLevel.allCases.map(\.description)),
                    help: "Lowest log level written."),
            .duration("grace-period", default: .seconds(10),
                      help: "On SIGTERM/SIGINT, how long in-flight calls may finish before a hard stop."),
            .bool("reflection", default: true,
                  help: "Serve gRPC server reflection (grpc.reflection.v1 and v1alpha); --no-reflection turns it off."),
        ]
    }

    /// Bearer tokens for a service's mutating RPCs. Only a service that has mutating RPCs declares it
    /// (the graph: AddInteractions); the encoder and ranker have none, so they do not take the flag.
    public static let authToken: ConfigOption =
        .stringList("auth-token",
                    help: "Bearer token(s) accepted on mutating RPCs; none means auth is off. "
                        + "Repeat the flag, or comma-separate in the env var.")
}
