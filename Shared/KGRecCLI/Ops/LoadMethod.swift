import GRPCCore
import GRPCHTTP2
import KGRecModel
import KGRecWire

/// The methods `kgrec load` can drive, and how each builds a realistic request.
enum LoadMethod: String, CaseIterable, Sendable {
    case encode = "kgrec.v1.Encoder/Encode"
    case encodeStream = "kgrec.v1.Encoder/EncodeStream"
    case getEmbeddings = "kgrec.v1.Graph/GetEmbeddings"
    case score = "kgrec.v1.Ranker/Score"
    case recommend = "kgrec.v1.Ranker/Recommend"
    case scoreStream = "kgrec.v1.Ranker/ScoreStream"
    case health = "grpc.health.v1.Health/Check"

    /// Accepts the full name, `/full/name`, `Service.Method`, or the short alias.
    init?(spec: String) {
        var s = Substring(spec)
        if s.first == "/" { s = s.dropFirst() }
        if let m = Self.allCases.first(where: { $0.rawValue == s || $0.rawValue.replacingOccurrences(of: "/", with: ".") == s || $0.alias == s }) {
            self = m
        } else {
            return nil
        }
    }

    var alias: String {
        switch self {
        case .encode: "encode"
        case .encodeStream: "encode-stream"
        case .getEmbeddings: "get-embeddings"
        case .score: "score"
        case .recommend: "recommend"
        case .scoreStream: "score-stream"
        case .health: "health"
        }
    }

    var needsNeighbours: Bool { self == .encode || self == .encodeStream }
    var needsIDs: Bool { self != .health }
}

/// Request shaping (`--batch`, `--candidates`, `--k`, `--explain`).
struct LoadShape: Sendable {
    var batch = 8
    var candidates = 100
    var k: UInt32 = 10
    var explain = false
}

/// One worker's call state: unary methods are stateless; streaming methods keep one bidi call
/// open and send one message per request (reopened after a failure).
final class LoadWorker: @unchecked Sendable {
    let method: LoadMethod
    let channel: GRPCChannel
    let ids: LoadIDs
    let shape: LoadShape
    let options: CallOptions
    private var rng: SplitMix64
    private var scoreCall: BidiStreamingCall<Kgrec_V1_ScoreRequest, Kgrec_V1_ScoreResponse>?
    private var encodeCall: BidiStreamingCall<Kgrec_V1_EncodeRequest, Kgrec_V1_EncodeResponse>?

    init(method: LoadMethod, channel: GRPCChannel, ids: LoadIDs, shape: LoadShape, options: CallOptions, seed: UInt64) {
        self.method = method
        self.channel = channel
        self.ids = ids
        self.shape = shape
        self.options = options
        rng = SplitMix64(seed: seed)
    }

    private func user() -> String { ids.users[rng.below(ids.users.count)] }
    private func item() -> String { ids.items[rng.below(ids.items.count)] }

    private func encodeRequest(_ n: UInt64) -> Kgrec_V1_EncodeRequest {
        Kgrec_V1_EncodeRequest(items: (0..<shape.batch).map { _ in
            let i = rng.below(ids.items.count)
            return Kgrec_V1_EncodeItem(entity: Int64(i), neighbours: ids.neighbours.isEmpty ? [] : ids.neighbours[i])
        }, requestId: n)
    }

    /// Up to `n` distinct values of `pick` (fewer when it cannot make that many).
    static func distinct(_ n: Int, _ pick: () -> String) -> [String] {
        var seen = Set<String>(), out: [String] = []
        for _ in 0..<(n * 10) where out.count < n {
            let x = pick()
            if seen.insert(x).inserted { out.append(x) }
        }
        return out
    }

    private func scoreRequest(_ n: UInt64) -> Kgrec_V1_ScoreRequest {
        Kgrec_V1_ScoreRequest(userId: user(), itemIds: (0..<shape.candidates).map { _ in item() }, explain: shape.explain, requestId: n)
    }

    /// Issues request number `n`; nil = OK, else the status name of the failure.
    func issue(_ n: UInt64) async -> String? {
        do {
            switch method {
            case .health:
                _ = try await channel.unary(Grpc_Health_V1_Health.Method.check, request: Grpc_Health_V1_HealthCheckRequest(),
                                            responseType: Grpc_Health_V1_HealthCheckResponse.self, options: options)
            case .encode:
                _ = try await channel.unary(Kgrec_V1_Encoder.Method.encode, request: encodeRequest(n),
                                            responseType: Kgrec_V1_EncodeResponse.self, options: options)
            case .getEmbeddings:
                let half = max(1, shape.batch / 2)
                // Distinct ids: the graph refuses a repeated id (INVALID_ARGUMENT).
                let req = Kgrec_V1_GetEmbeddingsRequest(userIds: Self.distinct(half, user), itemIds: Self.distinct(half, item))
                _ = try await channel.unary(Kgrec_V1_Graph.Method.getEmbeddings, request: req,
                                            responseType: Kgrec_V1_GetEmbeddingsResponse.self, options: options)
            case .score:
                _ = try await channel.unary(Kgrec_V1_Ranker.Method.score, request: scoreRequest(n),
                                            responseType: Kgrec_V1_ScoreResponse.self, options: options)
            case .recommend:
                let req = Kgrec_V1_RecommendRequest(userId: user(), k: shape.k, explain: shape.explain)
                _ = try await channel.unary(Kgrec_V1_Ranker.Method.recommend, request: req,
                                            responseType: Kgrec_V1_RecommendResponse.self, options: options)
            case .scoreStream:
                // A long-lived stream: no per-call deadline (each message's wait is what we time).
                let call = scoreCall ?? channel.bidiStreaming(Kgrec_V1_Ranker.Method.scoreStream, requestType: Kgrec_V1_ScoreRequest.self,
                                                              responseType: Kgrec_V1_ScoreResponse.self,
                                                              options: CallOptions(metadata: options.metadata))
                scoreCall = call
                try await call.send(scoreRequest(n))
                guard let r = try await call.receive() else { scoreCall = nil; return "\(await call.status().code)" }
                if let e = r.error, e.code != 0 { return "\(StatusCode(rawValue: UInt8(clamping: e.code)))" }
            case .encodeStream:
                let call = encodeCall ?? channel.bidiStreaming(Kgrec_V1_Encoder.Method.encodeStream, requestType: Kgrec_V1_EncodeRequest.self,
                                                               responseType: Kgrec_V1_EncodeResponse.self,
                                                               options: CallOptions(metadata: options.metadata))
                encodeCall = call
                try await call.send(encodeRequest(n))
                guard try await call.receive() != nil else { encodeCall = nil; return "\(await call.status().code)" }
            }
            return nil
        } catch let e as RPCError {
            scoreCall = nil
            encodeCall = nil
            return "\(e.code)"
        } catch {
            scoreCall = nil
            encodeCall = nil
            return "CLIENT_ERROR"
        }
    }

    /// Half-closes an open stream.
    func finish() {
        scoreCall?.closeSend()
        encodeCall?.closeSend()
        scoreCall?.cancel()
        encodeCall?.cancel()
    }
}
