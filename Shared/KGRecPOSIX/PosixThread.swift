#if canImport(Glibc)
import Glibc
#endif

/// A joinable OS thread running one closure (for event loops and the signal watcher, which
/// block in system calls and so must not sit on Swift's cooperative pool).
public final class PosixThread: Sendable {
    private final class Box {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    nonisolated(unsafe) private var handle = pthread_t()

    /// Starts `body` on a new thread (`name` is for readers of the code and of crash logs).
    public init(name: String, _ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        let rc = pthread_create(&handle, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        precondition(rc == 0, "pthread_create failed: \(rc)")
    }

    /// Waits for the thread to finish. Call once.
    public func join() {
        pthread_join(handle, nil)
    }
}
