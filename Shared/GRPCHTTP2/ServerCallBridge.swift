import GRPCCore
import Synchronization

/// The hand-off between a handler task and its stream on the event loop (`ServerCallIO`).
/// Handler side: `receive` / `send`, which may suspend. Loop side: `deliver`, `deliverEnd`,
/// `fail`, `didSend`, which never block. Everything the loop must do is posted with
/// `loop.execute`, so the stream itself is only ever touched on its loop. The queue, window and
/// waits are the shared `CallPipe`.
final class ServerCallBridge: ServerCallIO, CallPipeOwner, @unchecked Sendable {
    private let pipe = Mutex(CallPipe())
    private let loop: EventLoop
    let stream: ServerStream
    private let maxOutstanding: Int
    private let maxSendMessageSize: Int

    init(loop: EventLoop, stream: ServerStream, maxOutstanding: Int, maxSendMessageSize: Int) {
        self.loop = loop
        self.stream = stream
        self.maxOutstanding = maxOutstanding
        self.maxSendMessageSize = maxSendMessageSize
    }

    func withPipe<R: Sendable>(_ body: (inout CallPipe) -> R) -> R { pipe.withLock { body(&$0) } }

    // ---- handler side ------------------------------------------------------------------------

    func receive() async throws -> [UInt8]? {
        let message = try await receiveFromPipe()
        if let m = message {
            let stream = self.stream
            let n = m.count + MessageFramer.prefixLength
            loop.execute { stream.handlerTook(bytes: n) }
        }
        return message
    }

    func send(_ payload: [UInt8], initialMetadata: Metadata) async throws {
        if payload.count > maxSendMessageSize {
            throw RPCError(.resourceExhausted,
                           "response message of \(payload.count) bytes exceeds the limit of \(maxSendMessageSize) bytes")
        }
        let n = payload.count + MessageFramer.prefixLength
        let limit = maxOutstanding
        let mustWait = try pipe.withLock { p throws(RPCError) in try p.reserveSend(n, limit: limit) }
        let stream = self.stream
        loop.execute { stream.enqueue(payload: payload, initialMetadata: initialMetadata) }
        if mustWait { try await waitForSendWindow(limit: limit) }
    }

    // ---- loop side ---------------------------------------------------------------------------

    func deliver(_ message: [UInt8]) { deliverToPipe(message) }

    func deliverEnd() {
        withPipe { $0.endReceive() }?.resume(returning: nil)
    }

    /// Ends the call for the handler: pending and later receives/sends throw `error`.
    func fail(_ error: RPCError) {
        let (r, w) = withPipe { $0.close(receive: .failure(error), send: error) }
        r?.resume(throwing: error)
        w?.resume(throwing: error)
    }

    /// `n` queued response bytes went to nghttp2; wakes a suspended writer below the limit.
    func didSend(_ n: Int) { pipeDidSend(n, limit: maxOutstanding) }
}
