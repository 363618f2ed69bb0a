import KGRecPOSIX
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The process's one signal path. Each test uses its own signal so they cannot see each other.
@Suite(.serialized) struct SignalSubscriptionTests {
    /// The current disposition of `signo` as a raw pointer value (restored unchanged after).
    private func disposition(_ signo: Int32) -> UInt {
        let current = signal(signo, SIG_IGN)
        signal(signo, current)
        return unsafeBitCast(current, to: UInt.self)
    }

    @Test func everySubscriptionOfASignalSeesEachDelivery() async throws {
        let first = try SignalSubscription([SIGUSR1])
        let second = try SignalSubscription([SIGUSR1, SIGWINCH])
        kill(getpid(), SIGUSR1)
        var a = first.makeAsyncIterator()
        var b = second.makeAsyncIterator()
        #expect(await a.next() == SIGUSR1)
        #expect(await b.next() == SIGUSR1)
        first.cancel()
        second.cancel()
        #expect(await a.next() == nil)   // cancel ends the sequence
    }

    @Test func aSignalOnlyReachesSubscriptionsThatAskedForIt() async throws {
        let hup = try SignalSubscription([SIGHUP])
        let urg = try SignalSubscription([SIGURG])
        kill(getpid(), SIGURG)
        var u = urg.makeAsyncIterator()
        #expect(await u.next() == SIGURG)
        hup.cancel()
        var h = hup.makeAsyncIterator()
        #expect(await h.next() == nil)   // ended by cancel with nothing delivered
        urg.cancel()
    }

    @Test func theLastCancelRestoresThePreviousDisposition() throws {
        signal(SIGWINCH, SIG_IGN)
        let ignored = disposition(SIGWINCH)
        let a = try SignalSubscription([SIGWINCH])
        let b = try SignalSubscription([SIGWINCH])
        #expect(disposition(SIGWINCH) != ignored)
        a.cancel()
        #expect(disposition(SIGWINCH) != ignored)   // b still needs the handler
        b.cancel()
        #expect(disposition(SIGWINCH) == ignored)
        a.cancel()                                  // twice is harmless
        signal(SIGWINCH, SIG_DFL)
    }

    @Test func anUncatchableSignalIsASystemErrorAndInstallsNothing() throws {
        signal(SIGUSR2, SIG_IGN)
        let before = disposition(SIGUSR2)
        #expect(throws: SystemError.self) { try SignalSubscription([SIGUSR2, SIGKILL]) }
        #expect(disposition(SIGUSR2) == before)
        signal(SIGUSR2, SIG_DFL)
    }

    @Test func forwardCallsTheHandlerForEverySignal() async throws {
        let seen = Atomic<Int>(0)
        let s = try SignalSubscription([SIGPROF])
        s.forward { signo in if signo == SIGPROF { seen.add(1, ordering: .relaxed) } }
        kill(getpid(), SIGPROF)
        for _ in 0..<500 where seen.load(ordering: .relaxed) == 0 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(seen.load(ordering: .relaxed) == 1)
        s.cancel()
    }
}
