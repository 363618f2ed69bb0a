#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import KGRecServiceKit

/// Serialized: only one signal watcher can be installed per process. SIGTERM/SIGINT go to the
/// whole test process, so no other test in it may handle those two signals; the exclusivity test
/// uses SIGWINCH/SIGURG, which nothing sends (other suites use SIGUSR2).
@Suite(.serialized) struct ServiceRunnerTests {
    @Test func startsInOrderAndDrainsInReverseOnRequest() async throws {
        let journal = Journal()
        let runner = ServiceRunner(components: ["a", "b", "c"].map { RecordingComponent($0, journal: journal) },
                                   gracePeriod: .seconds(60))
        async let done: Void = runner.run(signals: [])
        await runner.running.wait(untilCount: 1)
        runner.requestStop("test")
        try await done
        #expect(journal.all == ["start a", "start b", "start c", "drain c", "drain b", "drain a"])
        #expect(runner.stopOutcomes == ["a": "drained", "b": "drained", "c": "drained"])
    }

    @Test func aFailedStartStopsWhatStartedAndRethrows() async throws {
        let journal = Journal()
        let runner = ServiceRunner(components: [RecordingComponent("a", journal: journal),
                                                RecordingComponent("b", journal: journal),
                                                RecordingComponent("c", journal: journal, failStart: true),
                                                RecordingComponent("d", journal: journal)],
                                   gracePeriod: .seconds(60))
        await #expect(throws: TestFailure.self) { try await runner.run(signals: []) }
        #expect(journal.all == ["start a", "start b", "start c", "drain b", "drain a"])
    }

    @Test func sigtermFromKillTriggersAGracefulStopAndTheProcessSurvives() async throws {
        let journal = Journal()
        let readiness = Readiness()
        readiness.setReady()
        let runner = ServiceRunner(components: ["grpc", "admin"].map { RecordingComponent($0, journal: journal) },
                                   gracePeriod: .seconds(60), readiness: readiness)
        async let done: Void = runner.run()
        await runner.running.wait(untilCount: 1)  // handlers are installed before `running`
        kill(getpid(), SIGTERM)
        try await done
        #expect(runner.stopRequests.notes == ["SIGTERM"])
        #expect(journal.all == ["start grpc", "start admin", "drain admin", "drain grpc"])
        #expect(readiness.current == (false, "draining"))
    }

    @Test func sigintAlsoStops() async throws {
        let runner = ServiceRunner(components: [], gracePeriod: .seconds(60))
        async let done: Void = runner.run()
        await runner.running.wait(untilCount: 1)
        kill(getpid(), SIGINT)
        try await done
        #expect(runner.stopRequests.notes == ["SIGINT"])
    }

    @Test func aDrainOutlastingTheGracePeriodIsForced() async throws {
        let journal = Journal()
        let stuck = RecordingComponent("stuck", journal: journal, drainBlocksUntilForced: true)
        let runner = ServiceRunner(components: [RecordingComponent("first", journal: journal), stuck],
                                   gracePeriod: .milliseconds(20))
        async let done: Void = runner.run(signals: [])
        await runner.running.wait(untilCount: 1)
        runner.requestStop("test")
        try await done
        // Whether the timer fires before or during stuck's drain depends on scheduling; these
        // hold either way: stuck never finishes by itself, and nothing drains after the force.
        #expect(runner.stopOutcomes == ["stuck": "forced", "first": "forced"])
        #expect(journal.all.suffix(2) == ["force stuck", "force first"])
        #expect(!journal.all.contains("drain first"))
    }

    @Test func aCancelledRunStillEnforcesTheGracePeriod() async throws {
        let journal = Journal()
        let stuck = RecordingComponent("stuck", journal: journal, drainBlocksUntilForced: true)
        let runner = ServiceRunner(components: [stuck], gracePeriod: .milliseconds(20))
        let task = Task { try await runner.run(signals: []) }
        await runner.running.wait(untilCount: 1)
        task.cancel()
        try await task.value
        #expect(runner.stopOutcomes == ["stuck": "forced"])
    }

    @Test func aSecondSignalForcesTheStopAtOnce() async throws {
        let journal = Journal()
        let stuck = RecordingComponent("stuck", journal: journal, drainBlocksUntilForced: true)
        let runner = ServiceRunner(components: [RecordingComponent("base", journal: journal), stuck],
                                   gracePeriod: .seconds(3600))
        async let done: Void = runner.run()
        await runner.running.wait(untilCount: 1)
        kill(getpid(), SIGTERM)
        await stuck.drainStarted.wait(untilCount: 1)
        kill(getpid(), SIGTERM)
        try await done
        #expect(runner.stopRequests.notes == ["SIGTERM", "SIGTERM"])
        #expect(journal.all == ["start base", "start stuck", "drain stuck", "force stuck", "force base"])
    }

    @Test func cancellingRunDrainsLikeAStopRequest() async throws {
        let journal = Journal()
        let runner = ServiceRunner(components: [RecordingComponent("a", journal: journal)], gracePeriod: .seconds(60))
        let task = Task { try await runner.run(signals: []) }
        await runner.running.wait(untilCount: 1)
        task.cancel()
        try await task.value
        #expect(journal.all == ["start a", "drain a"])
    }

    @Test func adminServerRunsAsAComponent() async throws {
        let readiness = Readiness()
        let admin = AdminServer(host: "127.0.0.1", port: 0,
                                routes: AdminRoutes(registry: MetricsRegistry(), readiness: readiness))
        let runner = ServiceRunner(components: [admin], gracePeriod: .seconds(5))
        async let done: Void = runner.run(signals: [])
        await runner.running.wait(untilCount: 1)
        let port = try #require(admin.port)
        #expect(try HTTPTestClient.get(port, "GET /healthz HTTP/1.1\r\n\r\n").contains("starting"))
        runner.requestStop("test")
        try await done
        #expect(admin.port == nil)
    }
}
