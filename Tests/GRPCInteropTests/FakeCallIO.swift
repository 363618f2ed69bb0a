import GRPCCore
import Synchronization

/// An in-memory `ServerCallIO`: hands the handler the queued request payloads, then END_STREAM
/// (or `failure`), and records what it sends.
final class FakeCallIO: ServerCallIO, @unchecked Sendable {
    private let state: Mutex<(requests: [[UInt8]], sent: [[UInt8]], headers: Metadata?)>
    private let failure: RPCError?

    init(requests: [[UInt8]], failAfterRequests failure: RPCError? = nil) {
        state = Mutex((requests, [], nil))
        self.failure = failure
    }

    func receive() async throws -> [UInt8]? {
        let next = state.withLock { s -> [UInt8]? in s.requests.isEmpty ? nil : s.requests.removeFirst() }
        if next == nil, let failure { throw failure }
        return next
    }

    func send(_ payload: [UInt8], initialMetadata: Metadata) async throws {
        state.withLock { s in
            if s.headers == nil { s.headers = initialMetadata }
            s.sent.append(payload)
        }
    }

    var sent: [[UInt8]] { state.withLock { $0.sent } }
    var headers: Metadata? { state.withLock { $0.headers } }
}

/// Runs a registered method of `service` the way the transport would.
func run(_ service: some RPCService, _ method: MethodDescriptor, requests: [[UInt8]],
         metadata: Metadata = Metadata(), failAfterRequests: RPCError? = nil)
    async throws -> (responses: [[UInt8]], context: ServerContext, io: FakeCallIO)
{
    var router = RPCRouter()
    router.register(service)
    guard case .found(let route) = router.lookup(path: method.path) else {
        throw RPCError(.unimplemented, "not registered: \(method)")
    }
    let context = ServerContext(method: method, requestMetadata: metadata)
    let io = FakeCallIO(requests: requests, failAfterRequests: failAfterRequests)
    switch route.handler {
    case .inlineUnary(let handler):
        let response = try requests[0].withUnsafeBytes { try handler($0, context) }
        try await io.send(response, initialMetadata: context.initialMetadata)
    case .inlineUnaryOrTask(let inline, let handler):
        if let response = try requests[0].withUnsafeBytes({ try inline($0, context) }) {
            try await io.send(response, initialMetadata: context.initialMetadata)
        } else {
            try await handler(io, context)
        }
    case .task(_, let handler):
        try await handler(io, context)
    }
    return (io.sent, context, io)
}
