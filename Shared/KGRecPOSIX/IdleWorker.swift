#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization

/// One OS thread at `SCHED_IDLE` priority that runs background jobs one at a time: it gets a core
/// only when no other thread wants it, so its work never delays a request (the ranker's recall
/// probes: an exact scan of the whole catalogue per probe). A job offered while another is pending
/// or running is refused (`offer` returns false), so jobs never queue up behind traffic.
public final class IdleWorker: Sendable {
    /// Linux's `SCHED_IDLE` (`<sched.h>`, not imported by Glibc's module).
    static let schedIdle: Int32 = 5

    private struct Slot {
        var job: (@Sendable () -> Void)?
        var busy = false
        var stopping = false
    }

    /// What the thread and the callers share (the thread must not retain the worker itself).
    private final class Shared: Sendable {
        let slot = Mutex(Slot())
        let wake = DispatchSemaphore(value: 0)
    }

    private let shared: Shared
    private let thread: PosixThread

    /// Starts the thread (`name` as for `PosixThread`). If the thread cannot be moved to
    /// `SCHED_IDLE`, `onPriorityError` gets the error once and the jobs run at normal priority.
    public init(name: String, onPriorityError: @escaping @Sendable (SystemError) -> Void = { _ in }) {
        let shared = Shared()
        self.shared = shared
        thread = PosixThread(name: name) {
            do throws(SystemError) { try Self.lowerCurrentThreadToIdle() } catch { onPriorityError(error) }
            while true {
                shared.wake.wait()
                guard let job = shared.slot.withLock({ s in s.stopping ? nil : s.job }) else { return }
                job()
                shared.slot.withLock { s in
                    s.job = nil
                    s.busy = false
                }
            }
        }
    }

    /// Runs `job` on the worker unless a job is pending or running; true if taken.
    @discardableResult
    public func offer(_ job: @escaping @Sendable () -> Void) -> Bool {
        let taken = shared.slot.withLock { s in
            guard !s.busy, !s.stopping else { return false }
            s.busy = true
            s.job = job
            return true
        }
        if taken { shared.wake.signal() }
        return taken
    }

    /// True while a job is pending or running.
    public var isBusy: Bool { shared.slot.withLock { $0.busy } }

    /// Lets a running job finish, drops a pending one and ends the thread. Call once.
    public func stop() {
        shared.slot.withLock { $0.stopping = true }
        shared.wake.signal()
        thread.join()
    }

    /// Moves the calling thread to `SCHED_IDLE`.
    public static func lowerCurrentThreadToIdle() throws(SystemError) {
        var param = sched_param()
        try Syscall.check("sched_setscheduler") { sched_setscheduler(0, schedIdle, &param) }
    }

    /// True when the calling thread runs at `SCHED_IDLE`.
    public static var currentThreadIsIdle: Bool { sched_getscheduler(0) == schedIdle }
}
