internal import CNGHTTP2
import GRPCCore

/// The nghttp2 server callbacks. Closures capture nothing; the connection comes back from
/// `user_data` and the stream from the stream's user data. Pointers handed to callbacks die at
/// the next `mem_recv`, so everything kept is copied.
enum ServerCallbacks {
    nonisolated(unsafe) static let callbacks: OpaquePointer = {
        var cb: OpaquePointer?
        nghttp2_session_callbacks_new(&cb)
        nghttp2_session_callbacks_set_on_begin_headers_callback(cb, onBeginHeaders)
        nghttp2_session_callbacks_set_on_header_callback(cb, onHeader)
        nghttp2_session_callbacks_set_on_frame_recv_callback(cb, onFrameRecv)
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, onDataChunk)
        nghttp2_session_callbacks_set_on_stream_close_callback(cb, onStreamClose)
        nghttp2_session_callbacks_set_on_frame_send_callback(cb, onFrameSend)
        nghttp2_session_callbacks_set_on_frame_not_send_callback(cb, onFrameNotSend)
        return cb!
    }()

    static let readData: kg_read_callback = { session, streamID, buf, length, flags, _, user in
        Unmanaged<ServerConnection>.fromOpaque(user!)._withUnsafeGuaranteedRef { conn in
            guard let s = conn.stream(streamID) else { return Int(NGHTTP2_ERR_DEFERRED.rawValue) }
            return nghttp2DataResult(s.readData(into: buf!, length: length), flags: flags!)
        }
    }

    /// Runs `body` with the connection behind `user_data`, borrowed without a retain: the
    /// connection owns the session whose `mem_recv` / `mem_send` runs the callback, so it
    /// outlives the call (a retain and release per callback, ten or so per call, saved).
    @inline(__always)
    static func withConnection(_ user: UnsafeMutableRawPointer?, _ body: (ServerConnection) -> Int32) -> Int32 {
        Unmanaged<ServerConnection>.fromOpaque(user!)._withUnsafeGuaranteedRef(body)
    }

    static let onBeginHeaders: nghttp2_on_begin_headers_callback = { _, frame, user in
        let f = frame!.pointee
        guard f.hd.type == UInt8(NGHTTP2_HEADERS.rawValue) && f.headers.cat == NGHTTP2_HCAT_REQUEST else { return 0 }
        return withConnection(user) { conn in
            _ = conn.streamOpened(f.hd.stream_id)
            return 0
        }
    }

    static let onHeader: nghttp2_on_header_callback = { _, frame, name, namelen, value, valuelen, _, user in
        let f = frame!.pointee
        guard f.hd.type == UInt8(NGHTTP2_HEADERS.rawValue), f.headers.cat == NGHTTP2_HCAT_REQUEST else { return 0 }
        return withConnection(user) { conn in
            conn.stream(f.hd.stream_id)?.headerReceived(name: UnsafeRawBufferPointer(start: name, count: namelen),
                                                        value: UnsafeRawBufferPointer(start: value, count: valuelen))
            return 0
        }
    }

    static let onFrameRecv: nghttp2_on_frame_recv_callback = { _, frame, user in
        let f = frame!.pointee
        let endStream = f.hd.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0
        return withConnection(user) { conn in
            switch UInt32(f.hd.type) {
            case NGHTTP2_HEADERS.rawValue:
                guard let s = conn.stream(f.hd.stream_id) else { return 0 }
                if f.headers.cat == NGHTTP2_HCAT_REQUEST { s.headersComplete() }
                if endStream { s.requestComplete() }
            case NGHTTP2_DATA.rawValue:
                if endStream, let s = conn.stream(f.hd.stream_id) { s.requestComplete() }
            case NGHTTP2_RST_STREAM.rawValue:
                // Rapid reset is streams opened and reset before we answer; a client cancelling a
                // call we already answered (headers sent) is ordinary and not counted.
                if conn.stream(f.hd.stream_id)?.state.responseStarted != true { conn.resetReceived() }
            case NGHTTP2_PING.rawValue:
                if f.hd.flags & UInt8(NGHTTP2_FLAG_ACK.rawValue) != 0 { conn.pingAcked() }
            default:
                break
            }
            return 0
        }
    }

    static let onDataChunk: nghttp2_on_data_chunk_recv_callback = { _, _, streamID, data, len, user in
        withConnection(user) { conn in
            if let s = conn.stream(streamID) {
                s.receiveData(UnsafeRawBufferPointer(start: data, count: len))
            } else {
                conn.consumeConnection(len)
            }
            return 0
        }
    }

    /// After our END_STREAM on a stream the client is still sending on, RST_STREAM(NO_ERROR)
    /// tells it to stop (PROTOCOL-HTTP2 allows this once the status is out).
    static let onFrameSend: nghttp2_on_frame_send_callback = { session, frame, user in
        let f = frame!.pointee
        guard f.hd.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0,
              f.hd.type == UInt8(NGHTTP2_HEADERS.rawValue) || f.hd.type == UInt8(NGHTTP2_DATA.rawValue) else { return 0 }
        return withConnection(user) { conn in
            if let s = conn.stream(f.hd.stream_id), !s.state.requestEnded { conn.resetStream(f.hd.stream_id, .noError) }
            return 0
        }
    }

    /// nghttp2 refused to send a frame (e.g. a header block over its 64 KiB limit, from huge
    /// trailing metadata). Without this the stream would wait for its end forever with its slot
    /// taken: reset it instead (the client sees RST_STREAM INTERNAL_ERROR).
    static let onFrameNotSend: nghttp2_on_frame_not_send_callback = { _, frame, _, user in
        let f = frame!.pointee
        guard f.hd.type == UInt8(NGHTTP2_HEADERS.rawValue) || f.hd.type == UInt8(NGHTTP2_DATA.rawValue),
              f.hd.stream_id > 0 else { return 0 }
        return withConnection(user) { conn in
            conn.resetStream(f.hd.stream_id, .internalError)
            return 0
        }
    }

    static let onStreamClose: nghttp2_on_stream_close_callback = { _, streamID, errorCode, user in
        withConnection(user) { conn in
            if let s = conn.stream(streamID) { conn.streamClosed(s, errorCode: errorCode) }
            return 0
        }
    }
}
