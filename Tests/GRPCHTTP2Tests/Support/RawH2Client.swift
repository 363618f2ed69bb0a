import CNGHTTP2
import KGRecPOSIX
import GRPCCore
@testable import GRPCHTTP2
#if canImport(Glibc)
import Glibc
#endif

/// A hand-driven HTTP/2 client for protocol tests: an nghttp2 client session over a loopback
/// socket, pumped explicitly, so tests can send exactly the headers, bytes and resets they want
/// and observe statuses, GOAWAY and connection closure. Blocking with short poll timeouts. The
/// only test file that touches nghttp2: tests speak in settings, windows and error codes.
/// Without a socket (`init(inMemory:)`) its bytes move through `output()` and `receive(_:)`
/// (`InMemoryConnection` joins it to a server connection).
final class RawH2Client: @unchecked Sendable {
    /// The SETTINGS parameters tests send (RFC 9113 §6.5.2).
    enum Setting: Int32 {
        case maxConcurrentStreams = 3
        case initialWindowSize = 4
    }

    /// The largest flow-control window HTTP/2 allows.
    static let maxWindow = UInt32(Int32.max)

    struct StreamResult {
        var httpStatus = 0
        var headers: [(String, String)] = []
        var trailers: [(String, String)] = []
        var data: [UInt8] = []
        var closed = false
        var resetCode: HTTP2ErrorCode?
        var grpcStatus: UInt8? {
            let all = headers + trailers
            return all.first { $0.0 == "grpc-status" }.flatMap { UInt8($0.1) }
        }
        var grpcMessage: String? { (headers + trailers).first { $0.0 == "grpc-message" }?.1 }
    }

    /// The socket; -1 in memory.
    let fd: Int32
    var session: OpaquePointer?
    var streams: [Int32: StreamResult] = [:]
    var bodies: [Int32: (bytes: [UInt8], end: Bool)] = [:]
    var goawayCode: HTTP2ErrorCode?
    var connectionClosed = false
    /// When false, the client stops reading the socket (a client that never reads).
    var reading = true
    /// When set, our output goes out in `send`s of at most this many bytes, ~100 µs apart, so
    /// the server sees frames split at every byte boundary.
    var dribbleBytes: Int?

    /// `openWindows`: INITIAL_WINDOW_SIZE and the connection window at `maxWindow`, so flow
    /// control never stops the server (only its own bounds can).
    init(port: Int, settings: [Setting: UInt32] = [:], openWindows: Bool = false, sendPreface: Bool = true) throws {
        let fd = try TCPSocket.connect(host: "127.0.0.1", port: port)
        self.fd = fd
        var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        _ = poll(&pfd, 1, 2000)
        guard sendPreface else { return }
        startSession(settings: settings, openWindows: openWindows)
    }

    /// A client with no socket: what it sends comes from `output()`, what it receives goes to
    /// `receive(_:)`.
    init(inMemory settings: [Setting: UInt32] = [:], openWindows: Bool = false) {
        fd = -1
        startSession(settings: settings, openWindows: openWindows)
    }

    private func startSession(settings: [Setting: UInt32], openWindows: Bool) {
        var cb: OpaquePointer?
        nghttp2_session_callbacks_new(&cb)
        defer { nghttp2_session_callbacks_del(cb) }
        nghttp2_session_callbacks_set_on_header_callback(cb) { _, frame, name, nl, value, vl, _, user in
            let me = Unmanaged<RawH2Client>.fromOpaque(user!).takeUnretainedValue()
            let f = frame!.pointee
            let n = String(decoding: UnsafeBufferPointer(start: name, count: nl), as: UTF8.self)
            let v = String(decoding: UnsafeBufferPointer(start: value, count: vl), as: UTF8.self)
            let id = f.hd.stream_id
            if f.headers.cat == NGHTTP2_HCAT_HEADERS {
                me.streams[id, default: StreamResult()].trailers.append((n, v))
            } else {
                if n == ":status" { me.streams[id, default: StreamResult()].httpStatus = Int(v) ?? 0 }
                me.streams[id, default: StreamResult()].headers.append((n, v))
            }
            return 0
        }
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb) { _, _, id, data, len, user in
            let me = Unmanaged<RawH2Client>.fromOpaque(user!).takeUnretainedValue()
            me.streams[id, default: StreamResult()].data.append(contentsOf: UnsafeBufferPointer(start: data, count: len))
            return 0
        }
        nghttp2_session_callbacks_set_on_stream_close_callback(cb) { _, id, code, user in
            let me = Unmanaged<RawH2Client>.fromOpaque(user!).takeUnretainedValue()
            me.streams[id, default: StreamResult()].closed = true
            if code != 0 { me.streams[id, default: StreamResult()].resetCode = HTTP2ErrorCode(rawValue: code) }
            return 0
        }
        nghttp2_session_callbacks_set_on_frame_recv_callback(cb) { _, frame, user in
            let me = Unmanaged<RawH2Client>.fromOpaque(user!).takeUnretainedValue()
            if frame!.pointee.hd.type == UInt8(NGHTTP2_GOAWAY.rawValue) {
                me.goawayCode = HTTP2ErrorCode(rawValue: frame!.pointee.goaway.error_code)
            }
            return 0
        }
        var s: OpaquePointer?
        nghttp2_session_client_new(&s, cb, Unmanaged.passUnretained(self).toOpaque())
        session = s
        var all = settings
        if openWindows { all[.initialWindowSize] = Self.maxWindow }
        submit(settings: all)
        if openWindows { openConnectionWindow() }
    }

    /// Queues a SETTINGS frame (sent by the next pump).
    func submit(settings: [Setting: UInt32]) {
        var iv = settings.sorted { $0.key.rawValue < $1.key.rawValue }
            .map { nghttp2_settings_entry(settings_id: $0.key.rawValue, value: $0.value) }
        nghttp2_submit_settings(session, 0, &iv, iv.count)
    }

    /// Raises the connection's receive window from the initial 65,535 bytes to `maxWindow`.
    func openConnectionWindow() {
        nghttp2_submit_window_update(session, 0, 0, Int32.max - 65535)
    }

    /// The value of a setting the server sent.
    func serverSetting(_ s: Setting) -> UInt32 {
        nghttp2_session_get_remote_settings(session, nghttp2_settings_id(rawValue: UInt32(s.rawValue)))
    }

    deinit {
        if let s = session { nghttp2_session_del(s) }
        if fd >= 0 { close(fd) }
    }

    /// Everything the session wants to send now (preface, SETTINGS, frames); empty when nothing.
    func output() -> [UInt8] {
        var bytes: [UInt8] = []
        forEachOutputChunk { bytes.append(contentsOf: $0); return true }
        return bytes
    }

    /// Hands each chunk nghttp2 produces to `body` (valid only inside it) until nothing is
    /// pending or `body` returns false.
    private func forEachOutputChunk(_ body: (UnsafeBufferPointer<UInt8>) -> Bool) {
        guard let s = session else { return }
        while true {
            var p: UnsafePointer<UInt8>?
            let n = nghttp2_session_mem_send(s, &p)
            if n <= 0 || !body(UnsafeBufferPointer(start: p, count: n)) { return }
        }
    }

    /// Feeds bytes from the server to the session (its callbacks record streams and GOAWAY).
    func receive(_ bytes: UnsafeRawBufferPointer) {
        guard let s = session, let base = bytes.baseAddress else { return }
        _ = nghttp2_session_mem_recv(s, base.assumingMemoryBound(to: UInt8.self), bytes.count)
    }

    /// Submits a request; `body` nil → END_STREAM on HEADERS. `endStream` false keeps the
    /// request open for `send(stream:)`.
    @discardableResult
    func request(path: String, method: String = "POST", contentType: String? = "application/grpc",
                 extraHeaders: [(String, String)] = [], body: [UInt8]? = nil, endStream: Bool = true) -> Int32 {
        var h: [(String, String)] = [(":method", method), (":scheme", "http"), (":path", path),
                                     (":authority", "localhost"), ("te", "trailers")]
        if let ct = contentType { h.append(("content-type", ct)) }
        h += extraHeaders
        let strings = h.map { (Array($0.0.utf8), Array($0.1.utf8)) }
        var id: Int32 = -1
        var nvs: [nghttp2_nv] = []
        var keep: [UnsafeMutablePointer<UInt8>] = []
        for (n, v) in strings {
            let np = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, n.count)); np.initialize(from: n, count: n.count)
            let vp = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, v.count)); vp.initialize(from: v, count: v.count)
            keep += [np, vp]
            nvs.append(kg_nv(np, n.count, vp, v.count, 0))
        }
        defer { for p in keep { p.deallocate() } }
        if body == nil && endStream {
            id = nghttp2_submit_request(session, nil, nvs, nvs.count, nil, nil)
        } else {
            var provider = nghttp2_data_provider()
            provider.read_callback = { _, id, buf, len, flags, _, user in
                let me = Unmanaged<RawH2Client>.fromOpaque(user!).takeUnretainedValue()
                guard var b = me.bodies[id] else { return Int(NGHTTP2_ERR_DEFERRED.rawValue) }
                let n = min(len, b.bytes.count)
                b.bytes.withUnsafeBufferPointer { buf!.update(from: $0.baseAddress!, count: n) }
                b.bytes.removeFirst(n)
                me.bodies[id] = b
                if b.bytes.isEmpty && b.end { flags!.pointee |= UInt32(NGHTTP2_DATA_FLAG_EOF.rawValue); return n }
                return n == 0 ? Int(NGHTTP2_ERR_DEFERRED.rawValue) : n
            }
            id = nghttp2_submit_request(session, nil, nvs, nvs.count, &provider, nil)
            bodies[id] = (body ?? [], endStream)
        }
        streams[id] = StreamResult()
        return id
    }

    /// More request body bytes for an open stream.
    func send(stream id: Int32, _ bytes: [UInt8], end: Bool = false) {
        var b = bodies[id] ?? ([], false)
        b.bytes += bytes
        b.end = end
        bodies[id] = b
        nghttp2_session_resume_data(session, id)
    }

    func reset(stream id: Int32, code: HTTP2ErrorCode = .cancel) {
        nghttp2_submit_rst_stream(session, 0, id, code.rawValue)
    }

    /// Writes bytes straight to the socket (for garbage and malformed frames).
    func writeRaw(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { TCPSocket.send(fd, $0.baseAddress, count: $0.count) }
    }

    /// One round: flush our frames, then read what arrives within `timeoutMs`.
    func pumpSync(timeoutMs: Int32 = 50) {
        var stopped = false
        forEachOutputChunk { chunk in
            let (p, n) = (chunk.baseAddress!, chunk.count)
            var off = 0
            while off < n {
                if dribbleBytes != nil { usleep(100) }
                let w = TCPSocket.send(fd, p + off, count: min(n - off, dribbleBytes ?? n))
                if w > 0 { off += w } else if w == -Int(EAGAIN) {
                    var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    if poll(&pfd, 1, timeoutMs) <= 0 { stopped = true; return false }
                } else { connectionClosed = true; stopped = true; return false }
            }
            return true
        }
        if stopped { return }
        guard reading, !connectionClosed else { return }
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        if poll(&pfd, 1, timeoutMs) <= 0 { return }
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let r = buf.withUnsafeMutableBytes { TCPSocket.read(fd, into: $0.baseAddress, count: $0.count) }
            if r > 0 {
                buf.withUnsafeBytes { receive(UnsafeRawBufferPointer(rebasing: $0[..<r])) }
            } else if r == 0 || r != -Int(EAGAIN) {
                connectionClosed = true
                return
            } else {
                return
            }
        }
    }

    /// Pumps until `stream` closes (or the connection does, or ~5 s pass).
    func runUntilClosed(stream id: Int32) async throws -> StreamResult {
        await offThread {
            for _ in 0..<100 {
                if self.streams[id]?.closed == true || self.connectionClosed { break }
                self.pumpSync()
            }
        }
        guard let r = streams[id] else { throw NoSuchStream(id: id) }
        return r
    }

    /// Pumps until the server closes the connection (or ~5 s pass). True if it did.
    func runUntilConnectionClosed() async -> Bool {
        await offThread { for _ in 0..<100 where !self.connectionClosed { self.pumpSync() } }
        return connectionClosed
    }

    /// One round (see `pumpSync`) on a plain thread, so blocking never starves Swift's
    /// cooperative pool (which runs the server's task handlers in this same process).
    func pump(timeoutMs: Int32 = 50) async {
        await offThread { self.pumpSync(timeoutMs: timeoutMs) }
    }
}

struct NoSuchStream: Error { let id: Int32 }

/// Runs blocking `body` on a new pthread and waits for it without holding a cooperative thread.
func offThread(_ body: @escaping @Sendable () -> Void) async {
    await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
        final class Box: @unchecked Sendable {
            let run: () -> Void
            init(_ run: @escaping () -> Void) { self.run = run }
        }
        let box = Unmanaged.passRetained(Box { body(); c.resume() }).toOpaque()
        var tid = pthread_t()
        pthread_create(&tid, nil, { arg in
            let b = Unmanaged<Box>.fromOpaque(arg!).takeRetainedValue()
            b.run()
            return nil
        }, box)
        pthread_detach(tid)
    }
}
