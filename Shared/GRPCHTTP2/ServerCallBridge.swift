import GRPCCore
import Synchronization

/// The hand-off between a handler task and its stream on the event loop (`ServerCallIO`).
/// Handler side: `receive` / `send`, which may suspend. Loop side: `deliver`, `deliverEnd`,
/// `fail`, `didSend`, which never block. Everything the loop must do is posted with
/// `loop.execute`, so the stream itself is only ever touched on its loop.
final class ServerCallBridge: ServerCallIO, @unchecked Sendable {
    private struct State {
        var inbound: [[UInt8]] = []
        var inboundHead = 0
        var inboundEnded = false
        var failure: RPCError?
        var receiveWaiter: CheckedContinuation<[UInt8]?, Error>?
        var outstanding = 0
        var sendWaiter: CheckedContinuation<Void, Error>?
    }

    private let state = Mutex(State())
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

    // ---- handler side ------------------------------------------------------------------------

    private enum ReceiveAction {
        case message([UInt8]), end, failure(RPCError), wait
    }

    func receive() async throws -> [UInt8]? {
        let message: [UInt8]? = try await withCheckedThrowingContinuation { c in
            let action = state.withLock { s -> ReceiveAction in
                if s.inboundHead < s.inbound.count {
                    let m = s.inbound[s.inboundHead]
                    s.inbound[s.inboundHead] = []
                    s.inboundHead += 1
                    if s.inboundHead == s.inbound.count {
                        s.inbound.removeAll(keepingCapacity: true)
                        s.inboundHead = 0
                    }
                    return .message(m)
                }
                if let f = s.failure { return .failure(f) }
                if s.inboundEnded { return .end }
                s.receiveWaiter = c
                return .wait
            }
            switch action {
            case .message(let m): c.resume(returning: m)
            case .end: c.resume(returning: nil)
            case .failure(let e): c.resume(throwing: e)
            case .wait: break
            }
        }
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
        let mustWait = try state.withLock { s throws(RPCError) -> Bool in
            if let f = s.failure { throw f }
            s.outstanding += n
            return s.outstanding > maxOutstanding
        }
        let stream = self.stream
        loop.execute { stream.enqueue(payload: payload, initialMetadata: initialMetadata) }
        if mustWait {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, Error>) in
                let r = state.withLock { s -> RPCError?? in
                    if let f = s.failure { return .some(f) }
                    if s.outstanding <= maxOutstanding { return .some(nil) }
                    s.sendWaiter = c
                    return .none
                }
                switch r {
                case .some(.some(let e)): c.resume(throwing: e)
                case .some(.none): c.resume()
                case .none: break
                }
            }
        }
    }

    // ---- loop side ---------------------------------------------------------------------------

    func deliver(_ message: [UInt8]) {
        let waiter = state.withLock { s -> CheckedContinuation<[UInt8]?, Error>? in
            if let w = s.receiveWaiter {
                s.receiveWaiter = nil
                return w
            }
            s.inbound.append(message)
            return nil
        }
        waiter?.resume(returning: message)
    }

    func deliverEnd() {
        let waiter = state.withLock { s -> CheckedContinuation<[UInt8]?, Error>? in
            s.inboundEnded = true
            defer { s.receiveWaiter = nil }
            return s.receiveWaiter
        }
        waiter?.resume(returning: nil)
    }

    /// Ends the call for the handler: pending and later receives/sends throw `error`.
    func fail(_ error: RPCError) {
        let (r, w) = state.withLock { s -> (CheckedContinuation<[UInt8]?, Error>?, CheckedContinuation<Void, Error>?) in
            if s.failure == nil { s.failure = error }
            defer { s.receiveWaiter = nil; s.sendWaiter = nil }
            return (s.receiveWaiter, s.sendWaiter)
        }
        r?.resume(throwing: error)
        w?.resume(throwing: error)
    }

    /// `n` queued response bytes went to nghttp2; wakes a suspended writer below the limit.
    func didSend(_ n: Int) {
        let w = state.withLock { s -> CheckedContinuation<Void, Error>? in
            s.outstanding -= n
            if s.outstanding <= maxOutstanding, let w = s.sendWaiter {
                s.sendWaiter = nil
                return w
            }
            return nil
        }
        w?.resume()
    }
}
