internal import CNGHTTP2
import GRPCCore

/// The nghttp2 client callbacks: the connection from `user_data`, the call from the stream's
/// user data.
enum ClientCallbacks {
    nonisolated(unsafe) static let callbacks: OpaquePointer = {
        var cb: OpaquePointer?
        nghttp2_session_callbacks_new(&cb)
        nghttp2_session_callbacks_set_on_header_callback(cb, onHeader)
        nghttp2_session_callbacks_set_on_frame_recv_callback(cb, onFrameRecv)
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, onDataChunk)
        nghttp2_session_callbacks_set_on_stream_close_callback(cb, onStreamClose)
        return cb!
    }()

    /// Manual window updates (shared by every client session; nghttp2 copies options).
    static let options: NGHTTP2Options = {
        // swiftlint:disable:next force_try
        try! NGHTTP2Options(server: false)   // fails only when out of memory at start-up
    }()

    @inline(__always)
    static func connection(_ user: UnsafeMutableRawPointer?) -> ClientConnection {
        Unmanaged<ClientConnection>.fromOpaque(user!).takeUnretainedValue()
    }

    static let readData: kg_read_callback = { _, streamID, buf, length, flags, _, user in
        guard let c = connection(user).call(streamID) else { return Int(NGHTTP2_ERR_DEFERRED.rawValue) }
        return nghttp2DataResult(c.loopReadData(into: buf!, length: length), flags: flags!)
    }

    static let onHeader: nghttp2_on_header_callback = { _, frame, name, namelen, value, valuelen, _, user in
        let f = frame!.pointee
        guard f.hd.type == UInt8(NGHTTP2_HEADERS.rawValue), let call = connection(user).call(f.hd.stream_id) else {
            return 0
        }
        call.headerBytes += namelen + valuelen + 32
        if call.headerBytes > call.maxHeaderBytes {
            call.loopCancel(Status(code: .resourceExhausted,
                                   message: "response headers exceed \(call.maxHeaderBytes) bytes"))
            return 0
        }
        let n = UnsafeRawBufferPointer(start: name, count: namelen)
        let v = UnsafeRawBufferPointer(start: value, count: valuelen)
        if RequestHead.equal(n, ":status") {
            call.httpStatus = Int(String(decoding: v, as: UTF8.self)) ?? 0
        } else if RequestHead.equal(n, "content-type") {
            call.contentTypeOK = ContentType.classify(v) == .grpcProto
        } else if RequestHead.equal(n, "grpc-status") {
            let code = UInt8(String(decoding: v, as: UTF8.self)) ?? StatusCode.unknown.rawValue
            call.sawGRPCStatus = StatusCode(rawValue: code)
        } else if RequestHead.equal(n, "grpc-message") {
            call.grpcMessage = PercentEncoding.decode(v)
        } else if namelen > 0 && n[0] != UInt8(ascii: ":") {
            let key = String(decoding: n, as: UTF8.self)
            if HeaderList.isReserved(key) { return 0 }
            if key.hasSuffix("-bin") {
                if let b = Base64.decode(v) { call.responseHeaders.add(key, binary: b) }
            } else {
                call.responseHeaders.add(key, String(decoding: v, as: UTF8.self))
            }
        }
        return 0
    }

    static let onFrameRecv: nghttp2_on_frame_recv_callback = { _, frame, user in
        let f = frame!.pointee
        let conn = connection(user)
        let endStream = f.hd.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0
        switch UInt32(f.hd.type) {
        case NGHTTP2_HEADERS.rawValue:
            guard let call = conn.call(f.hd.stream_id) else { return 0 }
            if f.headers.cat == NGHTTP2_HCAT_RESPONSE {
                call.loopHeadersDone(endStream: endStream)
            } else if f.headers.cat == NGHTTP2_HCAT_HEADERS && endStream {
                call.loopTrailersDone()
            }
        case NGHTTP2_GOAWAY.rawValue:
            conn.goawayFrameReceived()
        case NGHTTP2_PING.rawValue:
            if f.hd.flags & UInt8(NGHTTP2_FLAG_ACK.rawValue) != 0 { conn.pingAcked() }
        default:
            break
        }
        return 0
    }

    static let onDataChunk: nghttp2_on_data_chunk_recv_callback = { _, _, streamID, data, len, user in
        let conn = connection(user)
        if let call = conn.call(streamID) {
            call.loopData(UnsafeRawBufferPointer(start: data, count: len))
        } else {
            conn.consumeConnection(len)
        }
        return 0
    }

    static let onStreamClose: nghttp2_on_stream_close_callback = { _, streamID, errorCode, user in
        let conn = connection(user)
        if let call = conn.call(streamID) { conn.callClosed(call, errorCode: errorCode) }
        return 0
    }
}
