import GRPCCore
import KGRecModel
import KGRecServiceKit
import KGRecText
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
/// Raw text (`raw_text`, embedded by the `--text-model` sentence encoder into the text modality):
/// invalid UTF-8, more than `maxTextBytesPerItem` bytes, or beside a `raw.text` vector →
/// INVALID_ARGUMENT; more than `maxTextBytesPerRequest` in one request → RESOURCE_EXHAUSTED; no
/// text model configured → FAILED_PRECONDITION.
public final class EncoderEngine: Sendable {
    public let options: EncoderOptions
    let pool: WorkPool
    private let loaded = Mutex<ServingModel?>(nil)
    private let sentences = Mutex<SentenceEncoder?>(nil)
    private let itemsEncoded: Counter?
    private let coldItemsEncoded: Counter?

    public init(options: EncoderOptions, metrics: ServiceMetrics? = nil) {
        self.options = options
        pool = WorkPool(width: options.resolvedWorkers)
        itemsEncoded = metrics?.registry.counter("kgrec_encoder_items_total", help: "Items encoded (known and cold).")
        coldItemsEncoded = metrics?.registry.counter("kgrec_encoder_cold_items_total",
                                                     help: "Cold items (raw features) encoded.")
    }

    /// Loads the checkpoint and its dataset's feature store (on a pool thread), and the text model
    /// if one is configured, and starts serving. Throws `DataError` / `ModelError` /
    /// `TextModelError` naming the file, also when the text model is not the checkpoint's.
    public func load() async throws {
        let (path, data, textDir) = (options.checkpoint, options.data, options.textModel)
        let (model, text) = try await pool.run { () throws -> (ServingModel, SentenceEncoder?) in
            let model = try ServingModel.load(checkpoint: path, dataOverride: data)
            guard let textDir else { return (model, nil) }
            let text = try SentenceEncoder(modelDirectory: textDir)
            try Self.check(text, matches: model, checkpoint: path)
            return (model, text)
        }
        install(model, textEncoder: text)
    }

    /// Serves `model` (what `load` does once the checkpoint is read; tests hand one in directly),
    /// with `textEncoder` embedding raw text (checked with `check(_:matches:checkpoint:)` first).
    public func install(_ model: ServingModel, textEncoder: SentenceEncoder? = nil) {
        loaded.withLock { $0 = model }
        sentences.withLock { $0 = textEncoder }
    }

    /// The checkpoint must record (`kgrec.text_model`) the same text model, by hash and width.
    public static func check(_ text: SentenceEncoder, matches model: ServingModel, checkpoint path: String) throws {
        guard let width = model.rawWidth(of: .text) else {
            throw TextModelError(.noTextModality, "\(path): the checkpoint has no text modality, so --text-model \(text.fingerprint.name) has nothing to feed")
        }
        guard let recorded = model.textModel, let theirs = TextModelFingerprint(parsing: recorded) else {
            throw TextModelError(.unrecordedModel, "\(path): the checkpoint records no text model (kgrec.text_model), so raw text cannot be "
                                                   + "checked against its text features; train on features from kgrec embed-text, or with "
                                                   + "kgrec train --text-model DIR")
        }
        guard theirs.matches(text.fingerprint), width == text.dimension else {
            throw TextModelError(.otherModel, "text model \(text.fingerprint) is not the one the checkpoint's text features came from "
                                              + "(\(path) records \(recorded), input width \(width))")
        }
    }

    public var model: ServingModel? { loaded.withLock { $0 } }

    /// One response per request: `fused[i]` for `items[i]`, `requestId` echoed.
    public func encode(_ request: Kgrec_V1_EncodeRequest) async throws -> Kgrec_V1_EncodeResponse {
        guard let model else { throw RPCError(.unavailable, "encoder is loading its checkpoint; not serving yet") }
        guard !request.items.isEmpty else { throw RPCError(.invalidArgument, "items is empty") }
        guard request.items.count <= options.maxItems else {
            throw RPCError(.invalidArgument, "\(request.items.count) items; at most \(options.maxItems) per request")
        }
        let textBytes = request.items.reduce(0) { $0 + $1.rawText.count }
        guard textBytes <= options.maxTextBytesPerRequest else {
            throw RPCError(.resourceExhausted, "\(textBytes) bytes of raw_text; at most \(options.maxTextBytesPerRequest) per request")
        }
        let text = sentences.withLock { $0 }
        var inputs = try request.items.enumerated().map { k, item in
            try Self.input(item, index: k, model: model, textEnabled: text != nil, maxTextBytes: options.maxTextBytesPerItem)
        }
        if let text { inputs = try await embedRawText(inputs, text) }
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
        let cold = request.items.reduce(0) { $0 + ($1.raw == nil && $1.rawText.isEmpty ? 0 : 1) }
        if cold > 0 { coldItemsEncoded?.increment(by: UInt64(cold)) }
        return Kgrec_V1_EncodeResponse(fused: fused.map { Self.wire($0, model: model) }, requestId: request.requestId,
                                       modelVersion: model.modelVersion)
    }

    /// Cold inputs' raw text → their text vectors, in one batch on the pool.
    private func embedRawText(_ inputs: [EncodeInput], _ text: SentenceEncoder) async throws -> [EncodeInput] {
        var texts: [(index: Int, text: String)] = []
        for (k, input) in inputs.enumerated() {
            if case let .cold(raw, _) = input, let t = raw.rawText { texts.append((k, t)) }
        }
        if texts.isEmpty { return inputs }
        let strings = texts.map(\.text)
        let vectors = try await pool.run { text.embed(strings) }   // [T, 384]
        var out = inputs
        let d = vectors.cols
        for (row, entry) in texts.enumerated() {
            guard case .cold(var raw, let neighbours) = out[entry.index] else { continue }
            raw.text = Array(vectors.data[row * d..<(row + 1) * d])
            raw.rawText = nil
            out[entry.index] = .cold(raw: raw, neighbours: neighbours)
        }
        return out
    }

    /// One chunk on the pool; an input the stage still refuses is INVALID_ARGUMENT.
    private func encodeChunk(_ inputs: [EncodeInput], _ model: ServingModel) async throws -> [FusedItem] {
        do {
            return try await pool.run { try model.encode(inputs) }
        } catch let e as ServingInputError {
            throw RPCError(.invalidArgument, e.description)
        }
    }

    /// The encoder-stage input of wire item `k`, checked against the checkpoint.
    static func input(_ item: Kgrec_V1_EncodeItem, index k: Int, model: ServingModel, textEnabled: Bool = false,
                      maxTextBytes: Int = .max) throws -> EncodeInput {
        let nodes = model.dataset.graph.nodeCount
        let neighbours = try item.neighbours.map { n -> Int32 in
            guard n >= 0 && n < Int64(nodes) else {
                throw RPCError(.invalidArgument, "item \(k): neighbour \(n) is not a node of the checkpoint's graph (0..<\(nodes))")
            }
            return Int32(n)
        }
        guard item.raw != nil || !item.rawText.isEmpty else {
            let items = model.dataset.itemCount
            guard item.entity >= 0 && item.entity < Int64(items) else {
                throw RPCError(.notFound, "item \(k): entity \(item.entity) is not an item of the checkpoint (0..<\(items))")
            }
            return .known(item: Int(item.entity), neighbours: neighbours.isEmpty ? nil : neighbours)
        }
        var content = RawContent()
        if !item.rawText.isEmpty {
            guard textEnabled else {
                throw RPCError(.failedPrecondition, "item \(k): raw_text needs an encoder started with --text-model")
            }
            guard item.raw?.text == nil else { throw RPCError(.invalidArgument, "item \(k): set raw.text or raw_text, not both") }
            guard item.rawText.count <= maxTextBytes else {
                throw RPCError(.invalidArgument, "item \(k): raw_text has \(item.rawText.count) bytes; at most \(maxTextBytes) per item")
            }
            guard let s = String(validating: item.rawText, as: UTF8.self) else {
                throw RPCError(.invalidArgument, "item \(k): raw_text is not valid UTF-8")
            }
            content.rawText = s
        }
        for m in Modality.allCases {
            guard let v = (m == .visual ? item.raw?.visual : item.raw?.text)?.values else { continue }
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
