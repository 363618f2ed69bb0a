import GRPCCore
import KGRecModel
import KGRecServiceKit
import KGRecWire
import Synchronization

/// The encoder's logic without the RPC plumbing: the checkpoint's encoder stage
/// (`ServingModel.encode`: projection + bi-directional fusion) over requests in wire form.
///
/// A request is checked whole before any work (so a bad item fails the request with a message
/// naming its index), then cut into chunks of `chunkSize` items encoded in parallel on the work
/// pool. Statuses: an `entity` that is not an item of the checkpoint → NOT_FOUND; a neighbour that
/// is not a node, a raw vector of the wrong width or of a modality the checkpoint does not project,
/// empty `items`, or more than `maxItems` → INVALID_ARGUMENT; model not loaded yet → UNAVAILABLE.
public final class EncoderEngine: Sendable {
    public let options: EncoderOptions
    let pool: WorkPool
    private let loaded = Mutex<ServingModel?>(nil)
    private let itemsEncoded: Counter?
    private let coldItemsEncoded: Counter?

    public init(options: EncoderOptions, metrics: ServiceMetrics? = nil) {
        self.options = options
        pool = WorkPool(width: options.resolvedWorkers)
        itemsEncoded = metrics?.registry.counter("kgrec_encoder_items_total", help: "Items encoded (known and cold).")
        coldItemsEncoded = metrics?.registry.counter("kgrec_encoder_cold_items_total",
                                                     help: "Cold items (raw features) encoded.")
    }

    /// Loads the checkpoint and its dataset's feature store (on a pool thread) and starts serving.
    /// Throws `DataError` / `ModelError` naming the file.
    public func load() async throws {
        let (path, data) = (options.checkpoint, options.data)
        let model = try await pool.run { try ServingModel.load(checkpoint: path, dataOverride: data) }
        install(model)
    }

    /// Serves `model` (what `load` does once the checkpoint is read; tests hand one in directly).
    public func install(_ model: ServingModel) {
        loaded.withLock { $0 = model }
    }

    public var model: ServingModel? { loaded.withLock { $0 } }

    /// One response per request: `fused[i]` for `items[i]`, `requestId` echoed.
    public func encode(_ request: Kgrec_V1_EncodeRequest) async throws -> Kgrec_V1_EncodeResponse {
        guard let model else { throw RPCError(.unavailable, "encoder is loading its checkpoint; not serving yet") }
        guard !request.items.isEmpty else { throw RPCError(.invalidArgument, "items is empty") }
        guard request.items.count <= options.maxItems else {
            throw RPCError(.invalidArgument, "\(request.items.count) items; at most \(options.maxItems) per request")
        }
        let inputs = try request.items.enumerated().map { k, item in try Self.input(item, index: k, model: model) }
        let chunk = options.chunkSize
        var fused: [FusedItem]
        if inputs.count <= chunk {
            fused = try await encodeChunk(inputs, model)
        } else {
            let ranges = stride(from: 0, to: inputs.count, by: chunk).map { $0..<min(inputs.count, $0 + chunk) }
            var parts = [[FusedItem]](repeating: [], count: ranges.count)
            try await withThrowingTaskGroup(of: (Int, [FusedItem]).self) { group in
                for (c, r) in ranges.enumerated() {
                    let slice = Array(inputs[r])
                    group.addTask { [self] in (c, try await encodeChunk(slice, model)) }
                }
                for try await (c, items) in group { parts[c] = items }
            }
            fused = parts.flatMap { $0 }
        }
        itemsEncoded?.increment(by: UInt64(inputs.count))
        let cold = request.items.reduce(0) { $0 + ($1.raw == nil ? 0 : 1) }
        if cold > 0 { coldItemsEncoded?.increment(by: UInt64(cold)) }
        return Kgrec_V1_EncodeResponse(fused: fused.map { Self.wire($0, model: model) }, requestId: request.requestId,
                                       modelVersion: model.modelVersion)
    }

    /// One chunk on the pool; an input the stage still refuses is INVALID_ARGUMENT.
    private func encodeChunk(_ inputs: [EncodeInput], _ model: ServingModel) async throws -> [FusedItem] {
        do {
            return try await pool.run { try model.encode(inputs) }
        } catch let e as ServingInputError {
            throw RPCError(.invalidArgument, e.message)
        }
    }

    /// The encoder-stage input of wire item `k`, checked against the checkpoint.
    static func input(_ item: Kgrec_V1_EncodeItem, index k: Int, model: ServingModel) throws -> EncodeInput {
        let nodes = model.dataset.graph.nodeCount
        let neighbours = try item.neighbours.map { n -> Int32 in
            guard n >= 0 && n < Int64(nodes) else {
                throw RPCError(.invalidArgument, "item \(k): neighbour \(n) is not a node of the checkpoint's graph (0..<\(nodes))")
            }
            return Int32(n)
        }
        guard let raw = item.raw else {
            let items = model.dataset.itemCount
            guard item.entity >= 0 && item.entity < Int64(items) else {
                throw RPCError(.notFound, "item \(k): entity \(item.entity) is not an item of the checkpoint (0..<\(items))")
            }
            return .known(item: Int(item.entity), neighbours: neighbours.isEmpty ? nil : neighbours)
        }
        var content = RawContent()
        for m in Modality.allCases {
            guard let v = (m == .visual ? raw.visual : raw.text)?.values else { continue }
            guard let width = model.rawWidth(of: m) else {
                throw RPCError(.invalidArgument, "item \(k): the checkpoint has no \(m.rawValue) projection, "
                               + "so a raw \(m.rawValue) vector cannot be encoded")
            }
            guard v.count == width else {
                throw RPCError(.invalidArgument, "item \(k): raw \(m.rawValue) vector has \(v.count) values, "
                               + "the checkpoint's input width is \(width)")
            }
            content[m] = v
        }
        return .cold(raw: content, neighbours: neighbours)
    }

    /// Channel `c`'s fused vector in its wire field (visual / text; KGAT's "id" channel → text).
    static func wire(_ f: FusedItem, model: ServingModel) -> Kgrec_V1_ModalityVectors {
        var out = Kgrec_V1_ModalityVectors()
        for (c, v) in f.channels.enumerated() {
            if model.wireModality(ofChannel: c) == .visual {
                out.visual = Kgrec_V1_Vector(values: v)
            } else {
                out.text = Kgrec_V1_Vector(values: v)
            }
        }
        return out
    }
}
