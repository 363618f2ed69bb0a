import GRPCCore
import GRPCHTTP2
import KGRecWire

/// The ranker's client of `kgrec.v1.Graph`: every call carries a deadline, GetEmbeddings is
/// retried on UNAVAILABLE (backoff + jitter, within the deadline), and failures come back as the
/// status the ranker's caller should see: UNAVAILABLE "graph service unavailable: …" when the
/// graph cannot be reached or does not answer in time, INTERNAL for anything else it says.
final class GraphClient: Sendable {
    typealias Method = Kgrec_V1_Graph.Method
    let channel: GRPCChannel
    let retry: RetryPolicy
    let metrics: RankerMetrics?

    init(channel: GRPCChannel, retry: RetryPolicy, metrics: RankerMetrics?) {
        self.channel = channel
        self.retry = retry
        self.metrics = metrics
    }

    /// GetEmbeddings for `users` and `items`, finished by `deadline`.
    func getEmbeddings(users: [String], items: [String],
                       deadline: ContinuousClock.Instant) async throws -> Kgrec_V1_GetEmbeddingsResponse
    {
        let request = Kgrec_V1_GetEmbeddingsRequest(userIds: users, itemIds: items)
        do {
            return try await retry.run(deadline: deadline, onFailure: { self.metrics?.downstreamError(Method.getEmbeddings, $0.code) }) { left in
                try await channel.unary(Method.getEmbeddings, request: request,
                                        responseType: Kgrec_V1_GetEmbeddingsResponse.self,
                                        options: CallOptions(timeout: left)).message
            }
        } catch {
            throw Self.dependencyError(error)
        }
    }

    /// Streams the whole table (users with their seen items, and items) into `body`, batch by
    /// batch; the export must finish by `deadline`.
    func export(batchSize: Int, deadline: ContinuousClock.Instant,
                _ body: (Kgrec_V1_EmbeddingBatch) throws -> Void) async throws
    {
        let request = Kgrec_V1_ExportEmbeddingsRequest(batchSize: UInt32(clamping: batchSize),
                                                       includeUsers: true, includeItems: true)
        let stream = channel.serverStreaming(Method.exportEmbeddings, request: request,
                                             responseType: Kgrec_V1_EmbeddingBatch.self,
                                             options: CallOptions(timeout: max(.milliseconds(1), deadline - .now)))
        do {
            for try await batch in stream { try body(batch) }
        } catch let e as RPCError {
            metrics?.downstreamError(Method.exportEmbeddings, e.code)
            stream.cancel()
            throw Self.dependencyError(e)
        } catch {
            stream.cancel()
            throw error
        }
    }

    /// The status a ranker caller sees for a failed graph call.
    static func dependencyError(_ error: any Error) -> RPCError {
        guard let e = error as? RPCError else {
            if error is CancellationError { return RPCError(.cancelled, "call cancelled") }
            return RPCError(.internal, "graph service call failed: \(error)")
        }
        switch e.code {
        case .unavailable: return RPCError(.unavailable, "graph service unavailable: \(e.message)")
        case .deadlineExceeded:
            return RPCError(.unavailable, "graph service unavailable: no answer before the deadline (\(e.message))")
        case .cancelled: return e
        default: return RPCError(.internal, "graph service failed: \(e.code): \(e.message)")
        }
    }
}
