/* net_sink.h - the tcp("HOST:PORT") sink (issue 12): the writer's whole
 * records are framed (framing.h) into a buffer that keeps every record the
 * peer's TCP has not acknowledged, and of those it has, as many bytes as the
 * peer's kernel may still hold unread: the larger of `resend` and twice the
 * widest receive window the peer has advertised. A broken connection is made again, with exponential backoff and
 * jitter, and everything kept is sent again: at-least-once, with duplicates
 * after a reconnect (docs/connectors.md says exactly what is promised). */
#ifndef RGP_NET_SINK_H
#define RGP_NET_SINK_H

#include <errno.h>
#include <linux/sockios.h>
#include <netdb.h>
#include <netinet/in.h>
#include <linux/tcp.h>   /* not netinet/tcp.h: its tcp_info has no tcpi_snd_wnd */
#include <poll.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

#include "atomics.h"
#include "framing.h"
#include "net_addr.h"
#include "writer.h"

#define RGP_NET_BACKOFF_FIRST_MS 50
#define RGP_NET_BACKOFF_MAX_MS 5000
#define RGP_NET_KEEP_MAX ((uint64_t)1 << 30)   /* acknowledged bytes kept, whatever the peer's window */

typedef struct rgp_net_sink {
    const char *prog, *where, *name, *addr;   /* for messages; addr is HOST:PORT */
    RGP_ATOMIC(uint32_t) *stop;   /* the program's stop: a stop while the peer is away gives up */
    struct sockaddr_storage sa;
    socklen_t salen;
    rgp_framing_kind framing;
    int csv;                      /* a record's text ends at a LF outside quotes (csv) or at any LF (jsonl) */
    int fd;                       /* -1: not connected */
    char *kept;                   /* [0, len): framed whole records; [0, sent) handed to this connection */
    size_t cap, len, sent;
    uint64_t resend;              /* at least these bytes of acknowledged records are kept to send again */
    uint64_t window_max;          /* the widest receive window the peer has advertised (TCP_INFO) */
    uint64_t records, resent, reconnects, oversize;
    unsigned rng;
    int last_err;
} rgp_net_sink;

/* Bytes of the first record of a writer's text p[0..n): through its LF. */
static inline size_t rgp__ns_text_end(int csv, const char *p, size_t n)
{
    if (!csv) {
        const char *nl = memchr(p, '\n', n);
        return nl ? (size_t)(nl - p) + 1 : n;
    }
    int quoted = 0;   /* a csv field may hold a LF inside quotes; "" toggles twice */
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"') quoted = !quoted;
        else if (p[i] == '\n' && !quoted) return i + 1;
    }
    return n;
}

/* Bytes of the first framed record in kept[off..len). */
static inline size_t rgp__ns_rec_len(const rgp_net_sink *s, size_t off)
{
    const char *p = s->kept + off;
    size_t n = s->len - off;
    if (s->framing == RGP_FRAMING_NEWLINE) return rgp__ns_text_end(s->csv, p, n);
    if (s->framing == RGP_FRAMING_OCTETS) {
        uint64_t v = 0;
        size_t i = 0;
        while (i < n && p[i] != ' ') v = v * 10 + (uint64_t)(p[i++] - '0');
        return i + 1 + (size_t)v;
    }
    size_t h = rgp__framing_prefix(s->framing);
    uint64_t v = 0;
    for (size_t i = 0; i < h; i++) v = v << 8 | (unsigned char)p[i];
    return h + (size_t)v;
}

/* Bytes of kept the peer's TCP has acknowledged: all handed to this
 * connection but what is still in the kernel's send queue. */
static inline size_t rgp__ns_acked(const rgp_net_sink *s)
{
    int q = 0;
    if (s->fd < 0 || ioctl(s->fd, SIOCOUTQ, &q) != 0 || q < 0) return 0;
    return s->sent > (size_t)q ? s->sent - (size_t)q : 0;
}

/* Acknowledged bytes to keep. An acknowledgement says the peer's kernel has
 * the bytes, not that the program read them: a receiver killed now loses what
 * its socket buffer holds. That is at most the buffer's size, and the window
 * the peer advertises is the free part of it (half or more of the free bytes,
 * by the kernel's overhead ratio), so twice the widest window seen bounds it,
 * even after the peer's autotuning has grown the buffer far past `resend`. */
static inline size_t rgp__ns_keep(rgp_net_sink *s)
{
    struct tcp_info ti;
    socklen_t tl = sizeof ti;
    memset(&ti, 0, sizeof ti);
    if (s->fd >= 0 && getsockopt(s->fd, IPPROTO_TCP, TCP_INFO, &ti, &tl) == 0 &&
        tl > offsetof(struct tcp_info, tcpi_snd_wnd) && ti.tcpi_snd_wnd > s->window_max)
        s->window_max = ti.tcpi_snd_wnd;
    uint64_t keep = 2 * s->window_max > s->resend ? 2 * s->window_max : s->resend;
    return (size_t)(keep < RGP_NET_KEEP_MAX ? keep : RGP_NET_KEEP_MAX);
}

/* Forgets acknowledged records from the front while more than rgp__ns_keep
 * bytes of them are kept, and grows kept (rarely: when the peer's window
 * widens) to hold that many and 4 writer buffers more. */
static inline int rgp__ns_trim(rgp_net_sink *s)
{
    size_t keep = rgp__ns_keep(s), acked = rgp__ns_acked(s), drop = 0;
    while (drop < s->len && acked - drop > keep) {
        size_t r = rgp__ns_rec_len(s, drop);
        if (drop + r > acked) break;   /* not all of it acknowledged */
        drop += r;
    }
    if (drop) {
        memmove(s->kept, s->kept + drop, s->len - drop);
        s->len -= drop;
        s->sent -= drop;
    }
    if (keep + 4 * RGP_WRITER_CAP > s->cap) {
        char *k = (char *)realloc(s->kept, keep + 4 * RGP_WRITER_CAP);
        if (!k) return -1;
        s->kept = k;
        s->cap = keep + 4 * RGP_WRITER_CAP;
    }
    return 0;
}

static inline int rgp__ns_stopping(const rgp_net_sink *s) { return rgp_load_relaxed_u32(s->stop) != 0; }

/* Sleeps ms in steps of 10, returning early (1) when the program stops. */
static inline int rgp__ns_nap(const rgp_net_sink *s, int ms)
{
    for (int t = 0; t < ms; t += 10) {
        if (rgp__ns_stopping(s)) return 1;
        struct timespec d = {0, (ms - t < 10 ? ms - t : 10) * 1000000L};
        nanosleep(&d, NULL);
    }
    return rgp__ns_stopping(s);
}

static inline size_t rgp__ns_count(const rgp_net_sink *s, size_t upto)
{
    size_t k = 0;
    for (size_t off = 0; off < upto; off += rgp__ns_rec_len(s, off)) k++;
    return k;
}

/* Connects, again and again with exponential backoff and jitter (50 ms
 * doubling to 5 s, each wait drawn from its upper half) until it works or the
 * program stops (-1). After a reconnect everything kept goes again. */
static inline int rgp__ns_connect(rgp_net_sink *s)
{
    int delay = RGP_NET_BACKOFF_FIRST_MS;
    for (int attempt = 0;; attempt++) {
        int fd = socket(s->sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct timeval tv = {2, 0};   /* connect() honours SO_SNDTIMEO */
        if (fd >= 0) setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&s->sa, s->salen) == 0) {
            int one = 1, limit = 30000;   /* a peer that stops acknowledging for 30 s is gone */
            tv.tv_sec = 0;
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &limit, sizeof limit);
            s->fd = fd;
            s->sent = 0;
            if (s->records && (attempt || s->reconnects)) {
                size_t k = rgp__ns_count(s, s->len);
                s->reconnects++;
                s->resent += k;
                fprintf(stderr, "%s: %s: sink '%s': connected to %s again; sending the %llu record%s it keeps again\n", s->prog,
                        s->where, s->name, s->addr, (unsigned long long)k, k == 1 ? "" : "s");
            }
            return 0;
        }
        int e = fd < 0 ? errno : errno;
        if (fd >= 0) close(fd);
        if (attempt == 0 || e != s->last_err)
            fprintf(stderr, "%s: %s: sink '%s': cannot connect to %s: %s; retrying with backoff\n", s->prog, s->where, s->name,
                    s->addr, strerror(e));
        s->last_err = e;
        s->rng = s->rng * 1103515245u + 12345u;
        int wait = delay / 2 + (int)((s->rng >> 8) % (unsigned)(delay / 2 + 1));
        if (rgp__ns_nap(s, wait)) return -1;
        if (delay < RGP_NET_BACKOFF_MAX_MS) delay = delay * 2 < RGP_NET_BACKOFF_MAX_MS ? delay * 2 : RGP_NET_BACKOFF_MAX_MS;
    }
}

static inline void rgp__ns_lost(rgp_net_sink *s, int e)
{
    fprintf(stderr, "%s: %s: sink '%s': connection to %s lost: %s; reconnecting\n", s->prog, s->where, s->name, s->addr, strerror(e));
    close(s->fd);
    s->fd = -1;
    s->sent = 0;
    s->last_err = e;
}

/* Has the peer closed or reset the connection? (Bytes it sends are not ours to read: dropped.) */
static inline int rgp__ns_peer_gone(rgp_net_sink *s, int ms)
{
    struct pollfd p = {.fd = s->fd, .events = POLLIN};
    if (poll(&p, 1, ms) <= 0) return 0;
    char junk[512];
    ssize_t k = recv(s->fd, junk, sizeof junk, MSG_DONTWAIT);
    if (k > 0) return 0;
    if (k < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
    int e = ECONNRESET;
    socklen_t el = sizeof e;
    if (k < 0) e = errno;
    else getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &e, &el);
    rgp__ns_lost(s, e ? e : EPIPE);
    return 1;
}

/* Hands everything kept but not yet handed to the kernel, connecting as need be. 0, or -1 after giving up. */
static inline int rgp__ns_send(rgp_net_sink *s)
{
    for (;;) {
        if (s->fd < 0 && rgp__ns_connect(s) != 0) return -1;
        if (s->sent >= s->len) return 0;
        ssize_t k = send(s->fd, s->kept + s->sent, s->len - s->sent, MSG_NOSIGNAL);
        if (k > 0) s->sent += (size_t)k;
        else if (k < 0 && errno == EINTR) continue;
        else rgp__ns_lost(s, k < 0 ? errno : EPIPE);
    }
}

/* The writer gives up: the program was stopped while the peer was away. */
static inline int rgp__ns_give_up(rgp_writer *w)
{
    rgp_net_sink *s = w->net;
    size_t k = rgp__ns_count(s, s->len);
    fprintf(stderr, "%s: %s: sink '%s': stopped while %s could not be reached: %llu record%s not delivered\n", s->prog, s->where,
            s->name, s->addr, (unsigned long long)k, k == 1 ? "" : "s");
    s->len = s->sent = 0;
    w->len = w->mark = 0;
    rgp__writer_fail(w, s->last_err ? s->last_err : ENOTCONN);
    errno = w->err;
    return -1;
}

static inline int rgp__ns_no_memory(rgp_writer *w)
{
    rgp_net_sink *s = w->net;
    fprintf(stderr, "%s: %s: error: sink '%s': out of memory keeping %llu bytes for %s\n", s->prog, s->where, s->name,
            (unsigned long long)rgp__ns_keep(s), s->addr);
    rgp__writer_fail(w, ENOMEM);
    errno = w->err;
    return -1;
}

/* Room for need more bytes in kept: sends, forgets what was acknowledged, and
 * waits for acknowledgements while the peer is slow. */
static inline int rgp__ns_room(rgp_writer *w, size_t need)
{
    rgp_net_sink *s = w->net;
    while (s->cap - s->len < need) {
        if (rgp__ns_send(s) != 0) return rgp__ns_give_up(w);
        if (rgp__ns_trim(s) != 0) return rgp__ns_no_memory(w);   /* cap holds what is kept and 4 buffers more: acknowledgements make room */
        if (s->cap - s->len < need) rgp__ns_peer_gone(s, 1);
    }
    return 0;
}

static int rgp__net_sink_flush(rgp_writer *w)
{
    rgp_net_sink *s = w->net;
    if (w->failed) {
        w->len = w->mark = 0;
        errno = w->err;
        return -1;
    }
    if (w->mark == 0 && w->len == RGP_WRITER_CAP) {   /* one record fills the buffer: too long to keep */
        if (!s->oversize++)
            fprintf(stderr, "%s: %s: sink '%s': a record longer than %u bytes was dropped (counted; the others go on)\n", s->prog,
                    s->where, s->name, (unsigned)RGP_WRITER_CAP);
        w->len = 0;
        w->net_skip = 1;
        return 0;
    }
    size_t n = w->mark;
    for (size_t off = 0; off < n;) {
        const char *p = w->buf + off;
        size_t e = rgp__ns_text_end(s->csv, p, n - off), plen = e;
        if (s->framing != RGP_FRAMING_NEWLINE && plen && p[plen - 1] == '\n') plen--;   /* the frame holds the text alone */
        char hdr[24];
        size_t h = rgp_frame_header(s->framing, plen, hdr);
        if (s->framing != RGP_FRAMING_NEWLINE && !h) {   /* too long for length8/16, or empty under octets */
            s->oversize++;
            off += e;
            continue;
        }
        if (rgp__ns_room(w, h + plen) != 0) return -1;
        memcpy(s->kept + s->len, hdr, h);
        memcpy(s->kept + s->len + h, p, plen);
        s->len += h + plen;
        s->records++;
        off += e;
    }
    memmove(w->buf, w->buf + n, w->len - n);
    w->len -= n;
    w->mark = 0;
    if (rgp__ns_send(s) != 0) return rgp__ns_give_up(w);
    return rgp__ns_trim(s) != 0 ? rgp__ns_no_memory(w) : 0;
}

/* At the end: everything goes, and stays kept until the peer's TCP has
 * acknowledged all of it (sent again if the connection breaks meanwhile). */
static int rgp__net_sink_close(rgp_writer *w)
{
    rgp_net_sink *s = w->net;
    int rc = 0;
    if (!w->failed) {
        w->mark = w->len;
        rc = rgp__net_sink_flush(w);
    }
    for (int waited = 0; rc == 0 && !w->failed;) {
        if (rgp__ns_send(s) != 0) {
            rc = rgp__ns_give_up(w);
            break;
        }
        if (rgp__ns_acked(s) >= s->len) break;
        if (!rgp__ns_peer_gone(s, 1) && rgp__ns_stopping(s) && ++waited > 5000) {
            fprintf(stderr, "%s: %s: sink '%s': stopped; %s did not acknowledge its last bytes in 5 s\n", s->prog, s->where, s->name, s->addr);
            break;
        }
    }
    if (s->fd >= 0) close(s->fd);
    s->fd = -1;
    if (s->reconnects || s->oversize)
        fprintf(stderr, "%s: %s: sink '%s': %llu record%s written, %llu reconnect%s, %llu record%s sent again (duplicates), %llu too long, dropped\n",
                s->prog, s->where, s->name, (unsigned long long)s->records, s->records == 1 ? "" : "s",
                (unsigned long long)s->reconnects, s->reconnects == 1 ? "" : "s", (unsigned long long)s->resent,
                s->resent == 1 ? "" : "s", (unsigned long long)s->oversize);
    free(s->kept);
    s->kept = NULL;
    free(w->buf);
    w->buf = NULL;
    w->net = NULL;
    if (w->failed) {
        errno = w->err;
        return -1;
    }
    return rc;
}

/* Opens a tcp sink's writer: the address resolved now, the connection made at the first flush. */
static inline int rgp_net_sink_open(rgp_writer *w, rgp_net_sink *s, const char *prog, const char *where, const char *name,
                                    const char *addr, rgp_framing_kind framing, int csv, uint64_t resend,
                                    RGP_ATOMIC(uint32_t) *stop)
{
    memset(s, 0, sizeof *s);
    memset(w, 0, sizeof *w);
    char err[256];
    if (rgp_net_resolve(addr, SOCK_STREAM, 0, &s->sa, &s->salen, err, sizeof err) != 0) {
        fprintf(stderr, "%s: %s: error: sink '%s': cannot resolve %s: %s\n", prog, where, name, addr, err);
        return -1;
    }
    s->prog = prog, s->where = where, s->name = name, s->addr = addr, s->stop = stop;
    s->framing = framing;
    s->csv = csv;
    s->fd = -1;
    s->resend = resend;
    s->cap = (size_t)resend + 4 * RGP_WRITER_CAP;
    s->rng = (unsigned)time(NULL) ^ (unsigned)getpid() << 8;
    w->fd = -1;
    w->display = addr;
    w->net = s;
    if (!(s->kept = malloc(s->cap)) || !(w->buf = malloc(RGP_WRITER_CAP))) {
        fprintf(stderr, "%s: error: out of memory\n", prog);
        return -1;
    }
    return 0;
}

#endif
