#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The write end of the active watcher's pipe, read by the C signal handler (which cannot
/// capture context). -1 when no watcher is installed.
nonisolated(unsafe) private var signalPipeWriteFD: Int32 = -1

/// Turns SIGTERM/SIGINT (or any catchable signals) into calls of `onSignal` on a dedicated
/// thread, with the self-pipe trick: the handler only `write`s the signal number (async-signal
/// safe), the thread reads it and calls back. Works in processes with many threads already
/// running, unlike `signalfd`, which needs the signal blocked in every thread.
///
/// One watcher may be installed at a time per process. `stop()` restores the previous handlers.
public final class SignalWatcher: Sendable {
    public let signals: [Int32]
    private let pipe: WakePipe
    private let thread: Mutex<PosixThread?>
    private let previous: [Int32: sighandler_t?]

    private static let installed = Mutex(false)

    public init(signals: [Int32] = [SIGTERM, SIGINT], onSignal: @escaping @Sendable (Int32) -> Void)
        throws(SystemError)
    {
        let claimed = Self.installed.withLock { busy -> Bool in defer { busy = true }; return !busy }
        guard claimed else { throw SystemError("SignalWatcher (one per process)", errno: EBUSY) }
        let pipe: WakePipe
        do { pipe = try WakePipe() } catch {
            Self.installed.withLock { $0 = false }
            throw error
        }
        self.pipe = pipe
        self.signals = signals
        signalPipeWriteFD = pipe.writeFD
        var previous: [Int32: sighandler_t?] = [:]
        for s in signals {
            previous[s] = signal(s, { signo in
                let saved = errno
                var byte = UInt8(truncatingIfNeeded: signo)
                _ = write(signalPipeWriteFD, &byte, 1)
                errno = saved
            })
        }
        self.previous = previous
        let readFD = pipe.readFD
        thread = Mutex(PosixThread(name: "kgrec-signals") {
            var fds = [pollfd(fd: readFD, events: Int16(POLLIN), revents: 0)]
            while true {
                let rc = poll(&fds, 1, -1)
                if rc < 0 && errno == EINTR { continue }
                for byte in pipe.drain() {
                    if byte == 0 { return }  // stop()
                    onSignal(Int32(byte))
                }
            }
        })
    }

    /// Restores the previous handlers and ends the thread. Signals already delivered have been
    /// passed to `onSignal` by the time this returns. Safe to call more than once.
    public func stop() {
        guard let t = thread.withLock({ t -> PosixThread? in defer { t = nil }; return t }) else { return }
        for (s, h) in previous { signal(s, h ?? SIG_DFL) }
        pipe.wake(0)
        t.join()
        signalPipeWriteFD = -1
        Self.installed.withLock { $0 = false }
    }

    deinit { stop() }
}
