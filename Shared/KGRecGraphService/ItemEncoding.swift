import Dispatch
import KGRecModel

/// Where the graph service gets fused item vectors (the encoder stage): encoder services over
/// gRPC (`RemoteItemEncoding`) or the model in-process (`LocalItemEncoding`).
public protocol ItemEncoding: Sendable {
    /// One `FusedItem` per input, in order. Throws `RPCError` (UNAVAILABLE when no encoder answers).
    func encode(_ inputs: [EncodeInput], model: ServingModel) async throws -> [FusedItem]
    /// Releases connections.
    func close()
}

/// The encoder stage computed in this process, off the Swift cooperative pool.
public struct LocalItemEncoding: ItemEncoding {
    public init() {}

    public func encode(_ inputs: [EncodeInput], model: ServingModel) async throws -> [FusedItem] {
        try await offload { try model.encode(inputs) }
    }

    public func close() {}
}

/// Runs CPU-heavy model code on a Dispatch worker so it does not occupy a cooperative thread.
func offload<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
    }
}
