import CPOSIX
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The process's one signal path: signals delivered to the process as an async sequence of
/// signal numbers.
///
/// ```swift
/// let signals = try SignalSubscription([SIGTERM, SIGINT])   // handlers installed on return
/// for await signo in signals { ... }                          // or signals.forward { signo in ... }
/// signals.cancel()                                            // ends the sequence
/// ```
///
/// Every subscription of a signal sees each delivery. The C handler only `write`s the signal
/// number to a self-pipe (async-signal-safe); one thread reads the pipe and hands the number to
/// the subscriptions. This works in processes with many threads already running, unlike
/// `signalfd`, which needs the signal blocked in every thread. When the last subscription of a
/// signal is cancelled, the disposition it had before the first one is restored.
public final class SignalSubscription: AsyncSequence, Sendable {
    public typealias Element = Int32
    public typealias AsyncIterator = AsyncStream<Int32>.Iterator

    public let signals: [Int32]
    private let stream: AsyncStream<Int32>
    private let id: Int
    private let active = Atomic<Bool>(true)

    /// Installs the handlers (synchronously: a signal raised after this returns is seen).
    public init(_ signals: [Int32] = [SIGTERM, SIGINT]) throws(SystemError) {
        self.signals = signals
        let (stream, continuation) = AsyncStream<Int32>.makeStream(bufferingPolicy: .bufferingNewest(64))
        self.stream = stream
        id = try SignalHub.subscribe(Set(signals), continuation)
    }

    public func makeAsyncIterator() -> AsyncStream<Int32>.Iterator { stream.makeAsyncIterator() }

    /// Calls `handler` for every signal on a task of its own until `cancel` (consumes the
    /// sequence: use either this or `for await`).
    public func forward(to handler: @escaping @Sendable (Int32) async -> Void) {
        let stream = self.stream
        Task { for await signo in stream { await handler(signo) } }
    }

    /// Ends the sequence and restores the handlers no other subscription needs. Safe to call
    /// more than once.
    public func cancel() {
        if active.exchange(false, ordering: .acquiringAndReleasing) { SignalHub.unsubscribe(id) }
    }

    deinit { cancel() }

    /// A signal's conventional name ("SIGTERM"), or "signal N".
    public static func name(_ signo: Int32) -> String {
        switch signo {
        case SIGTERM: "SIGTERM"
        case SIGINT: "SIGINT"
        case SIGHUP: "SIGHUP"
        case SIGQUIT: "SIGQUIT"
        case SIGUSR1: "SIGUSR1"
        case SIGUSR2: "SIGUSR2"
        default: "signal \(signo)"
        }
    }
}

/// The write end of the signal pipe, read by the C handler (which cannot capture context).
nonisolated(unsafe) private var signalPipeWriteFD: Int32 = -1

/// Subscriptions, installed handlers and the reader thread (created on first use, then kept
/// for the life of the process).
private enum SignalHub {
    struct Installed {
        var count: Int
        var previous: sigaction
    }

    struct State {
        var pipe: WakePipe?
        var reader: PosixThread?
        var nextID = 0
        var subscribers: [Int: (signals: Set<Int32>, continuation: AsyncStream<Int32>.Continuation)] = [:]
        var installed: [Int32: Installed] = [:]
    }

    static let state = Mutex(State())

    static func subscribe(_ signals: Set<Int32>, _ continuation: AsyncStream<Int32>.Continuation)
        throws(SystemError) -> Int
    {
        try state.withLock { s throws(SystemError) -> Int in
            if s.pipe == nil {
                let pipe = try WakePipe()
                s.pipe = pipe
                signalPipeWriteFD = pipe.writeFD
                s.reader = PosixThread(name: "kgrec-signals") { readLoop(pipe) }
            }
            var done: Set<Int32> = []
            for signo in signals {
                defer { done.insert(signo) }
                if s.installed[signo] != nil {
                    s.installed[signo]!.count += 1
                    continue
                }
                var previous = sigaction()
                do throws(SystemError) {
                    try Syscall.checkNegated("sigaction \(SignalSubscription.name(signo))") {
                        kg_signal_install(signo, { signo in
                            let saved = errno
                            var byte = UInt8(truncatingIfNeeded: signo)
                            _ = write(signalPipeWriteFD, &byte, 1)
                            errno = saved
                        }, &previous)
                    }
                } catch {
                    release(done, in: &s)   // roll back this call's part
                    throw error
                }
                s.installed[signo] = Installed(count: 1, previous: previous)
            }
            let id = s.nextID
            s.nextID += 1
            s.subscribers[id] = (signals, continuation)
            return id
        }
    }

    static func unsubscribe(_ id: Int) {
        let continuation = state.withLock { s -> AsyncStream<Int32>.Continuation? in
            guard let sub = s.subscribers.removeValue(forKey: id) else { return nil }
            release(sub.signals, in: &s)
            return sub.continuation
        }
        continuation?.finish()
    }

    private static func release(_ signals: Set<Int32>, in s: inout State) {
        for signo in signals {
            guard var entry = s.installed[signo] else { continue }
            entry.count -= 1
            if entry.count > 0 {
                s.installed[signo] = entry
            } else {
                _ = kg_signal_restore(signo, &entry.previous)
                s.installed[signo] = nil
            }
        }
    }

    private static func readLoop(_ pipe: WakePipe) {
        var fds = [pollfd(fd: pipe.readFD, events: Int16(POLLIN), revents: 0)]
        while true {
            if poll(&fds, 1, -1) < 0 { continue }   // EINTR
            for byte in pipe.drain() {
                let signo = Int32(byte)
                let targets = state.withLock { s in
                    s.subscribers.values.filter { $0.signals.contains(signo) }.map(\.continuation)
                }
                for c in targets { c.yield(signo) }
            }
        }
    }
}
