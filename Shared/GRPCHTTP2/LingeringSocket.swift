import GRPCCore
import KGRecPOSIX
#if canImport(Glibc)
import Glibc
#endif

/// A socket we are done with but whose last bytes (typically GOAWAY) the peer must still get.
/// Closing a socket with unread input makes the kernel send RST, which can destroy our queued
/// output before the peer reads it; so we half-close, discard whatever still arrives, and close
/// on the peer's EOF or after `timeout`.
final class LingeringSocket: LoopHandler {
    private let fd: Int32
    private unowned let loop: EventLoop
    private var token: UInt64 = 0
    private var closed = false

    static func start(fd: Int32, loop: EventLoop, timeoutNanos: UInt64 = 1_000_000_000) {
        let s = LingeringSocket(fd: fd, loop: loop)
        shutdown(fd, Int32(SHUT_WR))
        s.token = loop.register(fd: fd, events: .readable, handler: s)
        loop.lingeringFDs.insert(fd)
        loop.schedule(at: MonotonicClock.nanoseconds() &+ timeoutNanos) { [weak s] in s?.finish() }
    }

    private init(fd: Int32, loop: EventLoop) {
        self.fd = fd
        self.loop = loop
    }

    func handleEvent(_ events: IOEvents) {
        if closed { return }
        let buf = loop.readBuffer
        while true {
            let r = TCPSocket.read(fd, into: buf.baseAddress, count: buf.count)
            if r > 0 { continue }
            if Syscall.wouldBlock(r) { return }
            return finish()
        }
    }

    private func finish() {
        if closed { return }
        closed = true
        guard loop.lingeringFDs.remove(fd) != nil else { return }   // the loop already closed it
        loop.deregister(fd: fd, token: token)
        close(fd)
    }
}
