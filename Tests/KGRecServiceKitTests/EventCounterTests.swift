import Testing
@testable import KGRecServiceKit

@Suite struct EventCounterTests {
    @Test func waitersResumeWhenTheirCountIsReached() async {
        let events = EventCounter()
        async let second: Void = events.wait(untilCount: 2)
        events.signal("one")
        events.signal("two")
        await second
        await events.wait(untilCount: 1)  // already satisfied: returns at once
        #expect(events.count == 2)
        #expect(events.notes == ["one", "two"])
    }

    @Test func cancellationEndsAWait() async {
        let events = EventCounter()
        let t = Task { await events.wait(untilCount: 1) }
        t.cancel()
        await t.value
        #expect(events.count == 0)
    }
}
