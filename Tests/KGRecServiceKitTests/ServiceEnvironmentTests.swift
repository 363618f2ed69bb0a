import Testing
@testable import KGRecServiceKit

@Suite struct ServiceEnvironmentTests {
    let spec = ServiceConfigSpec(service: "encoder", options: ConfigOption.common(port: 50051, adminPort: 9091) + [.authToken])

    func make(_ args: [String], _ env: [String: String] = [:], sink: MemoryLogSink = MemoryLogSink()) throws
        -> ServiceEnvironment.Outcome
    {
        try ServiceEnvironment.make(spec: spec, arguments: args, environment: env, logSink: sink)
    }

    @Test func helpAndFlagsJSONAskToExit() throws {
        guard case .exit(let help) = try make(["--help"]) else { Issue.record("no exit"); return }
        #expect(help.contains("KGREC_ENCODER_ADMIN_PORT"))
        guard case .exit(let json) = try make(["--print-flags-json"]) else { Issue.record("no exit"); return }
        #expect(json.contains("\"env\":\"KGREC_ENCODER_GRACE_PERIOD\""))
    }

    @Test func badCommonValuesNameTheirSource() {
        #expect(throws: ConfigError(.invalidValue, "invalid value 'loud' for env KGREC_ENCODER_LOG_LEVEL: expected one of debug, info, warn, error")) {
            try make([], ["KGREC_ENCODER_LOG_LEVEL": "loud"])
        }
        #expect(throws: ConfigError(.invalidValue, "invalid value '70000' for flag --port: expected an integer in 0...65535")) {
            try make(["--port", "70000"])
        }
        #expect(throws: ConfigError(.invalidValue, "invalid value '-2' for flag --admin-port: expected an integer in -1...65535")) {
            try make(["--admin-port", "-2"])
        }
    }

    @Test func buildsTheStandardPiecesFromTheCommonOptions() throws {
        let sink = MemoryLogSink()
        guard case .ready(let env) = try make(["--log-level", "warn", "--auth-token", "t1", "--grace-period", "2s"],
                                              ["KGREC_ENCODER_ADMIN_PROT": "1"], sink: sink)
        else { Issue.record("not ready"); return }
        #expect(env.logger.level == .warn)
        #expect(env.auth.isEnabled)
        #expect(env.admin?.requestedPort == 9091)
        #expect(!env.readiness.isReady)
        let runner = env.runner(components: [ClosureComponent(name: "grpc")])
        #expect(runner.components.map(\.name) == ["admin-http", "grpc"])
        #expect(runner.gracePeriod == .seconds(2))
        env.logStartup()
        #expect(sink.lines.count == 1)  // the info line is below warn; the unknown-env warning is not
        #expect(sink.lines[0].contains("KGREC_ENCODER_ADMIN_PROT"))
    }

    @Test func aServiceWithoutMutatingRPCsRefusesAuthTokenAndHasAuthOff() throws {
        let plain = ServiceConfigSpec(service: "ranker", options: ConfigOption.common(port: 50053, adminPort: 9093))
        #expect(throws: ConfigError.self) {
            try ServiceEnvironment.make(spec: plain, arguments: ["--auth-token", "t1"], environment: [:], logSink: MemoryLogSink())
        }
        guard case .ready(let env) = try ServiceEnvironment.make(spec: plain, arguments: [], environment: [:],
                                                                  logSink: MemoryLogSink())
        else { Issue.record("not ready"); return }
        #expect(!env.auth.isEnabled)
    }

    @Test func adminPortMinusOneDisablesTheAdminServer() throws {
        guard case .ready(let env) = try make(["--admin-port=-1"]) else { Issue.record("not ready"); return }
        #expect(env.admin == nil)
        #expect(env.runner(components: []).components.isEmpty)
    }

    @Test func readinessIsMirroredInTheReadyGauge() throws {
        guard case .ready(let env) = try make([]) else { Issue.record("not ready"); return }
        #expect(env.metrics.registry.render().contains("kgrec_ready 0\n"))
        env.readiness.setReady()
        #expect(env.metrics.registry.render().contains("kgrec_ready 1\n"))
    }
}
