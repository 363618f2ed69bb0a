import GRPCCore
@testable import GRPCHTTP2
import Synchronization
import Testing

/// Tier 1: the server stream's lifecycle driven event by event, without sockets or nghttp2.
@Suite struct ServerStreamStateTests {
    @Test func unaryInlineWalksIdleStreamingDrainingFinished() {
        var s = ServerStreamState.initial
        let a1 = s.requestEnd()
        #expect(a1 == .deliver)
        #expect(s == .idle(.ended))
        let a2 = s.startResponse()
        #expect(a2)
        let a3 = s.startResponse()
        #expect(!a3)                       // headers once
        let a4 = s.finish()
        #expect(a4 == .drain(resume: false))
        #expect(s.isFinished && s.responseStarted)
        let a5 = s.dataRequested(copied: 10, drained: false)
        #expect(a5 == .send)
        let a6 = s.dataRequested(copied: 5, drained: true)
        #expect(a6 == .end)
        #expect(s == .finished(.ended))
        let a7 = s.close()
        #expect(!a7)                               // status was decided: nothing to cancel
        #expect(s.isClosed)
    }

    @Test func statusBeforeAnyMessageIsOneTrailersOnlyBlock() {
        var s = ServerStreamState.initial
        let a8 = s.finish()
        #expect(a8 == .submitTrailersOnly)
        #expect(s == .finished(.open))
        let a9 = s.finish()
        #expect(a9 == .ignore)
        let a10 = s.enqueueMessage()
        #expect(a10 == .drop)             // a late message from the handler
        let a11 = s.requestEnd()
        #expect(a11 == .remember)             // client half-close after the status
        #expect(s.requestEnded)
    }

    @Test func aDeferredDataSourceIsResumedByTheNextMessageOrByTheStatus() {
        var s = ServerStreamState.initial
        let a12 = s.enqueueMessage()
        #expect(a12 == .submitHeaders)
        let a13 = s.enqueueMessage()
        #expect(a13 == .queue)
        let a14 = s.dataRequested(copied: 0, drained: true)
        #expect(a14 == .deferData)
        #expect(s == .streaming(.open, deferred: true))
        let a15 = s.enqueueMessage()
        #expect(a15 == .resumeData)
        let a16 = s.enqueueMessage()
        #expect(a16 == .queue)            // resumed once
        let a17 = s.dataRequested(copied: 0, drained: true)
        #expect(a17 == .deferData)
        let a18 = s.finish()
        #expect(a18 == .drain(resume: true))
        #expect(s == .draining(.open, deferred: false))
        let a19 = s.dataRequested(copied: 0, drained: true)
        #expect(a19 == .end)
    }

    @Test func closingAnUnfinishedStreamAsksToCancelTheHandler() {
        var s = ServerStreamState.initial
        _ = s.enqueueMessage()
        let a20 = s.close()
        #expect(a20)
        #expect(s.isClosed && s.isFinished && s.requestEnded)
        let a21 = s.requestEnd()
        #expect(a21 == .ignore)
        let a22 = s.enqueueMessage()
        #expect(a22 == .drop)
        let a23 = s.finish()
        #expect(a23 == .ignore)
    }

    @Test func endStreamIsDeliveredOnce() {
        var s = ServerStreamState.initial
        _ = s.enqueueMessage()
        let a24 = s.requestEnd()
        #expect(a24 == .deliver)
        let a25 = s.requestEnd()
        #expect(a25 == .ignore)
        #expect(s == .streaming(.ended, deferred: false))
    }
}

/// A `CallPipe` owner as the transport's call objects are (a lock around the value).
private final class TestPipe: CallPipeOwner, @unchecked Sendable {
    let pipe = Mutex(CallPipe())
    func withPipe<R: Sendable>(_ body: (inout CallPipe) -> R) -> R { pipe.withLock { body(&$0) } }
}

/// Tier 1: the call hand-off shared by client calls and server handlers.
@Suite struct CallPipeTests {
    @Test func messagesQueueInOrderThenTheEndIsSeen() async throws {
        let p = TestPipe()
        p.deliverToPipe([1])
        p.deliverToPipe([2])
        #expect(p.withPipe { $0.endReceive() } == nil)   // nobody was waiting
        #expect(try await p.receiveFromPipe() == [1])
        #expect(try await p.receiveFromPipe() == [2])
        #expect(try await p.receiveFromPipe() == nil)
        #expect(try await p.receiveFromPipe() == nil)    // the end stays
    }

    @Test func aWaitingReceiverGetsTheNextMessage() async throws {
        let p = TestPipe()
        let receiver = Task { try await p.receiveFromPipe() }
        p.deliverToPipe([5])
        #expect(try await receiver.value == [5])
    }

    @Test func aFailureOverridesAnEarlierEndButComesAfterQueuedMessages() async throws {
        let p = TestPipe()
        p.deliverToPipe([7])
        _ = p.withPipe { $0.endReceive() }
        _ = p.withPipe { $0.close(receive: .failure(RPCError(.cancelled, "x")), send: RPCError(.cancelled, "x")) }
        #expect(try await p.receiveFromPipe() == [7])
        await #expect(throws: RPCError(.cancelled, "x")) { try await p.receiveFromPipe() }
    }

    @Test func aSenderOverTheWindowWaitsUntilBytesGoOut() async throws {
        let p = TestPipe()
        #expect(try p.pipe.withLock { p throws(RPCError) in try p.reserveSend(60, limit: 100) } == false)
        #expect(try p.pipe.withLock { p throws(RPCError) in try p.reserveSend(60, limit: 100) } == true)
        let sender = Task { try await p.waitForSendWindow(limit: 100) }
        p.pipeDidSend(10, limit: 100)                      // 110 outstanding: still over
        p.pipeDidSend(30, limit: 100)                      // 80: under the limit, the sender goes on
        try await sender.value
    }

    @Test func afterCloseSendsFailWithTheSendError() async throws {
        let p = TestPipe()
        let sendError = RPCError(.internal, "call already finished")
        _ = p.withPipe { $0.close(receive: .end, send: sendError) }
        #expect(throws: sendError) { try p.pipe.withLock { p throws(RPCError) in try p.reserveSend(1, limit: 100) } }
        await #expect(throws: sendError) { try await p.waitForSendWindow(limit: 0) }
        #expect(try await p.receiveFromPipe() == nil)
    }
}

/// Tier 1: the DATA queue both sides' data sources read from.
@Suite struct OutboundBufferTests {
    @Test func readsFramedMessagesAcrossChunkBoundaries() {
        var b = OutboundBuffer()
        b.appendMessage([1, 2, 3])
        b.appendMessage([])
        #expect(b.count == 8 + 5)
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 3)
        while !b.isEmpty {
            let n = chunk.withUnsafeMutableBufferPointer { b.read(into: $0.baseAddress!, length: 3) }
            out += chunk[0..<n]
        }
        #expect(out == MessageFramer.framed([1, 2, 3]) + MessageFramer.framed([]))
        #expect(chunk.withUnsafeMutableBufferPointer { b.read(into: $0.baseAddress!, length: 3) } == 0)
    }
}
