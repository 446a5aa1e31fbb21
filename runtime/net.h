/* net.h - tcp("HOST:PORT") and udp("HOST:PORT") sources (issue 12): a tcp
 * source listens, reads every client from its own parse thread with poll,
 * splits each connection's bytes into frames (framing.h) and hands them to
 * the generated parser one at a time, a connection's frames in order. It
 * reads only when the parser asks for more, so a full ring stops the reading
 * and the kernel's window closes on the senders. A udp source takes one
 * datagram as one record. The tcp sink is in net_sink.h. */
#ifndef RGP_NET_H
#define RGP_NET_H

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <linux/tcp.h>   /* as net_sink.h does: the two headers cannot meet */
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "framing.h"
#include "net_addr.h"
#include "program.h"

#ifndef SO_RXQ_OVFL
#define SO_RXQ_OVFL 40   /* Linux: the kernel's count of datagrams dropped on a full receive buffer */
#endif

/* One client of a tcp source. */
typedef struct rgp__net_conn {
    int fd;
    int eof;            /* the peer closed (or the read failed): frame what is left, then close */
    rgp_framer fr;
    uint64_t oversize_seen;
    char *buf;          /* [pos, end) read, not yet framed; grows to max_len + 32 */
    size_t cap, pos, end;
    uint64_t frames;    /* frames seen, oversize ones too: a record's number in messages */
    int drained;        /* stopping: read until the kernel had nothing more */
    char name[160];     /* "tcp(ADDR) client 3 (1.2.3.4:5678)", what rejections name */
} rgp__net_conn;

typedef struct rgp_net_source {
    const char *prog;
    const rgp_endpoint *ep;
    int udp;
    int fd;                  /* the listening (tcp) or bound (udp) socket; -1: closed */
    rgp_framing_kind framing;
    uint64_t max_len;
    uint64_t clients;        /* tcp: the stream ends after this many connections closed; 0: never */
    rgp__net_conn **conns;   /* open connections; the array doubles as clients come */
    int nconns, capconns;
    struct pollfd *pfds;     /* capconns + 1 */
    int cur;                 /* the connection frames are taken from, while it has some */
    uint64_t accepted, closed;
    /* udp */
    char *dgram;             /* one datagram: max_len + 1 bytes, to see one that is longer */
    size_t dlen;
    int pending;             /* dgram holds a datagram not yet handed out */
    uint64_t datagrams, dropped_full, kernel_dropped;
    char dname[160];         /* "udp(ADDR) from 1.2.3.4:5678" */
} rgp_net_source;

static inline int rgp_net_source_open(const char *prog, const rgp_endpoint *ep, rgp_net_source *ns, int udp,
                                      rgp_framing_kind framing, uint64_t max_len, uint64_t clients)
{
    memset(ns, 0, sizeof *ns);
    ns->prog = prog;
    ns->ep = ep;
    ns->udp = udp;
    ns->framing = framing;
    ns->max_len = max_len;
    ns->clients = clients;
    ns->fd = -1;
    struct sockaddr_storage sa;
    socklen_t len;
    char err[256];
    if (rgp_net_resolve(ep->path, udp ? SOCK_DGRAM : SOCK_STREAM, 1, &sa, &len, err, sizeof err) != 0) {
        fprintf(stderr, "%s: %s: error: source '%s': cannot listen on %s: %s\n", prog, ep->where, ep->name, ep->path, err);
        return -1;
    }
    int one = 1;
    int fd = socket(sa.ss_family, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 || bind(fd, (struct sockaddr *)&sa, len) != 0 ||
        (!udp && listen(fd, 128) != 0)) {
        fprintf(stderr, "%s: %s: error: source '%s': cannot listen on %s: %s\n", prog, ep->where, ep->name, ep->path, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    if (udp) {
        setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);   /* best effort: the kernel's drops, if it tells */
        if (!(ns->dgram = malloc((size_t)max_len + 1))) rgp_out_of_memory(prog);
    }
    ns->fd = fd;
    return 0;
}

static inline void rgp__net_conn_close(rgp_net_source *ns, rgp__net_conn *c)
{
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
    ns->closed++;
}

/* A frame lost to the framing, counted as a rejected row of its connection. */
static inline void rgp__net_reject(rgp_net_source *ns, rgp_source_stats *st, rgp__net_conn *c, const char *fmt, unsigned long long n)
{
    st->rows++;
    st->display = c->name;
    rgp_reject(st, c->frames, fmt, n);
    st->display = ns->ep->display;
}

/* The next whole frame of c: 1 with it in *text, 0 when there is none yet
 * (or c has ended and is closed). */
static inline int rgp__net_conn_frame(rgp_net_source *ns, rgp_source_stats *st, rgp__net_conn *c, rgp_str *text, uint64_t *line)
{
    for (;;) {
        size_t used, flen = 0;
        const char *fp = NULL;
        rgp_frame_status s = rgp_frame_next(&c->fr, c->buf + c->pos, c->end - c->pos, &used, &fp, &flen);
        c->pos += used;
        if (s == RGP_FRAMER_OK) {
            if (ns->framing == RGP_FRAMING_NEWLINE && flen && fp[flen - 1] == '\r') flen--;   /* CR LF, as in files */
            text->ptr = fp;
            text->len = flen;
            *line = ++c->frames;
            return 1;
        }
        if (s == RGP_FRAMER_SKIPPED) {
            if (c->fr.oversize != c->oversize_seen) {
                c->oversize_seen = c->fr.oversize;
                c->frames++;
                rgp__net_reject(ns, st, c, "longer than max_line (%llu bytes): dropped whole", (unsigned long long)ns->max_len);
            }
            continue;
        }
        if (s == RGP_FRAMER_FATAL) {   /* octet counting lost: nothing after it can be framed */
            c->frames++;
            rgp__net_reject(ns, st, c, "not an RFC 6587 octet count (DIGITS SP); closing the connection", 0);
            c->pos = c->end;
            c->eof = 1;
        }
        if (!c->eof) return 0;
        size_t left = c->end - c->pos;
        if (left > 0) {
            c->frames++;
            rgp__net_reject(ns, st, c, "a partial frame of %llu bytes when the connection closed", (unsigned long long)left);
        }
        rgp_frame_end(&c->fr, left);
        c->pos = c->end = 0;
        rgp__net_conn_close(ns, c);
        return 0;
    }
}

static inline void rgp__net_conn_read(rgp_net_source *ns, rgp__net_conn *c);

/* Stopping: one more read of each connection the kernel may still hold bytes
 * for (its sender was told they arrived). 1 if any came. */
static inline int rgp__net_drain(rgp_net_source *ns)
{
    int got = 0;
    for (int i = 0; i < ns->nconns; i++) {
        rgp__net_conn *c = ns->conns[i];
        if (c->fd < 0 || c->eof || c->drained) continue;
        size_t before = c->end - c->pos;
        rgp__net_conn_read(ns, c);
        if (c->end - c->pos > before) got = 1;
        else if (!c->eof) c->drained = 1;   /* EAGAIN: nothing more was there */
    }
    return got;
}

/* Has a stopping source more to hand out? Whole frames it has read, and
 * connections not yet drained: a stop loses none of what the senders' TCP
 * was told had arrived by then. */
static inline int rgp_net_source_buffered(const rgp_net_source *ns)
{
    for (int i = 0; i < ns->nconns; i++) {
        rgp__net_conn *c = ns->conns[i];
        if (c->fd >= 0 && !c->eof && !c->drained) return 1;
        rgp_framer f = c->fr;   /* a copy: looking must not count */
        size_t used, flen;
        const char *fp;
        for (size_t pos = c->pos;;) {
            rgp_frame_status s = rgp_frame_next(&f, c->buf + pos, c->end - pos, &used, &fp, &flen);
            if (s == RGP_FRAMER_OK) return 1;
            if (s != RGP_FRAMER_SKIPPED) break;
            pos += used;
        }
    }
    return 0;
}

/* The next record of a tcp source: RGP_ROW_OK with the frame in *text and its
 * number in its connection in *line (st->display names the connection until
 * the next call), RGP_ROW_NEED_INPUT when no connection has a whole frame,
 * RGP_ROW_EOF once clients: N connections have come and closed. */
static inline int rgp_net_source_next(rgp_net_source *ns, rgp_source_stats *st, rgp_str *text, uint64_t *line)
{
    st->display = ns->ep->display;
    int stopping = rgp_stopping();
    do {
        for (int k = 0; k < ns->nconns; k++) {
            int i = (ns->cur + k) % ns->nconns;
            rgp__net_conn *c = ns->conns[i];
            if (c->fd >= 0 && rgp__net_conn_frame(ns, st, c, text, line)) {
                ns->cur = i;
                st->display = c->name;
                return RGP_ROW_OK;
            }
        }
    } while (stopping && rgp__net_drain(ns));
    int n = 0;   /* the closed ones go */
    for (int i = 0; i < ns->nconns; i++) {
        if (ns->conns[i]->fd >= 0) ns->conns[n++] = ns->conns[i];
        else free(ns->conns[i]->buf), free(ns->conns[i]);
    }
    ns->nconns = n;
    if (ns->cur >= n) ns->cur = 0;
    if (ns->clients && ns->closed >= ns->clients && !n) return RGP_ROW_EOF;
    return RGP_ROW_NEED_INPUT;
}

static inline void rgp__net_accept(rgp_net_source *ns)
{
    while (ns->fd >= 0) {
        struct sockaddr_storage peer;
        socklen_t plen = sizeof peer;
        int fd = accept4(ns->fd, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
                fprintf(stderr, "%s: %s: source '%s': cannot accept a connection: %s\n", ns->prog, ns->ep->where, ns->ep->name, strerror(errno));
            return;
        }
        if (ns->nconns == ns->capconns) {
            int cap = ns->capconns ? 2 * ns->capconns : 16;
            rgp__net_conn **cs = realloc(ns->conns, sizeof *cs * (size_t)cap);
            struct pollfd *ps = realloc(ns->pfds, sizeof *ps * (size_t)(cap + 1));
            if (cs) ns->conns = cs;
            if (ps) ns->pfds = ps;
            if (!cs || !ps) rgp_out_of_memory(ns->prog);
            ns->capconns = cap;
        }
        rgp__net_conn *c = calloc(1, sizeof *c);
        size_t cap = ns->max_len + 32 < 65536 ? (size_t)ns->max_len + 32 : 65536;
        if (!c || !(c->buf = malloc(cap))) rgp_out_of_memory(ns->prog);
        c->fd = fd;
        c->cap = cap;
        rgp_framer_init(&c->fr, ns->framing, ns->max_len);
        char from[80];
        rgp_net_addr_text(&peer, from, sizeof from);
        ns->accepted++;
        snprintf(c->name, sizeof c->name, "tcp(%s) client %llu (%s)", ns->ep->display, (unsigned long long)ns->accepted, from);
        ns->conns[ns->nconns++] = c;
        if (ns->clients && ns->accepted >= ns->clients) {   /* clients: N came: no more */
            close(ns->fd);
            ns->fd = -1;
        }
    }
}

/* Reads what one client sent, into room made by moving the unframed rest to
 * the front or, for a frame longer than the buffer, by growing it. */
static inline void rgp__net_conn_read(rgp_net_source *ns, rgp__net_conn *c)
{
    if (c->pos > 0 && (c->pos == c->end || c->cap - c->end < c->cap / 2)) {
        memmove(c->buf, c->buf + c->pos, c->end - c->pos);
        c->end -= c->pos;
        c->pos = 0;
    }
    if (c->end == c->cap) {
        size_t most = (size_t)ns->max_len + 32, cap = c->cap * 2 < most ? c->cap * 2 : most;
        char *b = cap > c->cap ? realloc(c->buf, cap) : NULL;
        if (!b) rgp_out_of_memory(ns->prog);   /* cannot happen at most: max_len + 32 always frames */
        c->buf = b;
        c->cap = cap;
    }
    ssize_t k = read(c->fd, c->buf + c->end, c->cap - c->end);
    if (k > 0) c->end += (size_t)k;
    else if (k == 0) c->eof = 1;
    else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        fprintf(stderr, "%s: %s: source '%s': %s: %s; closing it\n", ns->prog, ns->ep->where, ns->ep->name, c->name, strerror(errno));
        c->eof = 1;
    }
}

/* No whole frame anywhere: waits (up to a second, or until a signal) for a
 * client, or bytes from one. 0, or -1 with errno when poll fails. */
static inline int rgp_net_source_wait(rgp_net_source *ns)
{
    int np = 0;
    if (!ns->pfds && !(ns->pfds = malloc(sizeof *ns->pfds))) rgp_out_of_memory(ns->prog);
    if (ns->fd >= 0) ns->pfds[np++] = (struct pollfd){.fd = ns->fd, .events = POLLIN};
    int first = np;
    for (int i = 0; i < ns->nconns; i++)   /* one that has ended is closed by the next look for frames */
        ns->pfds[np++] = (struct pollfd){.fd = ns->conns[i]->eof ? -1 : ns->conns[i]->fd, .events = POLLIN};
    int n = poll(ns->pfds, (nfds_t)np, 1000);
    if (n < 0) return errno == EINTR ? 0 : -1;
    if (first && ns->pfds[0].revents) rgp__net_accept(ns);
    for (int i = 0; i < np - first; i++)
        if (ns->pfds[first + i].revents) rgp__net_conn_read(ns, ns->conns[i]);
    return 0;
}

/* One frame as one CSV row (RFC 4180, no header): its fields into f, split in
 * place. RGP_ROW_OK, or RGP_ROW_BAD with *why for a quote out of place. */
static inline int rgp_csv_frame(rgp_str text, char delim, rgp_str *f, int max_fields, int *nf, const char **why)
{
    char *p = (char *)text.ptr, *end = p + text.len;
    for (char *q = p;;) {   /* check every field before splitting: a bad row is rejected whole */
        if (q < end && *q == '"') {
            for (q++;; q++) {
                q = memchr(q, '"', (size_t)(end - q));
                if (!q) {
                    *why = "a quoted field is not closed";
                    *nf = 0;
                    return RGP_ROW_BAD;
                }
                if (q + 1 < end && q[1] == '"') { q++; continue; }
                break;
            }
            q++;
            if (q < end && *q != delim) {
                *why = "a quoted field goes on after its closing quote";
                *nf = 0;
                return RGP_ROW_BAD;
            }
        } else {
            char *d = memchr(q, delim, (size_t)(end - q)), *fe = d ? d : end;
            if (memchr(q, '"', (size_t)(fe - q))) {
                *why = "a quote inside a field that does not start with one";
                *nf = 0;
                return RGP_ROW_BAD;
            }
            q = fe;
        }
        if (q >= end) break;
        q++;
    }
    *nf = rgp__csv_split_quoted(p, end, delim, f, max_fields);
    return RGP_ROW_OK;
}

/* ---- udp ---- */

/* Free slots of a single-producer ring beyond those claimed. */
static inline uint64_t rgp__net_ring_room(rgp_disruptor *d)
{
    d->sp_gate = rgp__gating_min(d, d->sp_next);
    return d->capacity - (d->sp_next - d->sp_gate);
}

/* The next datagram: RGP_ROW_OK with it in *text; RGP_ROW_NEED_INPUT when
 * none has come. When the parser is about to claim a batch of slots (claim)
 * and the ring has no room for it, the datagram is dropped and counted, as
 * the kernel drops what does not fit its receive buffer: a udp sender is
 * never held back. */
static inline int rgp_udp_source_next(rgp_net_source *ns, rgp_source_stats *st, rgp_disruptor *ring, int claim, uint64_t batch,
                                      rgp_str *text, uint64_t *line)
{
    st->display = ns->ep->display;
    if (!ns->pending) return RGP_ROW_NEED_INPUT;
    ns->pending = 0;
    if (claim && rgp__net_ring_room(ring) < batch) {
        ns->dropped_full++;
        return RGP_ROW_NEED_INPUT;
    }
    text->ptr = ns->dgram;
    text->len = ns->dlen;
    *line = ns->datagrams;
    st->display = ns->dname;
    return RGP_ROW_OK;
}

/* Takes one datagram if one is there (wait: up to a second for it). 1 if it
 * took one, 0 if not, -1 with errno when the socket fails. */
static inline int rgp__udp_recv(rgp_net_source *ns, rgp_source_stats *st, int wait)
{
    if (wait) {
        struct pollfd p = {.fd = ns->fd, .events = POLLIN};
        int n = poll(&p, 1, 1000);
        if (n <= 0) return n < 0 && errno != EINTR ? -1 : 0;
    }
    struct sockaddr_storage from;
    struct iovec iov = {ns->dgram, (size_t)ns->max_len + 1};
    union { char buf[CMSG_SPACE(sizeof(uint32_t))]; struct cmsghdr align; } ctl;
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_name = &from;
    m.msg_namelen = sizeof from;
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = ctl.buf;
    m.msg_controllen = sizeof ctl.buf;
    ssize_t k = recvmsg(ns->fd, &m, MSG_TRUNC);
    if (k < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
            uint32_t v;
            memcpy(&v, CMSG_DATA(c), sizeof v);
            ns->kernel_dropped = v;   /* since the socket opened */
        }
    ns->datagrams++;
    char peer[80];
    rgp_net_addr_text(&from, peer, sizeof peer);
    snprintf(ns->dname, sizeof ns->dname, "udp(%s) from %s, datagram", ns->ep->display, peer);
    if ((uint64_t)k > ns->max_len) {
        st->rows++;
        st->display = ns->dname;
        rgp_reject(st, ns->datagrams, "a datagram of %llu bytes, longer than max_line (%llu)", (unsigned long long)k,
                   (unsigned long long)ns->max_len);
        st->display = ns->ep->display;
        return 0;
    }
    ns->dlen = (size_t)k;
    ns->pending = 1;
    return 1;
}

/* Waits for the next record of either kind of source. */
static inline int rgp_net_wait(rgp_net_source *ns, rgp_source_stats *st)
{
    return ns->udp ? (rgp__udp_recv(ns, st, 1) < 0 ? -1 : 0) : rgp_net_source_wait(ns);
}

/* After the threads are joined: what a stop left in the connections is
 * counted (partial frames), the datagrams that did not get in are reported. */
static inline void rgp_net_source_close(rgp_net_source *ns, rgp_source_stats *st)
{
    st->display = ns->ep->display;
    if (ns->udp && ns->fd >= 0) {
        uint64_t unread = 0;
        ns->pending = 0;
        while (rgp__udp_recv(ns, st, 0) == 1) unread++;   /* what came after the stop: dropped, and the kernel's count read */
#ifdef SO_MEMINFO
        uint32_t mem[16] = {0};   /* SK_MEMINFO_DROPS (8): the kernel's count, even with no datagram after the drops */
        socklen_t ml = sizeof mem;
        if (getsockopt(ns->fd, SOL_SOCKET, SO_MEMINFO, mem, &ml) == 0 && ml > 8 * sizeof mem[0] && mem[8] > ns->kernel_dropped)
            ns->kernel_dropped = mem[8];
#endif
        uint64_t all = ns->dropped_full + ns->kernel_dropped + unread;
        if (all)
            fprintf(stderr, "%s: %s: source '%s': %llu datagram%s dropped: %llu when the ring was full, %llu by the kernel "
                    "(its receive buffer was full), %llu unread at the stop\n", ns->prog, ns->ep->where, ns->ep->name,
                    (unsigned long long)all, all == 1 ? "" : "s", (unsigned long long)ns->dropped_full,
                    (unsigned long long)ns->kernel_dropped, (unsigned long long)unread);
    }
    for (int i = 0; i < ns->nconns; i++) {
        rgp__net_conn *c = ns->conns[i];
        if (c->fd >= 0 && c->end > c->pos) {
            c->frames++;
            rgp__net_reject(ns, st, c, "a partial frame of %llu bytes when the source stopped", (unsigned long long)(c->end - c->pos));
        }
        if (c->fd >= 0) rgp__net_conn_close(ns, c);
        free(c->buf);
        free(c);
    }
    free(ns->conns);
    free(ns->pfds);
    free(ns->dgram);
    ns->conns = NULL;
    ns->pfds = NULL;
    ns->dgram = NULL;
    ns->nconns = 0;
    if (ns->fd >= 0) close(ns->fd);
    ns->fd = -1;
}

#endif
