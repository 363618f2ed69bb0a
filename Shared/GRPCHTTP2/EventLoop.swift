import GRPCCore
import KGRecPOSIX
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Something registered with an event loop's epoll set.
protocol LoopHandler: AnyObject {
    func handleEvent(_ events: IOEvents)
}

/// Something that wants a callback at the end of the current loop iteration (used to batch
/// every connection's output into one write per iteration).
protocol LoopFlushable: AnyObject {
    func flush()
}

/// One epoll thread. Owns its handlers; everything else talks to it through `execute`, which
/// queues a closure and signals an eventfd. Timers run on the loop thread.
final class EventLoop: @unchecked Sendable {
    private let epoll: Epoll
    private let wake: EventFD
    private let pending = UncheckedLock<[() -> Void]>([])
    private let wakeArmed = Atomic<Bool>(false)
    private var timers = TimerHeap()
    private var flushList: [LoopFlushable] = []
    private var releaseList: [Unmanaged<AnyObject>] = []
    private var thread: pthread_t?
    private let stopped = Atomic<Bool>(false)
    /// Sockets in their lingering close; closed for good when the loop stops.
    var lingeringFDs = Set<Int32>()
    /// Read scratch buffer shared by the loop's connections (loop thread only).
    let readBuffer: UnsafeMutableRawBufferPointer
    let name: String
    private(set) var threadID: pthread_t = pthread_t()

    init(name: String) throws {
        self.name = name
        do {
            epoll = try Epoll()
            wake = try EventFD()
        } catch {
            throw RuntimeError(.systemCallFailed, "cannot create the event loop", cause: error)
        }
        epoll.add(wake.fd, .readable, token: 0)
        readBuffer = .allocate(byteCount: 64 << 10, alignment: 16)
    }

    deinit { readBuffer.deallocate() }

    /// True on this loop's thread.
    var inLoop: Bool { pthread_equal(pthread_self(), threadID) != 0 }

    /// Starts the loop thread.
    func start() {
        let box = Unmanaged.passRetained(self).toOpaque()
        var tid = pthread_t()
        pthread_create(&tid, nil, { arg in
            let loop = Unmanaged<EventLoop>.fromOpaque(arg!).takeRetainedValue()
            loop.run()
            return nil
        }, box)
        thread = tid
    }

    /// Runs `task` on the loop thread soon (thread-safe).
    func execute(_ task: @escaping () -> Void) {
        pending.withLock { $0.append(task) }
        if !wakeArmed.exchange(true, ordering: .acquiringAndReleasing) {
            wake.signal()
        }
    }

    /// Stops the loop after the current iteration and joins its thread (not from the loop).
    func stopAndJoin() {
        stopped.store(true, ordering: .releasing)
        wake.signal()
        if let t = thread {
            pthread_join(t, nil)
            thread = nil
        }
    }

    // ---- loop-thread API ---------------------------------------------------------------------

    /// Registers `fd` for `events`, retaining `handler` until `deregister`.
    func register(fd: Int32, events: IOEvents, handler: LoopHandler) -> UInt64 {
        let token = UInt64(UInt(bitPattern: Unmanaged.passRetained(handler as AnyObject).toOpaque()))
        epoll.add(fd, events, token: token)
        return token
    }

    func modify(fd: Int32, events: IOEvents, token: UInt64) {
        epoll.modify(fd, events, token: token)
    }

    /// Removes `fd` and releases the handler at the end of this iteration (events already
    /// fetched for it may still be delivered; handlers ignore them once closed).
    func deregister(fd: Int32, token: UInt64) {
        epoll.remove(fd)
        let p = UnsafeMutableRawPointer(bitPattern: UInt(token))!
        releaseList.append(Unmanaged<AnyObject>.fromOpaque(p))
    }

    @discardableResult
    func schedule(at deadline: UInt64, _ action: @escaping () -> Void) -> LoopTimer {
        let t = LoopTimer(deadline: deadline, action: action)
        timers.insert(t)
        return t
    }

    /// Timers in the heap, cancelled ones not yet dropped included (loop thread only).
    var timerCount: Int { timers.count }

    func scheduleFlush(_ f: LoopFlushable) {
        flushList.append(f)
    }

    private func run() {
        threadID = pthread_self()
        var datas = [UInt64](repeating: 0, count: 128)
        var flags = [UInt32](repeating: 0, count: 128)
        while !stopped.load(ordering: .acquiring) {
            timers.pruneCancelled()
            var timeout: Int32 = -1
            if let d = timers.nextDeadline {
                let now = MonotonicClock.nanoseconds()
                timeout = d <= now ? 0 : Int32(min((d - now + 999_999) / 1_000_000, 60_000))
            }
            if !flushList.isEmpty { timeout = 0 }
            iterate(timeoutMillis: timeout, datas: &datas, flags: &flags)
        }
        runPending()
        for fd in lingeringFDs { close(fd) }
        lingeringFDs.removeAll()
    }

    /// One iteration on the calling thread, without waiting: ready I/O, queued closures, due
    /// timers, flushes. Only for a loop that was never started, whose driver (the in-memory
    /// tests) is then its one thread. True when it ran any closure, timer or flush.
    @discardableResult
    func runOnce() -> Bool {
        precondition(thread == nil, "runOnce drives a loop that has no thread of its own")
        var datas = [UInt64](repeating: 0, count: 16)
        var flags = [UInt32](repeating: 0, count: 16)
        let busy = !flushList.isEmpty || pending.withLock { !$0.isEmpty }
            || timers.nextDeadline.map { $0 <= MonotonicClock.nanoseconds() } == true
        iterate(timeoutMillis: 0, datas: &datas, flags: &flags)
        return busy
    }

    private func iterate(timeoutMillis timeout: Int32, datas: inout [UInt64], flags: inout [UInt32]) {
        let n = datas.withUnsafeMutableBufferPointer { dp in
            flags.withUnsafeMutableBufferPointer { fp in
                epoll.wait(tokens: dp, flags: fp, timeoutMillis: timeout)
            }
        }
        if n > 0 {
            for i in 0..<n {
                let d = datas[i]
                if d == 0 {
                    wake.drain()
                    continue
                }
                let h = Unmanaged<AnyObject>.fromOpaque(UnsafeRawPointer(bitPattern: UInt(d))!)
                    .takeUnretainedValue() as! LoopHandler
                h.handleEvent(IOEvents(rawValue: flags[i]))
            }
        }
        runPending()
        runTimers()
        runFlushes()
        if !releaseList.isEmpty {
            for u in releaseList { u.release() }
            releaseList.removeAll(keepingCapacity: true)
        }
    }

    private func runPending() {
        wakeArmed.store(false, ordering: .releasing)
        let tasks = pending.withLock { q -> [() -> Void] in
            if q.isEmpty { return [] }
            let t = q
            q.removeAll(keepingCapacity: true)
            return t
        }
        for t in tasks { t() }
    }

    private func runTimers() {
        guard !timers.isEmpty else { return }
        let now = MonotonicClock.nanoseconds()
        while let t = timers.popExpired(now: now) {
            if !t.isCancelled { t.action() }
        }
    }

    private func runFlushes() {
        var i = 0
        while i < flushList.count {
            flushList[i].flush()
            i += 1
        }
        flushList.removeAll(keepingCapacity: true)
    }
}
