import CPOSIX
#if canImport(Glibc)
import Glibc
#endif

/// Readiness bits of an epoll registration or event.
public struct IOEvents: OptionSet, Sendable {
    public let rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }
    @inlinable public static var readable: IOEvents { IOEvents(rawValue: UInt32(KG_EV_IN)) }
    @inlinable public static var writable: IOEvents { IOEvents(rawValue: UInt32(KG_EV_OUT)) }
    /// Error, hang-up or peer half-close (always reported, never requested).
    @inlinable public static var error: IOEvents { IOEvents(rawValue: UInt32(KG_EV_ERR)) }
}

/// An epoll set (close-on-exec) whose registrations carry a 64-bit token.
public struct Epoll: ~Copyable {
    public let fd: Int32

    public init() throws(SystemError) {
        fd = try Syscall.checkNegated("epoll_create1") { kg_epoll_create() }
    }

    deinit { close(fd) }

    /// Adds `fd`; errors (an fd already closed) are returned as `-errno`, not thrown: the event
    /// loop's callers treat a failed registration like a closed peer.
    @inlinable @discardableResult
    public func add(_ target: Int32, _ events: IOEvents, token: UInt64) -> Int32 {
        kg_epoll_ctl(fd, Int32(KG_EPOLL_ADD), target, events.rawValue, token)
    }

    @inlinable @discardableResult
    public func modify(_ target: Int32, _ events: IOEvents, token: UInt64) -> Int32 {
        kg_epoll_ctl(fd, Int32(KG_EPOLL_MOD), target, events.rawValue, token)
    }

    @inlinable @discardableResult
    public func remove(_ target: Int32) -> Int32 {
        kg_epoll_ctl(fd, Int32(KG_EPOLL_DEL), target, 0, 0)
    }

    /// Waits up to `timeoutMillis` (-1: forever) for events into the parallel buffers
    /// (`tokens.count == flags.count`); returns how many arrived or `-errno` (EINTR retried).
    @inlinable
    public func wait(tokens: UnsafeMutableBufferPointer<UInt64>, flags: UnsafeMutableBufferPointer<UInt32>,
                     timeoutMillis: Int32) -> Int {
        Int(Syscall.retrying {
            kg_epoll_wait(fd, tokens.baseAddress, flags.baseAddress, Int32(min(tokens.count, flags.count)),
                          timeoutMillis)
        })
    }
}

/// A non-blocking, close-on-exec eventfd used to wake an epoll loop from other threads.
public struct EventFD: ~Copyable {
    public let fd: Int32

    public init() throws(SystemError) {
        fd = try Syscall.checkNegated("eventfd") { kg_eventfd() }
    }

    deinit { close(fd) }

    /// Makes the descriptor readable (thread-safe; a full counter already means "wake").
    @inlinable public func signal() { kg_eventfd_signal(fd) }

    /// Resets it to not readable.
    @inlinable public func drain() { kg_eventfd_drain(fd) }
}

/// Facts about the machine.
public enum SystemInfo {
    public static var onlineCPUs: Int { Int(kg_online_cpus()) }
}
