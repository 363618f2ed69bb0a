import GRPCCore

/// The hand-off between a call's task side (which may suspend) and its event-loop side (which
/// never blocks), written once for client calls (`ClientCall`) and server handlers
/// (`ServerCallBridge`): the inbound message queue and its waiter, the outbound send window
/// (bytes handed to the loop and not yet to nghttp2) and its waiter, and how each direction
/// ended. A value kept inside its owner's lock; methods return the continuation to resume
/// outside the lock.
struct CallPipe {
    typealias ReceiveWaiter = CheckedContinuation<[UInt8]?, Error>
    typealias SendWaiter = CheckedContinuation<Void, Error>

    enum ReceiveEnd {
        /// No more messages: `receive` returns nil once the queue is empty.
        case end
        /// The call failed: `receive` throws once the queue is empty.
        case failure(RPCError)
    }

    private var inbound: [[UInt8]] = []
    private var inboundHead = 0
    private(set) var receiveEnd: ReceiveEnd?
    private var receiveWaiter: ReceiveWaiter?
    private var outstanding = 0
    private(set) var sendFailure: RPCError?
    private var sendWaiter: SendWaiter?

    init() {}

    // ---- receive -----------------------------------------------------------------------------

    enum ReceiveStep {
        case message([UInt8]), end, failure(RPCError), wait
    }

    /// The next message, the end, or `.wait` (then `waiter` is resumed by `deliver`/`end`).
    mutating func receive(orPark waiter: ReceiveWaiter) -> ReceiveStep {
        if inboundHead < inbound.count {
            let m = inbound[inboundHead]
            inbound[inboundHead] = []
            inboundHead += 1
            if inboundHead == inbound.count {
                inbound.removeAll(keepingCapacity: true)
                inboundHead = 0
            }
            return .message(m)
        }
        switch receiveEnd {
        case .end: return .end
        case .failure(let e): return .failure(e)
        case nil:
            receiveWaiter = waiter
            return .wait
        }
    }

    /// Loop side: a message arrived. Returns the parked receiver to resume with it, else queues it.
    mutating func deliver(_ message: [UInt8]) -> ReceiveWaiter? {
        if let w = receiveWaiter {
            receiveWaiter = nil
            return w
        }
        inbound.append(message)
        return nil
    }

    /// Loop side: no more messages come (a failure recorded earlier stays). Returns the parked
    /// receiver to resume with nil.
    mutating func endReceive() -> ReceiveWaiter? {
        if receiveEnd == nil { receiveEnd = .end }
        defer { receiveWaiter = nil }
        return receiveWaiter
    }

    // ---- send window -------------------------------------------------------------------------

    /// Task side: `n` more bytes go to the loop. Throws if sending already failed; true when the
    /// window is now over `limit` (the sender must `waitForWindow`).
    mutating func reserveSend(_ n: Int, limit: Int) throws(RPCError) -> Bool {
        if let f = sendFailure { throw f }
        outstanding += n
        return outstanding > limit
    }

    enum WindowStep { case ready, failure(RPCError), wait }

    mutating func waitForWindow(limit: Int, orPark waiter: SendWaiter) -> WindowStep {
        if let f = sendFailure { return .failure(f) }
        if outstanding <= limit { return .ready }
        sendWaiter = waiter
        return .wait
    }

    /// Loop side: `n` bytes went to nghttp2. Returns the parked sender once under `limit`.
    mutating func didSend(_ n: Int, limit: Int) -> SendWaiter? {
        outstanding -= n
        if outstanding <= limit, let w = sendWaiter {
            sendWaiter = nil
            return w
        }
        return nil
    }

    // ---- end ---------------------------------------------------------------------------------

    /// The call is over: receives end with `receive` (a failure overrides an earlier end),
    /// sends fail with `send`. Returns the parked receiver and sender (resume them with the
    /// outcome). The first outcome of each direction sticks.
    mutating func close(receive: ReceiveEnd, send: RPCError) -> (ReceiveWaiter?, SendWaiter?) {
        switch (receiveEnd, receive) {
        case (nil, _), (.end?, .failure): receiveEnd = receive
        default: break
        }
        if sendFailure == nil { sendFailure = send }
        defer { receiveWaiter = nil; sendWaiter = nil }
        return (receiveWaiter, sendWaiter)
    }
}

/// An owner of a `CallPipe` behind its lock; the suspending operations are written once here.
protocol CallPipeOwner: AnyObject, Sendable {
    func withPipe<R: Sendable>(_ body: (inout CallPipe) -> R) -> R
}

extension CallPipeOwner {
    /// The next message; nil at the end; throws the call's error.
    func receiveFromPipe() async throws -> [UInt8]? {
        try await withCheckedThrowingContinuation { (c: CallPipe.ReceiveWaiter) in
            switch withPipe({ $0.receive(orPark: c) }) {
            case .message(let m): c.resume(returning: m)
            case .end: c.resume(returning: nil)
            case .failure(let e): c.resume(throwing: e)
            case .wait: break
            }
        }
    }

    /// Suspends until the send window is back under `limit` (or the call failed: throws).
    func waitForSendWindow(limit: Int) async throws {
        try await withCheckedThrowingContinuation { (c: CallPipe.SendWaiter) in
            switch withPipe({ $0.waitForWindow(limit: limit, orPark: c) }) {
            case .ready: c.resume()
            case .failure(let e): c.resume(throwing: e)
            case .wait: break
            }
        }
    }

    /// Loop side: hands `message` to the receiver.
    func deliverToPipe(_ message: [UInt8]) {
        withPipe { $0.deliver(message) }?.resume(returning: message)
    }

    /// Loop side: `n` bytes went to nghttp2; wakes a sender back under `limit`.
    func pipeDidSend(_ n: Int, limit: Int) {
        withPipe { $0.didSend(n, limit: limit) }?.resume()
    }
}
