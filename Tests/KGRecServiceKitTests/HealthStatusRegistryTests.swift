import GRPCCore
import KGRecWire
import Testing
@testable import KGRecServiceKit

@Suite struct HealthStatusRegistryTests {
    typealias Status = HealthStatusRegistry.ServingStatus

    @Test func overallStatusIsRegisteredUnderTheEmptyName() {
        #expect(HealthStatusRegistry().status(of: "") == .serving)
        #expect(HealthStatusRegistry(overall: .notServing).status(of: "") == .notServing)
        #expect(HealthStatusRegistry().status(of: "kgrec.v1.Ranker") == nil)
    }

    @Test func watchSendsCurrentStatusThenChanges() async {
        let registry = HealthStatusRegistry()
        registry.set("svc", .notServing)
        var updates = registry.watch("svc").makeAsyncIterator()
        #expect(await updates.next() == .notServing)
        registry.set("svc", .serving)
        #expect(await updates.next() == .serving)
        registry.set("other", .notServing)  // not this watcher's service
        registry.set("svc", .notServing)
        #expect(await updates.next() == .notServing)
    }

    @Test func watchOfUnknownServiceSaysServiceUnknownUntilItIsRegistered() async {
        let registry = HealthStatusRegistry()
        var updates = registry.watch("later").makeAsyncIterator()
        #expect(await updates.next() == .serviceUnknown)
        registry.set("later", .serving)
        #expect(await updates.next() == .serving)
    }

    @Test func shutDownMarksEverythingNotServingEndsWatchesAndFreezes() async {
        let registry = HealthStatusRegistry()
        registry.set("a", .serving)
        var updates = registry.watch("a").makeAsyncIterator()
        #expect(await updates.next() == .serving)
        var unknown = registry.watch("never-registered").makeAsyncIterator()
        #expect(await unknown.next() == .serviceUnknown)
        registry.shutDown()
        #expect(await updates.next() == .notServing)
        #expect(await updates.next() == nil)
        #expect(await unknown.next() == nil)
        var late = registry.watch("a").makeAsyncIterator()
        #expect(await late.next() == .notServing)
        #expect(await late.next() == nil)
        registry.set("a", .serving)
        #expect(registry.status(of: "a") == .notServing)
        #expect(registry.status(of: "") == .notServing)
    }

    @Test func endedWatchIsForgotten() async {
        let registry = HealthStatusRegistry()
        do {
            let stream = registry.watch("")
            #expect(registry.watcherCount == 1)
            _ = stream
        }
        #expect(registry.watcherCount == 0)
    }
}
