import GRPCCore
import GRPCHTTP2
import KGRecModel
import KGRecWire

/// The ids `kgrec load` draws requests from: the checkpoint's dataset (users, items and each
/// item's BFS neighbour sequence, as the graph sends them to the encoder), or a graph service's
/// table through ExportEmbeddings.
struct LoadIDs: Sendable {
    var users: [String]
    var items: [String]
    /// Per item index: its neighbours (entity indices, nearest first, item itself excluded);
    /// empty when the ids came from a graph service.
    var neighbours: [[Int64]]

    static func fromCheckpoint(_ path: String, data: String?) throws -> LoadIDs {
        let ckpt = try Checkpoint.read(from: path)
        var options = ckpt.data
        if let d = data { options.path = d }
        let ds = try DatasetLoader.load(options)
        return LoadIDs(users: ds.users.tokens, items: ds.items.tokens,
                       neighbours: (0..<ds.itemCount).map { ds.sequences.sequence(of: $0).dropFirst().map(Int64.init) })
    }

    static func fromGraph(_ target: String, timeout: Duration = .seconds(60)) async throws -> LoadIDs {
        let channel = try GRPCChannel(target: target)
        defer { channel.close() }
        var ids = LoadIDs(users: [], items: [], neighbours: [])
        let stream = channel.serverStreaming(Kgrec_V1_Graph.Method.exportEmbeddings,
                                             request: Kgrec_V1_ExportEmbeddingsRequest(batchSize: 512, includeUsers: true, includeItems: true),
                                             responseType: Kgrec_V1_EmbeddingBatch.self, options: CallOptions(timeout: timeout))
        for try await batch in stream {
            ids.users += batch.users.map(\.id)
            ids.items += batch.items.map(\.id)
        }
        return ids
    }
}
