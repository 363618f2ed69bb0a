#ifndef KGREC_CPOSIX_SHIM_H
#define KGREC_CPOSIX_SHIM_H
/* The one C header of the POSIX layer: small static inline helpers for the socket, epoll and
 * eventfd calls whose structs Swift imports awkwardly (packed epoll_event, sockaddr,
 * sigaction). Every helper makes one system
 * call attempt and returns -errno on failure; KGRecPOSIX's `Syscall` retries EINTR. Only
 * KGRecPOSIX imports this module. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

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

static inline int kg_sockaddr_port(const struct sockaddr_storage *ss) {
    return ss->ss_family == AF_INET6 ? ntohs(((const struct sockaddr_in6 *)ss)->sin6_port)
                                     : ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

/* A bound TCP socket: non-blocking (when nonblock), close-on-exec, SO_REUSEADDR, SO_REUSEPORT
 * when reuseport; listening when backlog > 0. *bound_port receives the port actually bound. */
static inline int kg_tcp_bind(const char *host, int port, int nonblock, int reuseport, int backlog,
                              int *bound_port) {
    struct sockaddr_storage ss; socklen_t len;
    int rc = kg_resolve(host, port, &ss, &len, 1);
    if (rc < 0) return rc;
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
    if (fd < 0) return -errno;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (reuseport) setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&ss, len) < 0 || (backlog > 0 && listen(fd, backlog) < 0)) {
        int e = errno; close(fd); return -e;
    }
    struct sockaddr_storage b; socklen_t bl = sizeof b;
    getsockname(fd, (struct sockaddr *)&b, &bl);
    *bound_port = kg_sockaddr_port(&b);
    return fd;
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
    char ip[INET6_ADDRSTRLEN] = "?";
    if (ss.ss_family == AF_INET) {
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, ip, sizeof ip);
        snprintf(peer, peerlen, "%s:%d", ip, kg_sockaddr_port(&ss));
    } else if (ss.ss_family == AF_INET6) {
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, ip, sizeof ip);
        snprintf(peer, peerlen, "[%s]:%d", ip, kg_sockaddr_port(&ss));
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
    ssize_t r = read(fd, buf, n);
    return r >= 0 ? (long)r : -errno;
}

static inline long kg_send(int fd, const void *buf, size_t n) {
    ssize_t r = send(fd, buf, n, MSG_NOSIGNAL);
    return r >= 0 ? (long)r : -errno;
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
enum { KG_EPOLL_ADD = EPOLL_CTL_ADD, KG_EPOLL_MOD = EPOLL_CTL_MOD, KG_EPOLL_DEL = EPOLL_CTL_DEL };

/* Waits for events; fills parallel arrays with each event's data and flags. */
static inline int kg_epoll_wait(int ep, uint64_t *datas, uint32_t *flags, int max,
                                int timeout_ms) {
    struct epoll_event evs[256];
    if (max > 256) max = 256;
    int n = epoll_wait(ep, evs, max, timeout_ms);
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

/* ---- signals -------------------------------------------------------------------------------- */
/* Installs handler for signo (SA_RESTART, nothing masked), saving the previous disposition. */
static inline int kg_signal_install(int signo, void (*handler)(int), struct sigaction *previous) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    return sigaction(signo, &sa, previous) < 0 ? -errno : 0;
}

static inline int kg_signal_restore(int signo, const struct sigaction *previous) {
    return sigaction(signo, previous, NULL) < 0 ? -errno : 0;
}

#endif
