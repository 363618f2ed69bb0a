#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import KGRecPOSIX
import Synchronization
import Testing

/// The idle-priority worker that runs the ranker's recall probes: jobs run at SCHED_IDLE, one at a
/// time, a job offered while one is pending or running is refused, and stop ends the thread.
@Suite struct IdleWorkerTests {
    @Test func aJobRunsOnAThreadAtIdlePriority() {
        let worker = IdleWorker(name: "test-idle")
        let idle = Mutex<Bool?>(nil)
        let done = DispatchSemaphore(value: 0)
        #expect(worker.offer {
            idle.withLock { $0 = IdleWorker.currentThreadIsIdle }
            done.signal()
        })
        done.wait()
        #expect(idle.withLock { $0 } == true)
        #expect(!IdleWorker.currentThreadIsIdle)  // the caller's thread is left alone
        worker.stop()
    }

    @Test func aJobOfferedWhileOneRunsIsRefusedAndTheNextAfterItIsTaken() {
        let worker = IdleWorker(name: "test-idle")
        let started = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        let ran = Mutex<[Int]>([])
        #expect(worker.offer {
            started.signal()
            release.wait()
            ran.withLock { $0.append(1) }
        })
        started.wait()
        #expect(worker.isBusy)
        #expect(!worker.offer { ran.withLock { $0.append(2) } })
        release.signal()
        while worker.isBusy { usleep(1000) }
        #expect(worker.offer {
            ran.withLock { $0.append(3) }
            done.signal()
        })
        done.wait()
        #expect(ran.withLock { $0 } == [1, 3])
        worker.stop()
    }

    @Test func stopEndsTheThreadAndLaterOffersAreRefused() {
        let worker = IdleWorker(name: "test-idle")
        worker.stop()  // returns: the thread was joined
        #expect(!worker.offer {})
    }
}
