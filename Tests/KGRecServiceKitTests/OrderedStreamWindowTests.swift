import GRPCCore
import Synchronization
import Testing
@testable import KGRecServiceKit

@Suite struct OrderedStreamWindowTests {
    /// Requests `0..<n` as one-byte raw messages, and the reader/writer over them.
    static func call(_ n: Int) -> (QueuedCallIO, RPCReader<RawMessage>, RPCWriter<RawMessage>) {
        let io = QueuedCallIO(requests: (0..<n).map { [UInt8($0)] })
        let context = ServerContext(method: MethodDescriptor(service: "test.S", method: "M"))
        return (io, RPCReader(io: io), RPCWriter(io: io, context: context))
    }

    @Test func answersInRequestOrderWhenALaterAnswerFinishesFirst() async throws {
        let (io, requests, out) = Self.call(6)
        let finished = EventCounter()
        try await OrderedStreamWindow.answer(requests, into: out, window: 2) { request in
            // Request 0 completes only after request 1 has.
            if request.bytes == [0] { await finished.wait(untilCount: 1) }
            finished.signal()
            return RawMessage(request.bytes + [0xAA])
        }
        #expect(io.sent == (0..<6).map { [UInt8($0), 0xAA] })
    }

    @Test func readsAheadUpToTheWindowAndNeverFurther() async throws {
        let (io, requests, out) = Self.call(10)
        let started = EventCounter()
        let mostUnanswered = Mutex(0)
        try await OrderedStreamWindow.answer(requests, into: out, window: 3) { request in
            started.signal()
            mostUnanswered.withLock { $0 = max($0, started.count - io.sent.count) }
            // The first answer waits until the reader has started three: read-ahead is real.
            if request.bytes == [0] { await started.wait(untilCount: 3) }
            return request
        }
        #expect(io.sent.count == 10)
        #expect(mostUnanswered.withLock { $0 } == 3)
    }

    @Test func aThrowingAnswerEndsTheCallAfterTheAnswersBeforeIt() async throws {
        let (io, requests, out) = Self.call(8)
        await #expect(throws: TestFailure.self) {
            try await OrderedStreamWindow.answer(requests, into: out, window: 4) { request in
                if request.bytes == [2] { throw TestFailure("bad request 2") }
                return request
            }
        }
        #expect(io.sent == [[0], [1]])
    }
}
