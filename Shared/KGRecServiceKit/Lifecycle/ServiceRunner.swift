import KGRecPOSIX
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Runs a service's components: starts them in order, waits for SIGTERM/SIGINT (or
/// `requestStop`, or cancellation of `run`), then drains them in reverse order. If the drain
/// outlasts the grace period, or a second stop request arrives, the components not yet stopped
/// are force-stopped (in reverse order) and `run` returns.
public final class ServiceRunner: Sendable {
    public let components: [any ServiceComponent]
    public let gracePeriod: Duration
    public let logger: Logger?
    /// Set to not ready ("draining") as soon as a stop is requested.
    public let readiness: Readiness?

    /// Every stop request (signal name or reason), in order.
    public let stopRequests = EventCounter()
    /// Reaches 1 once every component has started (and signal handlers are installed).
    public let running = EventCounter()
    private let outcome = Mutex<[String: String]>([:])

    public init(components: [any ServiceComponent], gracePeriod: Duration, logger: Logger? = nil,
                readiness: Readiness? = nil)
    {
        self.components = components
        self.gracePeriod = gracePeriod
        self.logger = logger
        self.readiness = readiness
    }

    /// Asks the runner to stop, as a signal would.
    public func requestStop(_ reason: String) {
        readiness?.setNotReady("draining")
        stopRequests.signal(reason)
    }

    /// How each component ended: `"drained"` or `"forced"` (for logs and tests).
    public var stopOutcomes: [String: String] { outcome.withLock { $0 } }

    /// Starts everything, runs until asked to stop, stops everything. `signals` empty means no
    /// signal handling (e.g. when something else owns the signals).
    public func run(signals: [Int32] = [SIGTERM, SIGINT]) async throws {
        var subscription: SignalSubscription?
        if !signals.isEmpty {
            let s = try SignalSubscription(signals)
            s.forward { [self] signo in
                logger?.info("signal received", ["signal": .string(SignalSubscription.name(signo))])
                requestStop(SignalSubscription.name(signo))
            }
            subscription = s
        }
        defer { subscription?.cancel() }

        var started: [any ServiceComponent] = []
        do {
            for c in components {
                logger?.info("starting", ["component": .string(c.name)])
                try await c.start()
                started.append(c)
            }
        } catch {
            logger?.error("start failed; stopping", ["component": .string(components[started.count].name),
                                                      "error": .string("\(error)")])
            let alreadyRequested = stopRequests.count
            await Task { await shutdown(started, firstRequest: alreadyRequested) }.value
            throw error
        }
        logger?.info("running", ["components": .int(started.count)])
        running.signal("running")
        await stopRequests.wait(untilCount: 1)
        let seen = max(stopRequests.count, 1)
        logger?.info("stopping", ["reason": .string(stopRequests.notes.first ?? "cancelled"),
                                  "grace_ms": .int(Int(gracePeriod.components.seconds * 1000
                                      + gracePeriod.components.attoseconds / 1_000_000_000_000_000))])
        // Unstructured, so a cancelled `run` still drains with the grace period enforced.
        await Task { await shutdown(started, firstRequest: seen) }.value
        logger?.info("stopped")
    }

    /// Drains `started` in reverse; after the grace period or one more stop request than
    /// `firstRequest`, force-stops whatever has not finished.
    private func shutdown(_ started: [any ServiceComponent], firstRequest: Int) async {
        let progress = ShutdownProgress()
        let deadline = ContinuousClock.now + gracePeriod
        let order = Array(started.indices.reversed())
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                await withTaskGroup(of: Void.self) { race in
                    race.addTask { try? await Task.sleep(until: deadline, clock: .continuous) }
                    race.addTask { [self] in await stopRequests.wait(untilCount: firstRequest + 1) }
                    await race.next()
                    race.cancelAll()
                }
                if Task.isCancelled { return }
                progress.forced.store(true, ordering: .sequentiallyConsistent)
                logger?.warn("grace period over or second stop request; forcing stop")
                for i in order where !progress.finished.withLock({ $0.contains(i) }) {
                    await started[i].forceStop()
                    record(started[i].name, "forced")
                }
            }
            for i in order {
                if progress.forced.load(ordering: .sequentiallyConsistent) { break }
                logger?.info("draining", ["component": .string(started[i].name)])
                await started[i].drain()
                let first = progress.finished.withLock { $0.insert(i).inserted }
                if first && !progress.forced.load(ordering: .sequentiallyConsistent) { record(started[i].name, "drained") }
            }
            group.cancelAll()
        }
    }

    /// Shared between the drain sequence and the force-stop escalation.
    private final class ShutdownProgress: Sendable {
        let finished = Mutex<Set<Int>>([])
        let forced = Atomic<Bool>(false)
    }

    private func record(_ name: String, _ how: String) {
        outcome.withLock { if $0[name] == nil { $0[name] = how } }
    }
}
