#ifndef KGREC_CNGHTTP2_SHIM_H
#define KGREC_CNGHTTP2_SHIM_H
/* The one C header of the HTTP/2 transport: nghttp2 plus small static inline helpers for the
 * socket and epoll calls whose structs Swift imports awkwardly (packed epoll_event, sockaddr).
 * Every helper returns -errno on failure. Only GRPCHTTP2 imports this module. */
#include <nghttp2/nghttp2.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

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

/* ---- sockets ------------------------------------------------------------------------------ */
static inline int kg_resolve(const char *host, int port, struct sockaddr_storage *out,
                             socklen_t *outlen, int passive) {
    struct addrinfo hints, *res = NULL;
    char portbuf[16];
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC; hints.ai_socktype = SOCK_STREAM;
    if (passive) hints.ai_flags = AI_PASSIVE;
    snprintf(portbuf, sizeof portbuf, "%d", port);
    int rc = getaddrinfo(host, portbuf, &hints, &res);
    if (rc != 0 || !res) return -EADDRNOTAVAIL;
    memcpy(out, res->ai_addr, res->ai_addrlen); *outlen = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

/* A non-blocking listening socket; *bound_port receives the port actually bound. */
static inline int kg_tcp_listen(const char *host, int port, int reuseport, int backlog,
                                int *bound_port) {
    struct sockaddr_storage ss; socklen_t len;
    int rc = kg_resolve(host, port, &ss, &len, 1);
    if (rc < 0) return rc;
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (reuseport) setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, backlog) < 0) {
        int e = errno; close(fd); return -e;
    }
    struct sockaddr_storage b; socklen_t bl = sizeof b;
    getsockname(fd, (struct sockaddr *)&b, &bl);
    *bound_port = b.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&b)->sin6_port)
                                          : ntohs(((struct sockaddr_in *)&b)->sin_port);
    return fd;
}

/* Whether host:port can be bound by a socket WITHOUT SO_REUSEPORT: fails with -EADDRINUSE when
 * any other socket (another process's SO_REUSEPORT listener included) holds the port. The server
 * checks this before binding its per-loop SO_REUSEPORT listeners, which would otherwise silently
 * share a port another server already listens on. */
static inline int kg_tcp_probe_bind(const char *host, int port) {
    struct sockaddr_storage ss; socklen_t len;
    int rc = kg_resolve(host, port, &ss, &len, 1);
    if (rc < 0) return rc;
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    int e = bind(fd, (struct sockaddr *)&ss, len) < 0 ? errno : 0;
    close(fd);
    return -e;
}

static inline void kg_set_nodelay(int fd) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* accept4 (non-blocking, close-on-exec, TCP_NODELAY); the peer as "ip:port" into peer. */
static inline int kg_accept(int lfd, char *peer, size_t peerlen) {
    struct sockaddr_storage ss; socklen_t len = sizeof ss;
    int fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return -errno;
    kg_set_nodelay(fd);
    char ip[INET6_ADDRSTRLEN] = "?"; int port = 0;
    if (ss.ss_family == AF_INET) {
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, ip, sizeof ip);
        port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        snprintf(peer, peerlen, "%s:%d", ip, port);
    } else if (ss.ss_family == AF_INET6) {
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, ip, sizeof ip);
        port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
        snprintf(peer, peerlen, "[%s]:%d", ip, port);
    } else {
        snprintf(peer, peerlen, "unknown");
    }
    return fd;
}

/* Starts a non-blocking connect; returns the fd (connect may still be in progress). */
static inline int kg_tcp_connect(const char *host, int port) {
    struct sockaddr_storage ss; socklen_t len;
    int rc = kg_resolve(host, port, &ss, &len, 0);
    if (rc < 0) return rc;
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    kg_set_nodelay(fd);
    if (connect(fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS) {
        int e = errno; close(fd); return -e;
    }
    return fd;
}

/* The pending error of a socket (0 when a non-blocking connect succeeded). */
static inline int kg_socket_error(int fd) {
    int err = 0; socklen_t len = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) return errno;
    return err;
}

static inline long kg_read(int fd, void *buf, size_t n) {
    for (;;) {
        ssize_t r = read(fd, buf, n);
        if (r >= 0) return (long)r;
        if (errno != EINTR) return -errno;
    }
}

static inline long kg_write(int fd, const void *buf, size_t n) {
    for (;;) {
        ssize_t r = send(fd, buf, n, MSG_NOSIGNAL);
        if (r >= 0) return (long)r;
        if (errno != EINTR) return -errno;
    }
}

/* ---- epoll / eventfd ------------------------------------------------------------------------ */
enum { KG_EV_IN = EPOLLIN, KG_EV_OUT = EPOLLOUT, KG_EV_ERR = EPOLLERR | EPOLLHUP | EPOLLRDHUP };

static inline int kg_epoll_create(void) {
    int fd = epoll_create1(EPOLL_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

static inline int kg_epoll_ctl(int ep, int op, int fd, uint32_t events, uint64_t data) {
    struct epoll_event ev; ev.events = events; ev.data.u64 = data;
    return epoll_ctl(ep, op, fd, &ev) < 0 ? -errno : 0;
}
static inline int kg_epoll_add(int ep, int fd, uint32_t ev, uint64_t d) {
    return kg_epoll_ctl(ep, EPOLL_CTL_ADD, fd, ev, d);
}
static inline int kg_epoll_mod(int ep, int fd, uint32_t ev, uint64_t d) {
    return kg_epoll_ctl(ep, EPOLL_CTL_MOD, fd, ev, d);
}
static inline int kg_epoll_del(int ep, int fd) {
    return kg_epoll_ctl(ep, EPOLL_CTL_DEL, fd, 0, 0);
}

/* Waits for events; fills parallel arrays with each event's data and flags. */
static inline int kg_epoll_wait(int ep, uint64_t *datas, uint32_t *flags, int max,
                                int timeout_ms) {
    struct epoll_event evs[256];
    if (max > 256) max = 256;
    int n;
    do { n = epoll_wait(ep, evs, max, timeout_ms); } while (n < 0 && errno == EINTR);
    if (n < 0) return -errno;
    for (int i = 0; i < n; i++) { datas[i] = evs[i].data.u64; flags[i] = evs[i].events; }
    return n;
}

static inline int kg_eventfd(void) {
    int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    return fd < 0 ? -errno : fd;
}
static inline void kg_eventfd_signal(int fd) {
    uint64_t one = 1; ssize_t r = write(fd, &one, sizeof one); (void)r;
}
static inline void kg_eventfd_drain(int fd) {
    uint64_t v; ssize_t r = read(fd, &v, sizeof v); (void)r;
}

static inline long kg_online_cpus(void) { return sysconf(_SC_NPROCESSORS_ONLN); }

#endif
