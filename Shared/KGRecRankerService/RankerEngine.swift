import Dispatch
import GRPCCore
import GRPCHTTP2
import KGRecPOSIX
import KGRecServiceKit
import KGRecServing
import KGRecWire
import Synchronization

/// The ranker's state and logic, without the RPC plumbing: the warmed item catalogue, the user
/// embedding cache, the graph table version, and the coalesced graph fetches.
///
/// Versions: `version` is the newest graph table version seen (from an export, a fetch or a poll).
/// When it moves, the cache is emptied (entries are keyed by version, so a stale one can never be
/// served) and the catalogue is re-warmed in the background while the old one keeps serving.
public final class RankerEngine: Sendable {
    public let options: RankerOptions
    let graph: GraphClient
    let cache: EmbeddingCache
    let metrics: RankerMetrics
    let logger: Logger
    let state = Mutex(State())
    private let tasks = Mutex<[Task<Void, Never>]>([])
    /// Runs the recall probes (created at the first one).
    private let prober = Mutex<IdleWorker?>(nil)
    /// Recommend scans running as tasks now (see `recommend`).
    let scansInFlight = Atomic<Int>(0)
    private let onReady: @Sendable () -> Void
    private var coalescer: MissCoalescer<FetchedEmbeddings> { _coalescer! }
    private nonisolated(unsafe) var _coalescer: MissCoalescer<FetchedEmbeddings>?

    struct State {
        var catalogue: ItemCatalogue?
        var version: UInt64 = 0
        /// Bumped whenever `version` is adopted: a response to a call begun in an older epoch may
        /// only move the version forward.
        var epoch: UInt64 = 0
        var warming = false
        /// Ids the graph said it does not know, for the current version (bounded).
        var unknownUsers: Set<String> = []
        var unknownItems: Set<String> = []
        /// Items of the current version the catalogue lacks (added since the last warm-up), fetched
        /// on demand: scored and recommended until a re-warm brings them into the catalogue.
        var extras: [String: [Float]] = [:]
        var warnedPollFailure = false
    }

    /// `onReady` runs once, when the first catalogue is installed.
    public init(options: RankerOptions, channel: GRPCChannel, metrics: RankerMetrics, logger: Logger,
                onReady: @escaping @Sendable () -> Void = {})
    {
        self.options = options
        self.metrics = metrics
        self.logger = logger
        self.onReady = onReady
        cache = EmbeddingCache(capacityBytes: options.cacheBytes)
        graph = GraphClient(channel: channel,
                            retry: RetryPolicy(attempts: options.retryAttempts, backoff: options.retryBackoff,
                                               maxBackoff: options.retryMaxBackoff),
                            metrics: metrics)
        metrics.observe(cache: cache)
        _coalescer = MissCoalescer(maxBatch: options.maxFetchBatch, maxInFlight: options.maxFetchesInFlight) {
            [unowned self] users, items, deadline in
            try await fetchBatch(users: users, items: items, deadline: deadline)
        }
    }

    // ---- lifecycle --------------------------------------------------------------------------

    /// Starts warming the catalogue (retrying until the graph answers) and the version poller.
    public func start() {
        state.withLock { $0.warming = true }
        spawn { [self] in await warmUntilDone() }
        if options.versionPollInterval > .zero { spawn { [self] in await pollVersion() } }
    }

    /// Stops the background work (in-flight requests finish on their own).
    public func stop() {
        for t in tasks.withLock({ l in defer { l = [] }; return l }) { t.cancel() }
        prober.withLock { w in defer { w = nil }; return w }?.stop()
    }

    /// True once a catalogue is installed.
    public var isWarm: Bool { state.withLock { $0.catalogue != nil } }

    /// The graph table version currently served (0 before the first warm-up).
    public var version: UInt64 { state.withLock { $0.version } }

    /// The installed catalogue's version and size (for tests and logs).
    public var catalogueInfo: (version: UInt64, items: Int)? {
        state.withLock { s in s.catalogue.map { ($0.version, $0.count) } }
    }

    /// Runs a recall probe on the idle-priority probe thread (a core that traffic leaves idle)
    /// unless one is already running: probes never queue behind traffic nor take a core from a
    /// request; one dropped is counted (`kgrec_ann_recall_probes_total{outcome="skipped"}`).
    func spawnProbe(_ body: @escaping @Sendable () -> Void) {
        let worker = prober.withLock { w in
            if w == nil {
                w = IdleWorker(name: "kgrec-recall-probe") { [logger] error in
                    logger.warn("recall probes run at normal priority: \(error)")
                }
            }
            return w!
        }
        if !worker.offer(body) { metrics.recallProbesSkipped.increment() }
    }

    private func spawn(_ body: @escaping @Sendable () async -> Void) {
        let t = Task { await body() }
        tasks.withLock { $0.append(t) }
    }

    // ---- snapshots and versions -------------------------------------------------------------

    struct Snapshot {
        let catalogue: ItemCatalogue
        let version: UInt64
        let epoch: UInt64
        /// On-demand items not in `catalogue` (id → row in its layout).
        let extras: [String: [Float]]
    }

    func snapshot() throws -> Snapshot {
        let s = state.withLock { s in
            s.catalogue.map { Snapshot(catalogue: $0, version: s.version, epoch: s.epoch, extras: s.extras) }
        }
        guard let s else {
            throw RPCError(.unavailable, "ranker is warming up: item catalogue not loaded from the graph service yet")
        }
        return s
    }

    /// Adopts `version` if it is newer (or differs and comes from a call begun in the current
    /// epoch): empties the cache and schedules a re-warm. True when it was adopted.
    @discardableResult
    func observe(version v: UInt64, epochAtStart: UInt64) -> Bool {
        let (adopted, warm) = state.withLock { s -> (Bool, Bool) in
            guard v != s.version, v > s.version || epochAtStart == s.epoch else { return (false, false) }
            s.version = v
            s.epoch += 1
            s.unknownUsers = []
            s.unknownItems = []
            s.extras = [:]
            let warm = !s.warming && s.catalogue?.version != v
            if warm { s.warming = true }
            return (true, warm)
        }
        guard adopted else { return false }
        cache.removeAll()
        metrics.service.graphTableVersion.set(Double(v))
        logger.info("graph version moved; cache dropped", ["version": .int(Int(v)), "rewarm": .bool(warm)])
        if warm { spawn { [self] in await warmUntilDone() } }
        return true
    }

    // ---- catalogue warm-up ------------------------------------------------------------------

    /// Exports the whole table from the graph and installs it, retrying with backoff (capped at
    /// 2 s) until it works or the engine stops; then re-warms again if the version moved meanwhile.
    private func warmUntilDone() async {
        var failures = 0
        while !Task.isCancelled {
            do {
                let epoch = state.withLock { $0.epoch }
                var builder = CatalogueBuilder()
                try await graph.export(batchSize: options.exportBatchSize, deadline: .now + .seconds(300)) {
                    try builder.add($0)
                }
                let previous = state.withLock { $0.catalogue }
                let (precision, ann, built) = (options.precision, options.ann, builder)
                // Quantising and k-means take seconds at 10⁵–10⁶ items: off the cooperative pool,
                // whose few threads run the RPC handlers meanwhile.
                let catalogue = await Self.offPool { built.finish(precision: precision, ann: ann, previous: previous) }
                if install(catalogue, epochAtStart: epoch) { continue }
                return
            } catch {
                failures += 1
                if failures == 1 || failures % 30 == 0 {
                    logger.warn("catalogue warm-up failed; retrying",
                                ["error": .string("\(error)"), "attempts": .int(failures)])
                }
                let retry = RetryPolicy(attempts: .max, backoff: .milliseconds(50), maxBackoff: .seconds(2))
                try? await Task.sleep(for: retry.delay(afterAttempt: failures, jitter: .random(in: 0...1)))
            }
        }
    }

    /// Runs `body` on a libdispatch global-queue thread (not one of the cooperative pool's) and
    /// returns its result.
    static func offPool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { done in
            DispatchQueue.global(qos: .utility).async { done.resume(returning: body()) }
        }
    }

    /// Installs `c` as the served catalogue; true when the version has already moved past it
    /// (warm again). Like a fetch, an export begun before the last version change can only move
    /// the version forward; otherwise its version is adopted even if lower (a restarted graph may
    /// count from lower).
    private func install(_ c: ItemCatalogue, epochAtStart: UInt64) -> Bool {
        let (first, versionChanged, again) = state.withLock { s -> (Bool, Bool, Bool) in
            let first = s.catalogue == nil
            s.catalogue = c
            var changed = false
            if c.version != s.version && (first || c.version > s.version || epochAtStart == s.epoch) {
                changed = !first
                s.version = c.version
                s.epoch += 1
                s.unknownUsers = []
                s.unknownItems = []
                s.extras = [:]
            }
            s.extras = s.extras.filter { c.rows[$0.key] == nil }
            let again = s.version != c.version
            s.warming = again
            return (first, changed, again)
        }
        if versionChanged { cache.removeAll() }
        metrics.installed(c)
        metrics.service.graphTableVersion.set(Double(c.version))
        logger.info("item catalogue loaded", ["version": .int(Int(c.version)), "items": .int(c.count),
                                              "users_with_seen": .int(c.seen.count),
                                              "visual_width": .int(c.layout.visual), "text_width": .int(c.layout.text),
                                              "precision": .string(c.matrix.precision.rawValue),
                                              "ivf_lists": .int(c.index?.lists ?? 0),
                                              "ivf_trained": .bool(c.indexTrained),
                                              "ivf_build_seconds": .double(c.indexBuildSeconds)])
        if first { onReady() }
        return again
    }

    /// Asks the graph for its version every `versionPollInterval` (with one catalogue item, so
    /// the request is never empty), so cached-only traffic still notices updates.
    private func pollVersion() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: options.versionPollInterval)
            guard let snap = try? snapshot(), let probe = snap.catalogue.ids.first else { continue }
            do {
                let r = try await graph.getEmbeddings(users: [], items: [probe],
                                                      deadline: .now + options.graphTimeout)
                observe(version: r.version, epochAtStart: snap.epoch)
                state.withLock { $0.warnedPollFailure = false }
            } catch {
                let warn = state.withLock { s in defer { s.warnedPollFailure = true }; return !s.warnedPollFailure }
                if warn { logger.warn("graph version poll failed", ["error": .string("\(error)")]) }
            }
        }
    }

    // ---- coalesced fetches ------------------------------------------------------------------

    /// One batch's vectors, packed in the catalogue's layout; ids absent were unknown to the graph.
    final class FetchedEmbeddings: Sendable {
        let version: UInt64
        let users: [String: [Float]]
        let items: [String: [Float]]

        init(version: UInt64, users: [String: [Float]], items: [String: [Float]]) {
            self.version = version
            self.users = users
            self.items = items
        }
    }

    /// The coalescer's call: GetEmbeddings, version check, cache fill.
    private func fetchBatch(users: [String], items: [String],
                            deadline: ContinuousClock.Instant) async throws -> FetchedEmbeddings
    {
        metrics.fetchBatchSize.observe(Double(users.count + items.count))
        let snap = try snapshot()
        let r = try await graph.getEmbeddings(users: users, items: items, deadline: deadline)
        observe(version: r.version, epochAtStart: snap.epoch)
        let layout = (try? snapshot())?.catalogue.layout ?? snap.catalogue.layout
        var us: [String: [Float]] = [:], its: [String: [Float]] = [:]
        for e in r.users { us[e.id] = try layout.row(e) }
        for e in r.items { its[e.id] = try layout.row(e) }
        let current = state.withLock { s -> Bool in
            guard s.version == r.version else { return false }
            if s.unknownUsers.count < 100_000 { s.unknownUsers.formUnion(r.unknownUserIds) }
            if s.unknownItems.count < 100_000 { s.unknownItems.formUnion(r.unknownItemIds) }
            for (id, v) in its where s.extras.count < 100_000 && v.count == layout.width { s.extras[id] = v }
            return true
        }
        if current {
            for (id, v) in us { cache.put(id, version: r.version, vector: v) }
        }
        return FetchedEmbeddings(version: r.version, users: us, items: its)
    }

    /// The user's row (from the cache) and any of `extraItems` (ids not in the catalogue) the graph
    /// knows (from the snapshot's extras); whatever is missing comes in one coalesced fetch.
    /// Unknown user → NOT_FOUND.
    func lookup(user: String, extraItems: [String], snapshot snap: Snapshot,
                deadline: ContinuousClock.Instant) async throws -> (user: [Float], items: [String: [Float]])
    {
        var userRow = cache.get(user, version: snap.version)
        count(hit: userRow != nil)
        var items: [String: [Float]] = [:]
        var missing: [String] = []
        let knownMissing = state.withLock { s in
            (unknownUser: s.unknownUsers.contains(user), items: s.unknownItems)
        }
        if userRow == nil && knownMissing.unknownUser { throw RPCError(.notFound, "unknown user '\(user)'") }
        for id in extraItems where items[id] == nil && !knownMissing.items.contains(id) {
            if let v = snap.extras[id] { items[id] = v } else { missing.append(id) }
        }
        if userRow == nil || !missing.isEmpty {
            let fetched = try await coalescer.fetch(users: userRow == nil ? [user] : [], items: missing,
                                                    deadline: deadline)
            if userRow == nil { userRow = fetched.users[user] }
            for id in missing { if let v = fetched.items[id] { items[id] = v } }
        }
        guard let userRow else { throw RPCError(.notFound, "unknown user '\(user)'") }
        // Rows always have the catalogue's width (a layout change comes with a new version, which
        // empties the cache); checked anyway, since the kernels read `width` floats from each.
        guard userRow.count == snap.catalogue.layout.width else {
            throw RPCError(.unavailable, "graph service unavailable: its embedding layout changed; the catalogue is re-warming")
        }
        return (userRow, items.filter { $0.value.count == userRow.count })
    }

    /// The user's cached row for the snapshot's version (a hit, counted), or nil without counting
    /// a miss (the caller then goes through `lookup`, which counts it).
    func cachedUser(_ user: String, _ snap: Snapshot) -> [Float]? {
        guard let row = cache.get(user, version: snap.version, countingMiss: false),
              row.count == snap.catalogue.layout.width else { return nil }
        count(hit: true)
        return row
    }

    private func count(hit: Bool) {
        (hit ? metrics.service.cacheHits : metrics.service.cacheMisses).increment()
    }

    /// The budget for downstream calls: the caller's deadline less the margin, capped by
    /// `graphTimeout`. DEADLINE_EXCEEDED when nothing is left.
    func downstreamDeadline(remaining: Duration?) throws -> ContinuousClock.Instant {
        var budget = options.graphTimeout
        if let remaining { budget = min(budget, remaining - options.deadlineMargin) }
        guard budget > .zero else { throw RPCError(.deadlineExceeded, "deadline too short to call the graph service") }
        return .now + budget
    }
}
