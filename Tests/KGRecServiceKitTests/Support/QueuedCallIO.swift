import GRPCCore
import Synchronization

/// A `ServerCallIO` that hands out the queued request payloads, then END_STREAM, and records
/// the responses sent.
final class QueuedCallIO: ServerCallIO {
    private let state: Mutex<(requests: [[UInt8]], sent: [[UInt8]])>

    init(requests: [[UInt8]]) { state = Mutex((requests, [])) }

    func receive() async throws -> [UInt8]? {
        state.withLock { $0.requests.isEmpty ? nil : $0.requests.removeFirst() }
    }

    func send(_ payload: [UInt8], initialMetadata: Metadata) async throws {
        state.withLock { $0.sent.append(payload) }
    }

    var sent: [[UInt8]] { state.withLock { $0.sent } }
}
