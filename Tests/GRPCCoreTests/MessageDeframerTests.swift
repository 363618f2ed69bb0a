import Testing
@testable import GRPCCore

@Suite struct MessageDeframerTests {
    @Test func reassemblesMessagesSplitAtEveryByte() throws {
        let wire = MessageFramer.framed([1, 2, 3]) + MessageFramer.framed([]) + MessageFramer.framed([9])
        var d = MessageDeframer(maxMessageSize: 100)
        var got: [[UInt8]] = []
        for b in wire {
            d.append([b])
            while let m = try d.next() { got.append(m) }
        }
        #expect(got == [[1, 2, 3], [], [9]])
        #expect(!d.hasPartialMessage)
    }

    @Test func partialMessageIsReported() throws {
        var d = MessageDeframer(maxMessageSize: 100)
        d.append([0, 0, 0, 0, 10, 1, 2])
        #expect(try d.next() == nil)
        #expect(d.hasPartialMessage)
    }

    @Test func oversizedMessageIsResourceExhaustedFromThePrefixAlone() {
        var d = MessageDeframer(maxMessageSize: 4)
        d.append([0, 0, 0, 0, 5])
        #expect(throws: RPCError.self) { try d.next() }
        do { _ = try d.next() } catch { #expect(error.code == .resourceExhausted) }
    }

    @Test func compressedFlagWithoutEncodingIsInternal() {
        var d = MessageDeframer(maxMessageSize: 100)
        d.append([1, 0, 0, 0, 1, 42])
        do { _ = try d.next(); Issue.record("expected an error") } catch { #expect(error.code == .internal) }
    }

    @Test func invalidFlagByteIsInternal() {
        var d = MessageDeframer(maxMessageSize: 100)
        d.append([7, 0, 0, 0, 0])
        do { _ = try d.next(); Issue.record("expected an error") } catch { #expect(error.code == .internal) }
    }

    @Test func withNextLendsThePayloadInPlace() throws {
        var d = MessageDeframer(maxMessageSize: 100)
        d.append(MessageFramer.framed([4, 5]))
        let sum = try d.withNext { $0.reduce(0) { $0 + Int($1) } }
        #expect(sum == 9)
        #expect(d.bufferedBytes == 0)
    }

    @Test func resetReleasesABufferLeftByALargeMessage() throws {
        var d = MessageDeframer(maxMessageSize: 4 << 20)
        d.append(MessageFramer.framed([UInt8](repeating: 1, count: 1 << 20)))
        #expect(try d.next()?.count == 1 << 20)
        d.reset()
        #expect(d.capacity <= MessageDeframer.maxRetainedCapacity)
        d.append(MessageFramer.framed([1, 2, 3]))
        d.reset()
        #expect(d.capacity > 0)   // a small buffer is kept for reuse
    }
}
