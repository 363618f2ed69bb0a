#ifndef KGREC_CNGHTTP2_SHIM_H
#define KGREC_CNGHTTP2_SHIM_H
/* nghttp2, and the few static inline wrappers that pick its ...2 APIs where the library has
 * them. Only GRPCHTTP2's session owner (NGHTTP2Session.swift) and its callbacks import this
 * module; sockets, epoll and eventfd are in CPOSIX. */
#include <nghttp2/nghttp2.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- nghttp2: use the ...2 APIs where this libnghttp2 has them (>= 1.61) ---------------- */
#if NGHTTP2_VERSION_NUM >= 0x013d00
typedef nghttp2_ssize kg_ssize;
typedef nghttp2_data_source_read_callback2 kg_read_callback;
static inline kg_ssize kg_mem_send(nghttp2_session *s, const uint8_t **data) {
    return nghttp2_session_mem_send2(s, data);
}
static inline kg_ssize kg_mem_recv(nghttp2_session *s, const uint8_t *in, size_t n) {
    return nghttp2_session_mem_recv2(s, in, n);
}
static inline int kg_submit_response(nghttp2_session *s, int32_t sid, const nghttp2_nv *nva,
                                     size_t n, kg_read_callback cb) {
    if (!cb) return nghttp2_submit_response2(s, sid, nva, n, NULL);
    nghttp2_data_provider2 p; p.source.ptr = NULL; p.read_callback = cb;
    return nghttp2_submit_response2(s, sid, nva, n, &p);
}
static inline int32_t kg_submit_request(nghttp2_session *s, const nghttp2_nv *nva, size_t n,
                                        kg_read_callback cb, void *stream_user_data) {
    nghttp2_data_provider2 p; p.source.ptr = NULL; p.read_callback = cb;
    return nghttp2_submit_request2(s, NULL, nva, n, cb ? &p : NULL, stream_user_data);
}
#else
typedef ssize_t kg_ssize;
typedef nghttp2_data_source_read_callback kg_read_callback;
static inline kg_ssize kg_mem_send(nghttp2_session *s, const uint8_t **data) {
    return nghttp2_session_mem_send(s, data);
}
static inline kg_ssize kg_mem_recv(nghttp2_session *s, const uint8_t *in, size_t n) {
    return nghttp2_session_mem_recv(s, in, n);
}
static inline int kg_submit_response(nghttp2_session *s, int32_t sid, const nghttp2_nv *nva,
                                     size_t n, kg_read_callback cb) {
    if (!cb) return nghttp2_submit_response(s, sid, nva, n, NULL);
    nghttp2_data_provider p; p.source.ptr = NULL; p.read_callback = cb;
    return nghttp2_submit_response(s, sid, nva, n, &p);
}
static inline int32_t kg_submit_request(nghttp2_session *s, const nghttp2_nv *nva, size_t n,
                                        kg_read_callback cb, void *stream_user_data) {
    nghttp2_data_provider p; p.source.ptr = NULL; p.read_callback = cb;
    return nghttp2_submit_request(s, NULL, nva, n, cb ? &p : NULL, stream_user_data);
}
#endif

static inline nghttp2_nv kg_nv(const uint8_t *name, size_t namelen, const uint8_t *value,
                               size_t valuelen, uint8_t flags) {
    nghttp2_nv nv; nv.name = (uint8_t *)name; nv.namelen = namelen;
    nv.value = (uint8_t *)value; nv.valuelen = valuelen; nv.flags = flags;
    return nv;
}

#endif
