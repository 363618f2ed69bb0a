import Foundation
import GRPCCore
import KGRecModel
import KGRecServiceKit
import KGRecServing
import KGRecWire
import Synchronization

/// The graph service's state: the served model, the online additions, the durable log and the
/// published embedding table.
///
/// - `load()`: checkpoint + dataset, log replay (every acknowledged update; more than
///   `logCompactRecords` update records are first merged and the log rewritten,
///   `InteractionLogCompaction`), one table build. With
///   `fusedItems` (a `kgrec export` artifact) the trained items' fused vectors come from that file
///   and only items the log changed go through the encoders.
/// - `addInteractions`: serialized by a FIFO gate. Validate (nothing changes on a bad request) →
///   re-encode the items whose encoder input changed (new items; trained items whose BFS sequence
///   moved) → propagate over the whole extended graph → append the request to the log (fsync) →
///   publish the new table → reply with its version. An encoder failure fails the request before
///   anything is logged. The update runs in its own task, so a client that gives up mid-way cannot
///   leave a logged but unpublished update behind.
/// - Reads take the published snapshot (one lock-protected pointer load) and never wait for updates.
///
/// The table version is the log header's base + 1 + the number of updates applied, so it is the
/// same after a restart that replays the log, and moves past every earlier version when a new
/// checkpoint starts a new log (`InteractionLogHeader`).
public final class GraphEngine: @unchecked Sendable {
    public let options: GraphOptions
    let encoding: any ItemEncoding
    let metrics: GraphMetrics?
    let logger: Logger?
    /// The system calls the log writes through (`.system`; tests inject failing ones).
    let logIO: DurableLog.FileIO
    private let gate: UpdateGate
    private let published = Mutex<GraphSnapshot?>(nil)
    /// The log once loaded, for `close` (which does not take the gate).
    private let openLog = Mutex<DurableLog?>(nil)

    // Guarded by `gate`.
    private var model: ServingModel?
    private var additions: GraphAdditions?
    private var log: DurableLog?
    private var trainedSequences: NeighbourSequences?
    private var lastInputs: [EncodeInput] = []
    private var lastFused: [FusedItem] = []
    /// The log header's base: the table version is `baseVersion + 1 + updates applied`.
    private var baseVersion: UInt64 = 0

    public init(options: GraphOptions, encoding: any ItemEncoding, metrics: GraphMetrics? = nil, logger: Logger? = nil,
                logIO: DurableLog.FileIO = .system) {
        self.options = options
        self.logIO = logIO
        gate = UpdateGate(maxWaiting: options.maxPendingUpdates)
        self.encoding = encoding
        self.metrics = metrics
        self.logger = logger
    }

    /// The table reads see, nil until `load()` finished.
    public var snapshot: GraphSnapshot? { published.withLock { $0 } }

    /// The published table, or UNAVAILABLE while loading.
    func current() throws(RPCError) -> GraphSnapshot {
        guard let s = snapshot else { throw RPCError(.unavailable, "graph service is still loading its table") }
        return s
    }

    /// Loads the checkpoint and dataset, replays the log and builds the first table.
    public func load() async throws {
        try await gate.withGate { [self] in
            let t0 = ContinuousClock.now
            let options = self.options
            let model = try await offload { try ServingModel.load(checkpoint: options.checkpoint, dataOverride: options.data) }
            logger?.info("model loaded", ["model_version": .string(model.modelVersion),
                                          "dataset": .string(model.dataset.summary)])
            let directory = (options.logPath as NSString).deletingLastPathComponent
            if !directory.isEmpty {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            var (log, replay) = try DurableLog.open(path: options.logPath, io: logIO)
            if replay.droppedTailBytes > 0 {
                logger?.warn("interaction log had a torn tail (an unacknowledged write); cut it",
                             ["log": .string(options.logPath), "bytes": .int(replay.droppedTailBytes)])
            }
            var updates = replay.records
            let found = updates.first.flatMap(InteractionLogHeader.init(record:))
            if found != nil { updates.removeFirst() }
            var header = found ?? InteractionLogHeader(checkpoint: model.modelVersion, base: 0)
            if let found, found.checkpoint != model.modelVersion {
                // Another checkpoint's log: keep it aside and count on from past its last version.
                let aside = "\(options.logPath).\(found.checkpoint).\(Int(Date().timeIntervalSince1970))"
                log.close()
                guard rename(options.logPath, aside) == 0 else {
                    throw GraphLoadError(.logNotMovedAside, "\(options.logPath): cannot move another checkpoint's log aside to \(aside): "
                                         + String(cString: strerror(errno)))
                }
                header = InteractionLogHeader(checkpoint: model.modelVersion, base: found.lastVersion(updates: updates.count))
                logger?.warn("interaction log belongs to another checkpoint; moved it aside and started a new one",
                             ["log": .string(options.logPath), "moved_to": .string(aside),
                              "old_checkpoint": .string(found.checkpoint), "base_version": .int(Int(header.base))])
                (log, replay) = try DurableLog.open(path: options.logPath, io: logIO)
                updates = []
            }
            if replay.records.isEmpty {
                try log.append(header.record)
            }
            let threshold = options.logCompactRecords
            if threshold > 0, updates.count > threshold {
                let merged = try InteractionLogCompaction.merged(updates)
                if merged.count < updates.count {
                    var compacted = header
                    compacted.base += UInt64(updates.count - merged.count)
                    do {
                        // Either log gives the same versions (base + 1 + records), so a failed
                        // compaction (a full disk, say) only costs this start its speed-up.
                        try log.compact(keeping: [compacted.record] + merged)
                        logger?.info("interaction log compacted", ["log": .string(options.logPath),
                                                                   "records": .int(updates.count), "merged_into": .int(merged.count),
                                                                   "base_version": .int(Int(compacted.base))])
                        header = compacted
                        updates = merged
                    } catch {
                        logger?.warn("interaction log compaction failed; replaying it uncompacted",
                                     ["log": .string(options.logPath), "error": .string("\(error)")])
                    }
                }
            }
            baseVersion = header.base
            var state = GraphAdditions(dataset: model.dataset)
            for (k, bytes) in updates.enumerated() {
                do {
                    state = try state.applying(try Kgrec_V1_AddInteractionsRequest(serializedBytes: bytes), model: model)
                } catch {
                    throw GraphLoadError(.logDoesNotApply,
                                         "\(options.logPath): update \(k + 1) of \(updates.count) does not apply to this checkpoint: \(error)",
                                         cause: error)
                }
            }
            self.model = model
            self.log = log
            openLog.withLock { $0 = log }
            trainedSequences = model.trainedSequences
            if let artifact = options.fusedItems {
                // The checkpoint determines the trained items' fused vectors: take them from the
                // exported artifact, so the first build only encodes what the log changed.
                lastFused = try await offload {
                    try FusedItemTable.read(path: artifact, modelVersion: model.modelVersion, items: model.dataset.itemCount,
                                            channels: model.channelNames.count, width: model.embeddingSize)
                }
                lastInputs = try await offload { model.trainedItemInputs() }
                logger?.info("fused items loaded", ["artifact": .string(artifact), "items": .int(lastFused.count)])
            }
            let built = try await buildWaitingForEncoders(state, model: model)
            commit(state, built)
            metrics?.logRecords.set(updates.count)
            logger?.info("table ready", ["version": .int(Int(built.snapshot.version)),
                                         "replayed_records": .int(updates.count),
                                         "users": .int(built.snapshot.users.count), "items": .int(built.snapshot.items.count),
                                         "seconds": .double(Self.seconds(since: t0))])
        }
    }

    /// Validates, recomputes, logs durably, publishes; returns the new version and counts.
    public func addInteractions(_ request: Kgrec_V1_AddInteractionsRequest) async throws -> Kgrec_V1_AddInteractionsResponse {
        let task = Task { [self] in
            try await gate.withGate { [self] in
                guard let model, let additions, let log else {
                    throw RPCError(.unavailable, "graph service is still loading its table")
                }
                try Self.checkIDLengths(request, maxBytes: options.maxIdBytes)
                let next = try additions.applying(request, model: model)
                let built = try await build(next, model: model)
                do { try log.append(request.serializedBytes()) } catch let e as DurableLog.LogError where e.isStorageFailure {
                    throw RPCError(.unavailable, "could not persist the update (the interaction log's storage is full "
                                   + "or failing; nothing was applied, retry later): \(e)")
                } catch {
                    throw RPCError(.internal, "could not persist the update to the interaction log: \(error)")
                }
                commit(next, built)
                metrics?.logRecords.set(next.records)
                return Kgrec_V1_AddInteractionsResponse(version: built.snapshot.version,
                                                        acceptedInteractions: UInt32(request.interactions.count),
                                                        acceptedItems: UInt32(request.newItems.count))
            }
        }
        // A caller that goes away while its update is queued takes it out of the queue; once the
        // update is logged it is published whatever the caller does (append and publish are one
        // synchronous step).
        return try await withTaskCancellationHandler { try await task.value } onCancel: { task.cancel() }
    }

    /// Every id of an update is at most `maxBytes` long (INVALID_ARGUMENT naming the field).
    static func checkIDLengths(_ request: Kgrec_V1_AddInteractionsRequest, maxBytes: Int) throws(RPCError) {
        func check(_ id: String, _ field: @autoclosure () -> String) throws(RPCError) {
            guard id.utf8.count <= maxBytes else {
                throw RPCError(.invalidArgument, "\(field()): id of \(id.utf8.count) bytes exceeds the limit of \(maxBytes) bytes")
            }
        }
        for (k, item) in request.newItems.enumerated() {
            try check(item.itemId, "new_items[\(k)].item_id")
            for (j, link) in item.links.enumerated() { try check(link.entityId, "new_items[\(k)].links[\(j)].entity_id") }
        }
        for (k, i) in request.interactions.enumerated() {
            try check(i.userId, "interactions[\(k)].user_id")
            try check(i.itemId, "interactions[\(k)].item_id")
        }
    }

    /// AddInteractions requests queued behind the running one (bounded by `maxPendingUpdates`).
    public func queuedUpdates() async -> Int { await gate.waiting }

    /// Stops using the encoders and closes the log (releasing its lock for a successor).
    public func close() {
        encoding.close()
        openLog.withLock { $0?.close() }
    }

    // MARK: building a table

    private struct Built {
        let snapshot: GraphSnapshot
        let inputs: [EncodeInput]
        let fused: [FusedItem]
    }

    /// Encodes the items whose encoder input changed since the last table, then propagates over
    /// the whole extended graph (a full recompute: the synthetic default takes well under a second).
    private func build(_ state: GraphAdditions, model: ServingModel) async throws -> Built {
        let t0 = ContinuousClock.now
        let trained = trainedSequences
        let (graph, inputs) = try await offload {
            let g = state.graph(sequenceLength: model.sequenceLength, dataset: model.dataset)
            return (g, g.encodeInputs(raw: state.newItemRaw, trained: trained))
        }
        let changed = inputs.indices.filter { $0 >= lastInputs.count || inputs[$0] != lastInputs[$0] }
        let encoded = try await encoding.encode(changed.map { inputs[$0] }, model: model)
        var fused = lastFused
        fused.append(contentsOf: repeatElement(FusedItem(channels: []), count: max(0, inputs.count - fused.count)))
        for (k, i) in changed.enumerated() { fused[i] = encoded[k] }
        let items = fused
        let propagation = try await offload { try model.propagate(items: model.itemLayer0(items), graph: graph) }
        let snapshot = GraphSnapshot(version: baseVersion + 1 + UInt64(state.records), additions: state, graph: graph,
                                     propagation: propagation, model: model)
        let seconds = Self.seconds(since: t0)
        metrics?.recomputeSeconds.observe(seconds)
        metrics?.encodedItems.increment(by: UInt64(changed.count))
        logger?.debug("table built", ["version": .int(Int(snapshot.version)), "encoded_items": .int(changed.count),
                                      "seconds": .double(seconds)])
        return Built(snapshot: snapshot, inputs: inputs, fused: fused)
    }

    /// The first build: encoders that are not up yet (UNAVAILABLE, e.g. still loading their
    /// checkpoint when everything starts together) are waited for with backoff (0.5 s doubling to
    /// 5 s) until they answer or the load is cancelled.
    private func buildWaitingForEncoders(_ state: GraphAdditions, model: ServingModel) async throws -> Built {
        var delay = Duration.milliseconds(500)
        while true {
            do { return try await build(state, model: model) } catch let e as RPCError where e.code == .unavailable {
                logger?.warn("waiting for encoders", ["error": .string(e.message), "retry_in_ms": .int(Int(delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000))])
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
    }

    private func commit(_ state: GraphAdditions, _ built: Built) {
        additions = state
        lastInputs = built.inputs
        lastFused = built.fused
        published.withLock { $0 = built.snapshot }
        metrics?.tableVersion.set(Int(built.snapshot.version))
        metrics?.users.set(built.snapshot.users.count)
        metrics?.items.set(built.snapshot.items.count)
    }

    static func seconds(since t0: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - t0
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}

/// A start-up failure of the graph table: a `code` saying which, a message naming the log file,
/// and the error behind it, if any.
public struct GraphLoadError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String {
            case logNotMovedAside = "log not moved aside"
            case logDoesNotApply = "log does not apply"
        }
        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// Another checkpoint's interaction log could not be renamed out of the way.
        public static let logNotMovedAside = Code(.logNotMovedAside)
        /// A logged update does not apply to this checkpoint's graph.
        public static let logDoesNotApply = Code(.logDoesNotApply)

        public var description: String { kind.rawValue }
    }

    public let code: Code
    public let description: String
    public let cause: (any Error)?

    public init(_ code: Code, _ description: String, cause: (any Error)? = nil) {
        self.code = code
        self.description = description
        self.cause = cause
    }
}
