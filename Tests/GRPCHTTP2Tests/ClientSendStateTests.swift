@testable import GRPCHTTP2
import Testing

/// Tier 1: a client call's request half driven event by event, without sockets or nghttp2.
@Suite struct ClientSendStateTests {
    @Test func streamingRequestWalksIdleOpenHalfClosedThenEndsWhenDrained() throws {
        var s = ClientSendState.initial
        let a1 = try s.enqueue()
        #expect(a1 == .queue)                  // queued while the connection is set up
        #expect(!s.hasOpenStream)
        try s.streamOpened()
        #expect(s == .open(deferred: false) && s.hasOpenStream)
        let a2 = try s.dataRequested(copied: 10, drained: true)
        #expect(a2 == .send)
        let a3 = try s.dataRequested(copied: 0, drained: true)
        #expect(a3 == .deferData)
        #expect(s == .open(deferred: true))
        let a4 = try s.enqueue()
        #expect(a4 == .queueAndResume)
        let a5 = try s.enqueue()
        #expect(a5 == .queue)                  // resumed once
        let a6 = s.closeSend()
        #expect(a6 == .none)                   // not deferred: nghttp2 will ask
        #expect(s == .halfClosed)
        let a7 = try s.dataRequested(copied: 16, drained: false)
        #expect(a7 == .send)
        let a8 = try s.dataRequested(copied: 4, drained: true)
        #expect(a8 == .end)
        #expect(!s.isClosed)                   // the request ended, the call has not
        let a9 = s.finish()
        #expect(a9)
        #expect(s.isClosed && !s.hasOpenStream)
    }

    @Test func closingADeferredRequestWakesTheDataSourceToEndIt() throws {
        var s = ClientSendState.initial
        try s.streamOpened()
        let a1 = try s.dataRequested(copied: 0, drained: true)
        #expect(a1 == .deferData)
        let a2 = s.closeSend()
        #expect(a2 == .resume)
        let a3 = try s.dataRequested(copied: 0, drained: true)
        #expect(a3 == .end)
    }

    @Test func oneMessageCallClosedBeforeItsStreamOpensStartsHalfClosed() throws {
        var s = ClientSendState.initial
        let a1 = try s.enqueue()
        #expect(a1 == .queue)
        let a2 = s.closeSend()
        #expect(a2 == .none)
        #expect(s == .idle(halfClosed: true))
        try s.streamOpened()
        #expect(s == .halfClosed)
        let a3 = try s.dataRequested(copied: 9, drained: true)
        #expect(a3 == .end)
    }

    @Test func aCallThatIsOverDropsMessagesButStillEndsItsStream() throws {
        var s = ClientSendState.initial
        try s.streamOpened()
        let first = s.finish()
        let second = s.finish()
        #expect(first && !second)              // the first outcome sticks
        let a1 = try s.enqueue()
        #expect(a1 == .drop)
        let a2 = s.closeSend()
        #expect(a2 == .none)
        let a3 = try s.dataRequested(copied: 8, drained: false)
        #expect(a3 == .send)                   // what was queued still drains
        let a4 = try s.dataRequested(copied: 2, drained: true)
        #expect(a4 == .end)
    }

    @Test func closingTwiceIsIdempotent() throws {
        var s = ClientSendState.initial
        try s.streamOpened()
        let a1 = s.closeSend()
        let a2 = s.closeSend()
        #expect(a1 == .none && a2 == .none)
        #expect(s == .halfClosed)
    }

    @Test func illegalEventsThrowTypedErrorsAndChangeNothing() throws {
        var s = ClientSendState.initial
        #expect(Self.code(&s) { _ = try $0.dataRequested(copied: 0, drained: true) } == .noStream)
        #expect(s == .initial)
        try s.streamOpened()
        #expect(Self.code(&s) { try $0.streamOpened() } == .streamAlreadyOpen)
        #expect(s == .open(deferred: false))
        _ = s.closeSend()
        #expect(Self.code(&s) { _ = try $0.enqueue() } == .sendAfterClose)
        #expect(s == .halfClosed)
        var idleClosed = ClientSendState.initial
        _ = idleClosed.closeSend()
        #expect(Self.code(&idleClosed) { _ = try $0.enqueue() } == .sendAfterClose)
        #expect(idleClosed == .idle(halfClosed: true))
        var over = ClientSendState.initial
        _ = over.finish()
        #expect(Self.code(&over) { try $0.streamOpened() } == .callOver)
        #expect(over.isClosed)
    }

    /// The code of the `ClientSendStateError` that `event` throws on `state`; nil if none.
    private static func code(_ state: inout ClientSendState,
                             _ event: (inout ClientSendState) throws -> Void) -> ClientSendStateError.Code? {
        do { try event(&state) } catch let e as ClientSendStateError { return e.code } catch { return nil }
        return nil
    }
}
