import KGRecPOSIX
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct TCPSocketTests {
    @Test func listenOnPortZeroReportsTheBoundPortAndTheProbeSeesItTaken() throws {
        let (fd, port) = try TCPSocket.listen(host: "127.0.0.1", port: 0, backlog: 4)
        defer { close(fd) }
        #expect(port > 0)
        do {
            try TCPSocket.probeBind(host: "127.0.0.1", port: port)
            Issue.record("expected EADDRINUSE")
        } catch {
            #expect(error.errno == EADDRINUSE)
        }
    }

    @Test func aReusePortListenerStillCountsAsTakingThePortForTheProbe() throws {
        let (fd, port) = try TCPSocket.listen(host: "127.0.0.1", port: 0, reusePort: true)
        defer { close(fd) }
        let second = try TCPSocket.listen(host: "127.0.0.1", port: port, reusePort: true)
        close(second.fd)
        #expect(second.port == port)
        #expect(throws: SystemError("bind 127.0.0.1:\(port)", errno: EADDRINUSE)) {
            try TCPSocket.probeBind(host: "127.0.0.1", port: port)
        }
    }

    @Test func anUnresolvableHostIsEADDRNOTAVAIL() {
        #expect(throws: SystemError("bind 256.0.0.1:0", errno: EADDRNOTAVAIL)) {
            try TCPSocket.listen(host: "256.0.0.1", port: 0)
        }
    }

    @Test func aPortOutOfRangeIsEINVAL() {
        #expect(throws: SystemError("bind port 70000", errno: EINVAL)) {
            try TCPSocket.listen(host: "127.0.0.1", port: 70000)
        }
    }

    @Test func connectAcceptSendReadRoundTrip() throws {
        let (lfd, port) = try TCPSocket.listen(host: "127.0.0.1", port: 0)
        defer { close(lfd) }
        let cfd = try TCPSocket.connect(host: "127.0.0.1", port: port)
        defer { close(cfd) }
        var pfd = pollfd(fd: lfd, events: Int16(POLLIN), revents: 0)
        #expect(poll(&pfd, 1, 5000) == 1)
        var peer = [CChar](repeating: 0, count: 64)
        let afd = peer.withUnsafeMutableBufferPointer { TCPSocket.accept(lfd, peer: $0) }
        #expect(afd >= 0)
        defer { close(afd) }
        #expect(String(cString: peer).hasPrefix("127.0.0.1:"))
        #expect(TCPSocket.pendingError(cfd) == 0)
        let payload: [UInt8] = [1, 2, 3]
        #expect(payload.withUnsafeBytes { TCPSocket.send(cfd, $0.baseAddress, count: 3) } == 3)
        var rfd = pollfd(fd: afd, events: Int16(POLLIN), revents: 0)
        #expect(poll(&rfd, 1, 5000) == 1)
        var buf = [UInt8](repeating: 0, count: 8)
        let n = buf.withUnsafeMutableBytes { TCPSocket.read(afd, into: $0.baseAddress, count: $0.count) }
        #expect(n == 3)
        #expect(Array(buf[0..<3]) == payload)
        // Nothing more pending: a non-blocking read would block.
        let again = buf.withUnsafeMutableBytes { TCPSocket.read(afd, into: $0.baseAddress, count: $0.count) }
        #expect(Syscall.wouldBlock(again))
    }
}

@Suite struct SyscallTests {
    @Test func retryingRepeatsOnlyEINTR() {
        var calls = 0
        let r = Syscall.retrying { () -> Int in
            calls += 1
            return calls < 3 ? -Int(EINTR) : 7
        }
        #expect(r == 7 && calls == 3)
        calls = 0
        #expect(Syscall.retrying { () -> Int in calls += 1; return -Int(EAGAIN) } == -Int(EAGAIN))
        #expect(calls == 1)
    }

    @Test func checkTurnsMinusOneIntoSystemErrorWithErrno() {
        #expect(throws: SystemError("close", errno: EBADF)) { try Syscall.check("close") { close(-1) } }
    }
}
