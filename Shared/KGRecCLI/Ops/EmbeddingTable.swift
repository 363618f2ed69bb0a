import Foundation
import GRPCCore
import GRPCHTTP2
import KGRecModel
import KGRecTensor
import KGRecWire

/// A graph's served table as the ranker receives it: the `EmbeddingBatch` messages of one
/// ExportEmbeddings stream (users with their seen items, and items), kept as their protobuf bytes.
/// Recorded from a running graph (`kgrec table-graph record`) or made up from a seed (`synthetic`),
/// and served back by `TableGraphService`, so the ranker can be measured at 400k items without the
/// 13 GB graph topology.
///
/// File (`.kgrtable`): the 8 magic bytes `KGRTBL01`, then per batch a little-endian UInt32 length
/// and that many bytes of a serialized `kgrec.v1.EmbeddingBatch`. Read with mmap.
struct EmbeddingTable: Sendable {
    static let magic = Array("KGRTBL01".utf8)

    /// The serialized batches, in stream order.
    let batches: [Data]

    init(batches: [Data]) {
        self.batches = batches
    }

    /// Reads a table file; a missing, foreign or truncated file is an error naming it.
    init(path: String) throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw DataError(.unreadable, file: path, "cannot read file: \(error.localizedDescription)", cause: error)
        }
        guard data.count >= Self.magic.count, Array(data.prefix(Self.magic.count)) == Self.magic else {
            throw DataError(.unsupported, file: path, "not an embedding table (expected the magic bytes KGRTBL01)")
        }
        var batches: [Data] = []
        var at = data.startIndex + Self.magic.count
        while at < data.endIndex {
            guard data.endIndex - at >= 4 else { throw DataError(.corrupt, file: path, "truncated at byte \(at - data.startIndex)") }
            let n = data[at..<at + 4].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            at += 4
            guard data.endIndex - at >= n else { throw DataError(.corrupt, file: path, "truncated at byte \(at - data.startIndex)") }
            batches.append(data[at..<at + n])
            at += n
        }
        self.batches = batches
    }

    func write(to path: String) throws {
        var out = Data(Self.magic)
        for b in batches {
            withUnsafeBytes(of: UInt32(b.count).littleEndian) { out.append(contentsOf: $0) }
            out.append(b)
        }
        do { try out.write(to: URL(fileURLWithPath: path)) } catch {
            throw DataError(.unwritable, file: path, "cannot write file: \(error.localizedDescription)", cause: error)
        }
    }

    func batch(_ k: Int) throws -> Kgrec_V1_EmbeddingBatch {
        try batches[k].withUnsafeBytes { try Kgrec_V1_EmbeddingBatch(serializedBytes: $0) }
    }

    /// Records a graph's ExportEmbeddings stream (users and items, `batchSize` per message).
    static func record(from target: String, batchSize: Int = 512,
                       timeout: Duration = .seconds(600)) async throws -> EmbeddingTable
    {
        let channel = try GRPCChannel(target: target)
        defer { channel.close() }
        let stream = channel.serverStreaming(
            Kgrec_V1_Graph.Method.exportEmbeddings,
            request: Kgrec_V1_ExportEmbeddingsRequest(batchSize: UInt32(batchSize), includeUsers: true, includeItems: true),
            responseType: RawMessage.self, options: CallOptions(timeout: timeout))
        var batches: [Data] = []
        for try await m in stream { batches.append(Data(m.bytes)) }
        return EmbeddingTable(batches: batches)
    }

    /// A seeded table: users `u0…` and items `i0…` with N(0, 1)/√width vectors of widths `visual`
    /// and `text`, each user having seen `seen` distinct random items.
    static func synthetic(users: Int, items: Int, visual: Int, text: Int, seen: Int = 5,
                          batchSize: Int = 512, seed: UInt64 = 1) -> EmbeddingTable
    {
        var rng = Xoshiro256(seed: seed)
        let scale = 1 / Float(max(1, visual + text)).squareRoot()
        func vector(_ n: Int) -> Kgrec_V1_Vector? {
            guard n > 0 else { return nil }
            return Kgrec_V1_Vector(values: (0..<n).map { _ in
                // Box–Muller from two uniforms in (0, 1].
                let a = 1 - rng.unit(), b = rng.unit()
                return (-2 * Foundation.log(a)).squareRoot() * Foundation.cos(2 * Float.pi * b) * scale
            })
        }
        func embedding(_ id: String) -> Kgrec_V1_Embedding {
            Kgrec_V1_Embedding(id: id, vectors: Kgrec_V1_ModalityVectors(visual: vector(visual), text: vector(text)))
        }
        var batches: [Data] = []
        var start = 0
        while start < max(users, items) {
            var b = Kgrec_V1_EmbeddingBatch(version: 1)
            // `stride`, not a range: past the shorter of the two lists the bounds cross (no rows).
            for u in stride(from: start, to: min(users, start + batchSize), by: 1) {
                b.users.append(embedding("u\(u)"))
                var s = Set<Int>()
                while s.count < min(seen, items) { s.insert(Int(rng.next() % UInt64(items))) }
                b.seen.append(Kgrec_V1_SeenItems(itemIds: s.sorted().map { "i\($0)" }))
            }
            for i in stride(from: start, to: min(items, start + batchSize), by: 1) { b.items.append(embedding("i\(i)")) }
            batches.append(Data(b.serializedBytes()))
            start += batchSize
        }
        return EmbeddingTable(batches: batches)
    }

    /// Item rows `[items, visual + text]` in stream order and `queries` user rows (every
    /// `users/queries`-th user), as the ranker lays them out (`[visual | text]`, absent = zeros).
    func matrices(queries: Int) throws -> (items: [Float], itemCount: Int, users: [Float], userCount: Int, visual: Int, text: Int) {
        var visual = 0, text = 0, userTotal = 0
        for k in batches.indices {
            let b = try batch(k)
            userTotal += b.users.count
            for e in b.items + b.users {
                visual = max(visual, e.vectors?.visual?.values.count ?? 0)
                text = max(text, e.vectors?.text?.values.count ?? 0)
            }
            if visual + text > 0 && userTotal > 0 && !b.items.isEmpty { break }
        }
        userTotal = 0
        for k in batches.indices { userTotal += try batch(k).users.count }
        let stride = max(1, userTotal / max(1, queries))
        var items: [Float] = [], users: [Float] = [], itemCount = 0, userCount = 0, u = 0
        func append(_ e: Kgrec_V1_Embedding, to out: inout [Float]) {
            for (v, n) in [(e.vectors?.visual?.values, visual), (e.vectors?.text?.values, text)] {
                out.append(contentsOf: v?.count == n ? v! : [Float](repeating: 0, count: n))
            }
        }
        for k in batches.indices {
            let b = try batch(k)
            for e in b.items { append(e, to: &items); itemCount += 1 }
            for e in b.users {
                if u % stride == 0 && userCount < queries { append(e, to: &users); userCount += 1 }
                u += 1
            }
        }
        return (items, itemCount, users, userCount, visual, text)
    }
}
