internal import CNGHTTP2
import GRPCCore

/// A failed nghttp2 call: which operation, nghttp2's error number, and what kind of failure.
struct HTTP2SessionError: Error, Hashable, Sendable, CustomStringConvertible {
    struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable { case creation, protocolViolation, submit, flowControl, output }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The session (or its options) could not be created (out of memory).
        static let creation = Code(.creation)
        /// The peer's bytes broke HTTP/2 (bad preface, flood, framing): the connection must close.
        static let protocolViolation = Code(.protocolViolation)
        /// A frame could not be queued (stream gone, bad argument, out of memory).
        static let submit = Code(.submit)
        /// Window credit could not be given back.
        static let flowControl = Code(.flowControl)
        /// nghttp2 could not produce output (a callback failed or memory ran out).
        static let output = Code(.output)

        var description: String { "\(value)" }
    }

    let code: Code
    let operation: String
    /// nghttp2's (negative) error number.
    let library: Int32

    init(_ code: Code, _ operation: String, _ library: Int) {
        self.code = code
        self.operation = operation
        self.library = Int32(truncatingIfNeeded: library)
    }

    /// True when nghttp2 rejected the peer's first bytes as not the HTTP/2 client preface.
    var isBadClientMagic: Bool { library == NGHTTP2_ERR_BAD_CLIENT_MAGIC.rawValue }

    var description: String {
        "\(operation) failed: \(String(cString: nghttp2_strerror(library))) (nghttp2 \(library))"
    }
}

/// What a stream's data source hands nghttp2 when asked for DATA bytes.
enum DataSourceRead {
    /// `count` bytes written; more will follow.
    case bytes(Int)
    /// `count` bytes written and the data is over: END_STREAM on this frame when `endStream`,
    /// else trailers follow (the source submitted them).
    case end(Int, endStream: Bool)
    /// Nothing to send now: nghttp2 waits for `resumeData`.
    case deferred
}

/// nghttp2 session options shared by many sessions (nghttp2 copies them into each session).
final class NGHTTP2Options: @unchecked Sendable {
    let raw: OpaquePointer

    /// Manual window updates (the transport returns credit as handlers take messages); for a
    /// server also a CONTINUATION limit and nghttp2's own RST_STREAM rate limit as a backstop
    /// above the transport's (`resetRateLimit` per second).
    init(server: Bool, resetRateLimit: UInt64 = 0) throws(HTTP2SessionError) {
        var o: OpaquePointer?
        let rc = nghttp2_option_new(&o)
        guard rc == 0, let o else { throw HTTP2SessionError(.creation, "nghttp2_option_new", Int(rc)) }
        nghttp2_option_set_no_auto_window_update(o, 1)
        if server {
            nghttp2_option_set_max_continuations(o, 16)
            nghttp2_option_set_stream_reset_rate_limit(o, resetRateLimit, 1000)
        }
        raw = o
    }

    deinit { nghttp2_option_del(raw) }
}

/// The owner of one nghttp2 session (the only type holding an `nghttp2_session *`): created
/// with its callbacks and options, freed in `deinit`. Every nghttp2 return code is checked here:
/// a failure is a thrown `HTTP2SessionError`, which the connection turns into a stream reset
/// or a connection close. Loop thread only, like the connection that owns it.
///
/// The connection's callbacks (`ServerCallbacks`, `ClientCallbacks`) receive the session's
/// `userData` (the connection) and use the stream user data set with `setStreamUserData`.
final class NGHTTP2Session {
    private let raw: OpaquePointer

    enum Role { case server, client }

    init(_ role: Role, callbacks: OpaquePointer, userData: UnsafeMutableRawPointer,
         options: NGHTTP2Options) throws(HTTP2SessionError) {
        var s: OpaquePointer?
        let rc = role == .server
            ? nghttp2_session_server_new2(&s, callbacks, userData, options.raw)
            : nghttp2_session_client_new2(&s, callbacks, userData, options.raw)
        guard rc == 0, let s else { throw HTTP2SessionError(.creation, "nghttp2_session_new", Int(rc)) }
        raw = s
    }

    deinit { nghttp2_session_del(raw) }

    // ---- bytes in and out ----------------------------------------------------------------------

    /// Feeds bytes read from the socket; the callbacks run inside. A failure means the peer broke
    /// the protocol (nghttp2 has queued GOAWAY where it could): the connection must close.
    @inline(__always)
    func receive(_ bytes: UnsafeRawPointer, count: Int) throws(HTTP2SessionError) {
        let rv = kg_mem_recv(raw, bytes.assumingMemoryBound(to: UInt8.self), count)
        if rv < 0 { throw HTTP2SessionError(.protocolViolation, "nghttp2_session_mem_recv", Int(rv)) }
    }

    /// The next chunk of output (valid until the next call), empty when nothing is pending.
    @inline(__always)
    func nextOutput() throws(HTTP2SessionError) -> UnsafeBufferPointer<UInt8> {
        var p: UnsafePointer<UInt8>?
        let n = kg_mem_send(raw, &p)
        if n < 0 { throw HTTP2SessionError(.output, "nghttp2_session_mem_send", Int(n)) }
        return UnsafeBufferPointer(start: p, count: Int(n))
    }

    var wantsRead: Bool { nghttp2_session_want_read(raw) != 0 }
    var wantsWrite: Bool { nghttp2_session_want_write(raw) != 0 }
    var lastProcessedStreamID: Int32 { nghttp2_session_get_last_proc_stream_id(raw) }

    // ---- settings and connection control ------------------------------------------------------

    struct Setting {
        let id: Int32
        let value: UInt32
        static func maxConcurrentStreams(_ v: Int) -> Setting {
            Setting(id: Int32(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS.rawValue), value: UInt32(clamping: v))
        }
        static func initialWindowSize(_ v: Int) -> Setting {
            Setting(id: Int32(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE.rawValue), value: UInt32(clamping: min(v, Int(Int32.max))))
        }
        static func maxHeaderListSize(_ v: Int) -> Setting {
            Setting(id: Int32(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE.rawValue), value: UInt32(clamping: v))
        }
        static let disablePush = Setting(id: Int32(NGHTTP2_SETTINGS_ENABLE_PUSH.rawValue), value: 0)
    }

    /// Queues our SETTINGS and opens the connection window to `connectionWindow` bytes.
    func start(settings: [Setting], connectionWindow: Int) throws(HTTP2SessionError) {
        var iv = settings.map { nghttp2_settings_entry(settings_id: $0.id, value: $0.value) }
        try check(nghttp2_submit_settings(raw, UInt8(NGHTTP2_FLAG_NONE.rawValue), &iv, iv.count),
                  .submit, "nghttp2_submit_settings")
        try check(nghttp2_session_set_local_window_size(raw, UInt8(NGHTTP2_FLAG_NONE.rawValue), 0,
                                                        Int32(clamping: max(65535, connectionWindow))),
                  .flowControl, "nghttp2_session_set_local_window_size")
    }

    /// The peer's value of `setting` (for tests and diagnostics).
    func remoteSetting(_ setting: Setting) -> UInt32 {
        nghttp2_session_get_remote_settings(raw, nghttp2_settings_id(UInt32(setting.id)))
    }

    func submitPing() throws(HTTP2SessionError) {
        try check(nghttp2_submit_ping(raw, UInt8(NGHTTP2_FLAG_NONE.rawValue), nil), .submit, "nghttp2_submit_ping")
    }

    /// GOAWAY naming the last stream we processed.
    func submitGoAway(_ code: HTTP2ErrorCode) throws(HTTP2SessionError) {
        try check(nghttp2_submit_goaway(raw, UInt8(NGHTTP2_FLAG_NONE.rawValue), lastProcessedStreamID,
                                        code.rawValue, nil, 0), .submit, "nghttp2_submit_goaway")
    }

    /// GOAWAY with `code`, after which the session wants neither to read nor to write.
    func terminate(_ code: HTTP2ErrorCode) throws(HTTP2SessionError) {
        try check(nghttp2_session_terminate_session(raw, code.rawValue), .submit, "nghttp2_session_terminate_session")
    }

    /// Window credit for a connection-level window only (bytes of streams already gone).
    func consumeConnection(_ n: Int) throws(HTTP2SessionError) {
        if n > 0 { try check(nghttp2_session_consume_connection(raw, n), .flowControl, "nghttp2_session_consume_connection") }
    }

    // ---- streams -------------------------------------------------------------------------------

    func submitReset(stream id: Int32, _ code: HTTP2ErrorCode) throws(HTTP2SessionError) {
        try check(nghttp2_submit_rst_stream(raw, UInt8(NGHTTP2_FLAG_NONE.rawValue), id, code.rawValue),
                  .submit, "nghttp2_submit_rst_stream")
    }

    /// Window credit for `n` bytes of stream `id` (and the connection).
    func consume(stream id: Int32, _ n: Int) throws(HTTP2SessionError) {
        if n > 0 { try check(nghttp2_session_consume(raw, id, n), .flowControl, "nghttp2_session_consume") }
    }

    /// Wakes a deferred data source. False when the stream is gone or was not deferred (both
    /// normal: a stream may close between deferring and resuming); other failures throw.
    @discardableResult
    func resumeData(stream id: Int32) throws(HTTP2SessionError) -> Bool {
        let rc = nghttp2_session_resume_data(raw, id)
        if rc == NGHTTP2_ERR_INVALID_ARGUMENT.rawValue { return false }
        try check(rc, .submit, "nghttp2_session_resume_data")
        return true
    }

    func setStreamUserData(stream id: Int32, _ pointer: UnsafeMutableRawPointer?) throws(HTTP2SessionError) {
        try check(nghttp2_session_set_stream_user_data(raw, id, pointer), .submit, "nghttp2_session_set_stream_user_data")
    }

    @inline(__always)
    func streamUserData(stream id: Int32) -> UnsafeMutableRawPointer? {
        nghttp2_session_get_stream_user_data(raw, id)
    }

    /// Response headers on a server stream; DATA follows from the stream's data source when
    /// `withBody` (`ServerCallbacks.readData`), else the headers end the stream.
    func submitResponse(stream id: Int32, headers: HeaderList, withBody: Bool) throws(HTTP2SessionError) {
        let rc = headers.withNV { nv, n in kg_submit_response(raw, id, nv, n, withBody ? ServerCallbacks.readData : nil) }
        try check(rc, .submit, "nghttp2_submit_response")
    }

    /// `:status 200`, gRPC content-type and accept-encoding, with a body: the hot path's
    /// constant block, passed without copying.
    func submitOKResponse(stream id: Int32) throws(HTTP2SessionError) {
        try check(kg_submit_response(raw, id, StaticHeaders.okResponse.nv, StaticHeaders.okResponse.count,
                                     ServerCallbacks.readData), .submit, "nghttp2_submit_response")
    }

    /// Trailers (a final HEADERS with END_STREAM).
    func submitTrailers(stream id: Int32, headers: HeaderList) throws(HTTP2SessionError) {
        let rc = headers.withNV { nv, n in nghttp2_submit_trailer(raw, id, nv, n) }
        try check(rc, .submit, "nghttp2_submit_trailer")
    }

    /// `grpc-status: 0` trailers, the hot path's constant block.
    func submitOKTrailers(stream id: Int32) throws(HTTP2SessionError) {
        try check(nghttp2_submit_trailer(raw, id, StaticHeaders.okTrailers.nv, StaticHeaders.okTrailers.count),
                  .submit, "nghttp2_submit_trailer")
    }

    /// A client request whose body comes from `ClientCallbacks.readData`; returns the stream id.
    func submitRequest(headers: HeaderList, streamUserData: UnsafeMutableRawPointer) throws(HTTP2SessionError) -> Int32 {
        let id = headers.withNV { nv, n in kg_submit_request(raw, nv, n, ClientCallbacks.readData, streamUserData) }
        try check(id, .submit, "nghttp2_submit_request")
        return id
    }

    @inline(__always)
    private func check<T: BinaryInteger>(_ rc: T, _ code: HTTP2SessionError.Code, _ operation: String)
        throws(HTTP2SessionError) {
        if rc < 0 { throw HTTP2SessionError(code, operation, Int(rc)) }
    }
}

/// Maps a data source's answer onto nghttp2's data-callback contract (bytes or an error number,
/// EOF flags). Used by both sides' `readData` callbacks.
@inline(__always)
func nghttp2DataResult(_ r: DataSourceRead, flags: UnsafeMutablePointer<UInt32>) -> Int {
    switch r {
    case .bytes(let n):
        return n
    case .end(let n, let endStream):
        flags.pointee |= UInt32(NGHTTP2_DATA_FLAG_EOF.rawValue)
        if !endStream { flags.pointee |= UInt32(NGHTTP2_DATA_FLAG_NO_END_STREAM.rawValue) }
        return n
    case .deferred:
        return Int(NGHTTP2_ERR_DEFERRED.rawValue)
    }
}

extension HeaderList {
    /// The block as nghttp2 name/value pairs, valid during `body` (nghttp2 copies them).
    fileprivate func withNV<R>(_ body: (UnsafePointer<nghttp2_nv>, Int) -> R) -> R {
        let spans = self.spans
        return bytes.withUnsafeBufferPointer { b in
            let base = b.baseAddress ?? UnsafePointer(bitPattern: 1)!
            return withUnsafeTemporaryAllocation(of: nghttp2_nv.self, capacity: max(1, spans.count)) { nv in
                for (i, s) in spans.enumerated() {
                    nv[i] = kg_nv(base + s.0, s.1, base + s.2, s.3, UInt8(NGHTTP2_NV_FLAG_NONE.rawValue))
                }
                return body(UnsafePointer(nv.baseAddress!), spans.count)
            }
        }
    }
}

/// Constant header blocks of the hot path, allocated once, passed to nghttp2 with NO_COPY.
private enum StaticHeaders {
    /// `:status 200`, `content-type: application/grpc`, `grpc-accept-encoding: identity`.
    nonisolated(unsafe) static let okResponse = make([
        (":status", "200"), ("content-type", "application/grpc"),
        ("grpc-accept-encoding", "identity"),
    ])
    /// `grpc-status: 0`.
    nonisolated(unsafe) static let okTrailers = make([("grpc-status", "0")])

    struct Block {
        let nv: UnsafeMutablePointer<nghttp2_nv>
        let count: Int
    }

    static func make(_ pairs: [(String, String)]) -> Block {
        let nv = UnsafeMutablePointer<nghttp2_nv>.allocate(capacity: pairs.count)
        for (i, (n, v)) in pairs.enumerated() {
            let nb = UnsafeMutablePointer<UInt8>.allocate(capacity: n.utf8.count)
            nb.initialize(from: Array(n.utf8), count: n.utf8.count)
            let vb = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, v.utf8.count))
            vb.initialize(from: Array(v.utf8), count: v.utf8.count)
            let flags = UInt8(NGHTTP2_NV_FLAG_NO_COPY_NAME.rawValue | NGHTTP2_NV_FLAG_NO_COPY_VALUE.rawValue)
            nv[i] = kg_nv(nb, n.utf8.count, vb, v.utf8.count, flags)
        }
        return Block(nv: nv, count: pairs.count)
    }
}
