import GRPCCore
import GRPCHTTP2
import KGRecModel
import KGRecServiceKit
import KGRecWire
import Synchronization

/// The encoder stage over `kgrec.v1.Encoder/EncodeStream`, load-balanced over several encoders.
///
/// Inputs are cut into batches of `batchSize` items; `concurrency` workers each keep one
/// EncodeStream open (on encoders taken round-robin) and send it one batch at a time. A batch that
/// fails with UNAVAILABLE or DEADLINE_EXCEEDED is re-sent on a new stream to the next encoder, up
/// to `attempts` times; then the whole encode fails with UNAVAILABLE naming the encoders tried.
/// Every request carries `timeout` as its deadline, so a hung encoder cannot stall the graph.
public final class RemoteItemEncoding: ItemEncoding {
    typealias Method = Kgrec_V1_Encoder.Method
    let targets: [String]
    let channels: [GRPCChannel]
    let batchSize: Int
    let concurrency: Int
    let timeout: Duration
    let attempts: Int
    let logger: Logger?
    private let cursor = Atomic<Int>(0)
    private let warnedVersion = Atomic<Bool>(false)

    public init(targets: [String], batchSize: Int, concurrency: Int, timeout: Duration, attempts: Int,
                keepalive: ClientKeepalive = ClientKeepalive(), logger: Logger? = nil) throws {
        precondition(!targets.isEmpty && batchSize > 0 && concurrency > 0 && attempts > 0)
        var config = ClientConfig()
        config.connectTimeout = min(config.connectTimeout, timeout)
        keepalive.apply(to: &config)
        config.maxReceiveMessageSize = MessageLimits.internalChannel
        config.maxSendMessageSize = MessageLimits.internalChannel
        self.targets = targets
        channels = try targets.map { try GRPCChannel(target: $0, config: config) }
        self.batchSize = batchSize
        self.concurrency = concurrency
        self.timeout = timeout
        self.attempts = attempts
        self.logger = logger
    }

    public func close() { for c in channels { c.close() } }

    public func encode(_ inputs: [EncodeInput], model: ServingModel) async throws -> [FusedItem] {
        if inputs.isEmpty { return [] }
        let batches = stride(from: 0, to: inputs.count, by: batchSize).map { $0..<min(inputs.count, $0 + batchSize) }
        let workers = min(concurrency, batches.count)
        var out = [FusedItem](repeating: FusedItem(channels: []), count: inputs.count)
        try await withThrowingTaskGroup(of: [(Int, [FusedItem])].self) { group in
            for w in 0..<workers {
                let mine = stride(from: w, to: batches.count, by: workers).map { batches[$0] }
                group.addTask { try await self.run(mine, inputs: inputs, model: model, worker: w) }
            }
            for try await results in group {
                for (start, items) in results { for (k, f) in items.enumerated() { out[start + k] = f } }
            }
        }
        return out
    }

    /// One worker: its batches in order over one stream, reopened on the next encoder on failure.
    private func run(_ batches: [Range<Int>], inputs: [EncodeInput], model: ServingModel,
                     worker: Int) async throws -> [(Int, [FusedItem])] {
        var results: [(Int, [FusedItem])] = []
        var stream: BidiStreamingCall<Kgrec_V1_EncodeRequest, Kgrec_V1_EncodeResponse>? = nil
        var target = 0
        defer { stream?.cancel() }
        for (b, range) in batches.enumerated() {
            let request = Kgrec_V1_EncodeRequest(items: inputs[range].map(Self.wireItem),
                                                 requestId: UInt64(worker) << 32 | UInt64(b))
            var failures: [String] = []
            while true {
                if stream == nil {
                    target = cursor.add(1, ordering: .relaxed).newValue % channels.count
                    let remaining = batches.count - b
                    stream = channels[target].bidiStreaming(
                        Method.encodeStream, requestType: Kgrec_V1_EncodeRequest.self,
                        responseType: Kgrec_V1_EncodeResponse.self,
                        options: CallOptions(timeout: timeout * remaining))
                }
                do {
                    try await stream!.send(request)
                    guard let response = try await stream!.receive() else {
                        throw RPCError(.unavailable, "encoder \(targets[target]) ended the stream early")
                    }
                    results.append((range.lowerBound, try decode(response, request: request, model: model, target: target)))
                    break
                } catch let e as RPCError where e.code == .unavailable || e.code == .deadlineExceeded {
                    stream?.cancel()
                    stream = nil
                    failures.append("\(targets[target]): \(e.code): \(e.message)")
                    if failures.count >= attempts {
                        throw RPCError(.unavailable, "encoder service unavailable after \(attempts) attempts ("
                                       + failures.joined(separator: "; ") + ")")
                    }
                } catch let e as RPCError {
                    throw RPCError(.internal, "encoder \(targets[target]) failed: \(e.code): \(e.message)")
                }
            }
        }
        // End the call cleanly: half-close, then read the server's end of stream.
        if let open = stream {
            open.closeSend()
            stream = nil
            _ = try? await open.receive()
        }
        return results
    }

    private func decode(_ response: Kgrec_V1_EncodeResponse, request: Kgrec_V1_EncodeRequest, model: ServingModel,
                        target: Int) throws -> [FusedItem] {
        let from = targets[target]
        guard response.requestId == request.requestId, response.fused.count == request.items.count else {
            throw RPCError(.internal, "encoder \(from) answered request \(response.requestId) with "
                           + "\(response.fused.count) items for request \(request.requestId) of \(request.items.count)")
        }
        if !response.modelVersion.isEmpty && response.modelVersion != model.modelVersion
            && !warnedVersion.exchange(true, ordering: .relaxed) {
            logger?.warn("encoder serves another model version", ["encoder": .string(from),
                         "encoder_version": .string(response.modelVersion), "graph_version": .string(model.modelVersion)])
        }
        let d = model.embeddingSize
        return try response.fused.enumerated().map { k, vectors in
            FusedItem(channels: try (0..<model.channelNames.count).map { c in
                let slot = model.wireModality(ofChannel: c)
                let v = slot == .visual ? vectors.visual : vectors.text
                guard let values = v?.values, values.count == d else {
                    throw RPCError(.internal, "encoder \(from): item \(k) has no \(d)-value \(slot.rawValue) vector "
                                   + "(got \(v?.values.count ?? 0))")
                }
                return values
            })
        }
    }

    /// The wire form of an encoder input: `entity` (+ explicit neighbours) or `raw` + neighbours.
    static func wireItem(_ input: EncodeInput) -> Kgrec_V1_EncodeItem {
        switch input {
        case let .known(item, neighbours):
            return Kgrec_V1_EncodeItem(entity: Int64(item), neighbours: (neighbours ?? []).map(Int64.init))
        case let .cold(raw, neighbours):
            return Kgrec_V1_EncodeItem(raw: Kgrec_V1_ModalityVectors(visual: raw.visual.map { Kgrec_V1_Vector(values: $0) },
                                                                     text: raw.text.map { Kgrec_V1_Vector(values: $0) }),
                                       neighbours: neighbours.map(Int64.init), rawText: Array((raw.rawText ?? "").utf8))
        }
    }
}
