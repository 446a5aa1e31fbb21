/* metrics.h - --metrics ADDR (or options { metrics: "ADDR" }): a small, strict
 * HTTP/1.1 responder on a thread of its own. GET /metrics is the Prometheus
 * text format (0.0.4) of every component's counters (counters.h), GET
 * /metrics.json the same counters as JSON, GET /health says whether every
 * source is live, and GET / is the status page the compiler drew for this
 * pipeline (compiler/status_page.c). One poll() loop: it only reads published
 * counters, so a scrape never blocks the pipeline, and a slow client never
 * blocks the server (each has 2 s to send its request, whose size is bounded). */
#ifndef RGP_METRICS_H
#define RGP_METRICS_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "atomics.h"
#include "counters.h"
#include "net_addr.h"
#include "program.h"
#include "sequencer.h"   /* rgp__mono_ms */

#define RGP_METRICS_CLIENTS 16        /* at once; more wait in the listen queue */
#define RGP_METRICS_REQUEST_MAX 8192  /* a request's head; longer: 431 */
#define RGP_METRICS_DEADLINE_MS 2000  /* for the whole request to arrive, and its answer to leave */

typedef struct rgp__mbuf { char *p; size_t len, cap; int oom; } rgp__mbuf;

static inline void rgp__mbuf_printf(rgp__mbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void rgp__mbuf_printf(rgp__mbuf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (k < 0 || b->oom) return;
        if (b->p && b->len + (size_t)k < b->cap) {
            b->len += (size_t)k;
            return;
        }
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap <= b->len + (size_t)k) cap *= 2;
        char *p = realloc(b->p, cap);   /* per response, never per record */
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
}

/* A label value: \, " and newline escaped, as the text format asks. */
static inline void rgp__mbuf_label(rgp__mbuf *b, const char *name, const char *v)
{
    rgp__mbuf_printf(b, ",%s=\"", name);
    for (const char *q = v; *q; q++) {
        if (*q == '\\' || *q == '"') rgp__mbuf_printf(b, "\\%c", *q);
        else if (*q == '\n') rgp__mbuf_printf(b, "\\n");
        else rgp__mbuf_printf(b, "%c", *q);
    }
    rgp__mbuf_printf(b, "\"");
}

typedef struct rgp__mclient {
    int fd;                   /* -1: free */
    int64_t deadline;         /* ms, monotonic */
    size_t len;               /* request bytes so far */
    char req[RGP_METRICS_REQUEST_MAX];
    rgp__mbuf out;            /* the response; out.len > 0: being sent */
    size_t sent;
} rgp__mclient;

typedef struct rgp_metrics_server {
    const char *prog;
    char addr[256];           /* as bound: 127.0.0.1:9598 */
    int fd, wake[2];
    pthread_t thread;
    int started;
    const rgp_counters *t;
    const char *page;         /* GET /: the status page, HTML */
    const rgp_stat *stats;    /* the rings' readers, as --stats has them */
    int nstats;
    rgp__mclient c[RGP_METRICS_CLIENTS];
} rgp_metrics_server;

static inline int rgp__set_nonblock(int fd) { return fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

/* ---- what the server says ------------------------------------------------ */

static inline void rgp__metrics_labels(rgp__mbuf *b, const rgp_counters *t, int comp)
{
    const rgp_component *c = &t->components[comp];
    rgp__mbuf_printf(b, "{pipeline=\"");
    for (const char *q = t->pipeline; *q; q++) rgp__mbuf_printf(b, *q == '\\' || *q == '"' ? "\\%c" : "%c", *q);
    rgp__mbuf_printf(b, "\"");
    rgp__mbuf_label(b, "component_id", c->id);
    rgp__mbuf_label(b, "component_kind", c->kind);
    rgp__mbuf_label(b, "component_type", c->type);
}

static inline int rgp__same_series(const rgp_counter *a, const rgp_counter *b)
{
    return a->family == b->family && a->component == b->component && a->cause == b->cause &&
           (a->error_type == b->error_type || (a->error_type && b->error_type && !strcmp(a->error_type, b->error_type)));
}

/* The Prometheus text format, version 0.0.4: each family's HELP and TYPE, then
 * one sample per series, the slots of one series (several threads) summed. */
static inline void rgp__metrics_text(const rgp_metrics_server *s, rgp__mbuf *b)
{
    const rgp_counters *t = s->t;
    for (int f = 0; f < RGP_M_NFAMILIES; f++) {
        const struct rgp_metric_family_info *fi = &rgp_metric_families[f];
        if (!fi->name) continue;
        rgp__mbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", fi->name, fi->help, fi->name, fi->type);
        for (int i = 0; i < t->ncounters; i++) {
            const rgp_counter *c = &t->counters[i];
            if ((int)c->family != f) continue;
            int first = 1;
            for (int j = 0; j < i && first; j++) first = !rgp__same_series(&t->counters[j], c);
            if (!first) continue;
            uint64_t v = 0;
            for (int j = i; j < t->ncounters; j++)
                if (rgp__same_series(&t->counters[j], c)) v += rgp_load_relaxed_u64(t->counters[j].slot);   /* a counter: no order */
            rgp__mbuf_printf(b, "%s", fi->name);
            rgp__metrics_labels(b, t, c->component);
            if (fi->label) rgp__mbuf_label(b, fi->label, c->error_type ? c->error_type : rgp_loss_causes[c->cause].name);
            rgp__mbuf_printf(b, "} %llu\n", (unsigned long long)v);
        }
    }
    rgp__mbuf_printf(b, "# HELP rgp_ring_capacity Slots of a ring (a drop_newest reader's own buffer is a ring too).\n"
                        "# TYPE rgp_ring_capacity gauge\n");
    for (int i = 0; i < s->nstats; i++) {
        int first = 1;
        for (int j = 0; j < i && first; j++) first = strcmp(s->stats[j].ring, s->stats[i].ring) != 0;
        if (!first) continue;
        rgp__mbuf_printf(b, "rgp_ring_capacity{pipeline=\"%s\"", t->pipeline);
        rgp__mbuf_label(b, "ring", s->stats[i].ring);
        rgp__mbuf_printf(b, "} %llu\n", (unsigned long long)(*s->stats[i].consumer)->d->capacity);
    }
    rgp__mbuf_printf(b, "# HELP rgp_ring_lag Records published into a ring that its reader has not read yet.\n"
                        "# TYPE rgp_ring_lag gauge\n");
    for (int i = 0; i < s->nstats; i++) {
        rgp__mbuf_printf(b, "rgp_ring_lag{pipeline=\"%s\"", t->pipeline);
        rgp__mbuf_label(b, "ring", s->stats[i].ring);
        rgp__mbuf_label(b, "reader", s->stats[i].thread);
        rgp__mbuf_printf(b, "} %llu\n", (unsigned long long)rgp_consumer_lag(*s->stats[i].consumer));
    }
}

/* /health: 200 while every source is live; 503 with the reason once one has
 * failed, ended or stopped, a sink failed, or the pipeline is draining. */
static inline int rgp__metrics_health(const rgp_metrics_server *s, rgp__mbuf *b)
{
    static const char *const said[] = {"live", "ended", "stopped", "failed"};
    const rgp_counters *t = s->t;
    const char *status = NULL;
    char reason[256] = "";
    for (int i = 0; i < t->ncounters && !status; i++) {
        const rgp_counter *c = &t->counters[i];
        uint64_t v = rgp_load_relaxed_u64(c->slot);   /* a flag: nothing is read through it */
        if (c->family == RGP_M_STATE && v != RGP_SOURCE_LIVE && v < 4) {
            status = v == RGP_SOURCE_FAILED ? "failed" : "draining";
            snprintf(reason, sizeof reason, "source '%s' has %s", t->components[c->component].id, said[v]);
        } else if (c->family == RGP_M_ERRORS && v && !strcmp(t->components[c->component].kind, "sink")) {
            status = "failed";
            snprintf(reason, sizeof reason, "sink '%s' could not be written", t->components[c->component].id);
        }
    }
    uint32_t stop = rgp_load_relaxed_u32(&rgp_stop);   /* a flag: nothing is read through it */
    if (!status && stop) {
        status = "draining";
        snprintf(reason, sizeof reason, "stopping: %s", rgp__stop_reason(stop));
    }
    if (!status && rgp_load_relaxed_u32(&rgp_failed)) status = "failed", snprintf(reason, sizeof reason, "a thread hit an error");
    if (!status) {
        rgp__mbuf_printf(b, "{\"status\":\"ok\"}\n");
        return 200;
    }
    rgp__mbuf_printf(b, "{\"status\":\"%s\",\"reason\":\"", status);
    for (const char *q = reason; *q; q++) rgp__mbuf_printf(b, *q == '"' || *q == '\\' ? "\\%c" : "%c", *q);
    rgp__mbuf_printf(b, "\"}\n");
    return 503;
}

/* A JSON string: ", \ and control characters escaped. */
static inline void rgp__mbuf_json(rgp__mbuf *b, const char *v)
{
    rgp__mbuf_printf(b, "\"");
    for (const unsigned char *q = (const unsigned char *)v; *q; q++) {
        if (*q == '\\' || *q == '"') rgp__mbuf_printf(b, "\\%c", *q);
        else if (*q < 0x20) rgp__mbuf_printf(b, "\\u%04x", *q);
        else rgp__mbuf_printf(b, "%c", *q);
    }
    rgp__mbuf_printf(b, "\"");
}

/* /metrics.json: the samples of /metrics, grouped by component. A family with
 * a label is an object of its label's values; a source's state is a word. */
static inline void rgp__metrics_json(const rgp_metrics_server *s, rgp__mbuf *b)
{
    static const char *const states[] = {"live", "ended", "stopped", "failed"};
    const rgp_counters *t = s->t;
    rgp__mbuf_printf(b, "{\"pipeline\":");
    rgp__mbuf_json(b, t->pipeline);
    rgp__mbuf_printf(b, ",\"components\":[");
    for (int comp = 0; comp < t->ncomponents; comp++) {
        const rgp_component *c = &t->components[comp];
        rgp__mbuf_printf(b, "%s\n{\"id\":", comp ? "," : "");
        rgp__mbuf_json(b, c->id);
        rgp__mbuf_printf(b, ",\"kind\":");
        rgp__mbuf_json(b, c->kind);
        rgp__mbuf_printf(b, ",\"type\":");
        rgp__mbuf_json(b, c->type);
        for (int f = 0; f < RGP_M_NFAMILIES; f++) {
            const struct rgp_metric_family_info *fi = &rgp_metric_families[f];
            int seen = 0;
            for (int i = 0; i < t->ncounters; i++) {
                const rgp_counter *k = &t->counters[i];
                if ((int)k->family != f || k->component != comp) continue;
                int first = 1;
                for (int j = 0; j < i && first; j++) first = !rgp__same_series(&t->counters[j], k);
                if (!first) continue;
                uint64_t v = 0;
                for (int j = i; j < t->ncounters; j++)
                    if (rgp__same_series(&t->counters[j], k)) v += rgp_load_relaxed_u64(t->counters[j].slot);   /* a counter: no order */
                if (f == RGP_M_STATE) {
                    rgp__mbuf_printf(b, ",\"state\":\"%s\"", v < 4 ? states[v] : "live");
                    break;
                }
                if (!seen++) rgp__mbuf_printf(b, ",\"%s\":%s", fi->json, fi->label ? "{" : "");
                else if (fi->label) rgp__mbuf_printf(b, ",");
                if (fi->label) {
                    rgp__mbuf_json(b, k->error_type ? k->error_type : rgp_loss_causes[k->cause].name);
                    rgp__mbuf_printf(b, ":");
                } else if (seen > 1) {
                    continue;   /* one series only: the first holds the sum */
                }
                rgp__mbuf_printf(b, "%llu", (unsigned long long)v);
            }
            if (seen && fi->label) rgp__mbuf_printf(b, "}");
        }
        rgp__mbuf_printf(b, "}");
    }
    rgp__mbuf_printf(b, "],\n\"rings\":[");
    for (int i = 0; i < s->nstats; i++) {
        const rgp_consumer *c = *s->stats[i].consumer;
        rgp__mbuf_printf(b, "%s\n{\"ring\":", i ? "," : "");
        rgp__mbuf_json(b, s->stats[i].ring);
        rgp__mbuf_printf(b, ",\"reader\":");
        rgp__mbuf_json(b, s->stats[i].thread);
        rgp__mbuf_printf(b, ",\"capacity\":%llu,\"lag\":%llu}", (unsigned long long)c->d->capacity,
                         (unsigned long long)rgp_consumer_lag(c));
    }
    rgp__mbuf_printf(b, "]}\n");
}

static inline const char *rgp__http_reason(int code)
{
    switch (code) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    default: return "Internal Server Error";
    }
}

/* The client's whole response: status line, headers, body; the connection closes after it. */
static inline void rgp__metrics_respond(rgp__mclient *cl, int code, const char *type, const rgp__mbuf *body)
{
    cl->out.len = 0;
    rgp__mbuf_printf(&cl->out, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%sConnection: close\r\n\r\n", code,
                     rgp__http_reason(code), type, body->len, code == 405 ? "Allow: GET\r\n" : "");
    if (body->len) rgp__mbuf_printf(&cl->out, "%.*s", (int)body->len, body->p);
    cl->sent = 0;
}

static inline void rgp__metrics_error(rgp__mclient *cl, int code, const char *what)
{
    rgp__mbuf body = {0};
    rgp__mbuf_printf(&body, "%d %s: %s\n", code, rgp__http_reason(code), what);
    rgp__metrics_respond(cl, code, "text/plain; charset=utf-8", &body);
    free(body.p);
}

/* A request head, whole (it ends with CR LF CR LF at end): the request line
 * METHOD SP /PATH SP HTTP/1.x, then header lines NAME: VALUE, Host among them
 * for HTTP/1.1. Anything else is a 400. */
static inline void rgp__metrics_handle(const rgp_metrics_server *s, rgp__mclient *cl, size_t end)
{
    char *r = cl->req;
    r[end] = 0;
    char *eol = strstr(r, "\r\n");
    char *sp1 = memchr(r, ' ', (size_t)(eol - r));
    char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
    if (!sp1 || !sp2 || sp1 == r || sp1[1] != '/' ||
        (eol - sp2 - 1 != 8 || (strncmp(sp2 + 1, "HTTP/1.1", 8) && strncmp(sp2 + 1, "HTTP/1.0", 8)))) {
        rgp__metrics_error(cl, 400, "expected a request line METHOD /PATH HTTP/1.1");
        return;
    }
    for (char *q = r; q < sp1; q++)
        if (*q < 'A' || *q > 'Z') {
            rgp__metrics_error(cl, 400, "the method is not a word in capitals");
            return;
        }
    int host = 0;
    for (char *h = eol + 2; *h != '\r'; ) {
        char *next = strstr(h, "\r\n");
        char *colon = memchr(h, ':', (size_t)(next - h));
        if (!colon || colon == h || memchr(h, ' ', (size_t)(colon - h))) {
            rgp__metrics_error(cl, 400, "expected a header line NAME: VALUE");
            return;
        }
        if (colon - h == 4 && !strncasecmp(h, "host", 4)) host = 1;
        h = next + 2;
    }
    if (!host && !strncmp(sp2 + 1, "HTTP/1.1", 8)) {
        rgp__metrics_error(cl, 400, "an HTTP/1.1 request needs a Host header");
        return;
    }
    /* the paths, in the order of what they answer */
    static const char *const paths[] = {"/metrics", "/health", "/metrics.json", "/"};
    size_t plen = strcspn(sp1 + 1, "? ");
    int path = -1;
    for (int i = 0; i < 4 && path < 0; i++)
        if (plen == strlen(paths[i]) && !strncmp(sp1 + 1, paths[i], plen)) path = i;
    if (path == 3 && !s->page) path = -1;
    if (path < 0) {
        rgp__metrics_error(cl, 404, s->page ? "the paths are /, /metrics, /metrics.json and /health" : "the paths are /metrics, /metrics.json and /health");
        return;
    }
    if (sp1 - r != 3 || strncmp(r, "GET", 3)) {
        rgp__metrics_error(cl, 405, "only GET");
        return;
    }
    static const char *const types[] = {"text/plain; version=0.0.4; charset=utf-8", "application/json", "application/json",
                                        "text/html; charset=utf-8"};
    rgp__mbuf body = {0};
    int code = 200;
    if (path == 0) rgp__metrics_text(s, &body);
    else if (path == 1) code = rgp__metrics_health(s, &body);
    else if (path == 2) rgp__metrics_json(s, &body);
    else rgp__mbuf_printf(&body, "%s", s->page);
    if (body.oom) rgp__metrics_error(cl, 500, "out of memory");
    else rgp__metrics_respond(cl, code, types[path], &body);
    free(body.p);
}

static inline void rgp__mclient_close(rgp__mclient *cl)
{
    close(cl->fd);
    cl->fd = -1;
    cl->len = cl->sent = 0;
    cl->out.len = 0;
}

/* Reads what the client sent; answers once the head is whole, or too long. */
static inline void rgp__mclient_read(const rgp_metrics_server *s, rgp__mclient *cl)
{
    ssize_t k = recv(cl->fd, cl->req + cl->len, sizeof cl->req - 1 - cl->len, 0);
    if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    if (k <= 0) {
        rgp__mclient_close(cl);   /* gone, or reset: nothing to answer */
        return;
    }
    size_t from = cl->len > 3 ? cl->len - 3 : 0;
    cl->len += (size_t)k;
    cl->req[cl->len] = 0;
    char *end = strstr(cl->req + from, "\r\n\r\n");
    if (end) rgp__metrics_handle(s, cl, (size_t)(end - cl->req) + 4);
    else if (cl->len == sizeof cl->req - 1) rgp__metrics_error(cl, 431, "the request head is longer than 8191 bytes");
}

static inline void rgp__mclient_write(rgp__mclient *cl)
{
    ssize_t k = send(cl->fd, cl->out.p + cl->sent, cl->out.len - cl->sent, MSG_NOSIGNAL);
    if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    if (k <= 0 || (cl->sent += (size_t)k) == cl->out.len) {
        shutdown(cl->fd, SHUT_WR);
        rgp__mclient_close(cl);
    }
}

static void *rgp__metrics_thread(void *arg)
{
    rgp_metrics_server *s = arg;
    struct pollfd pf[2 + RGP_METRICS_CLIENTS];
    int who[2 + RGP_METRICS_CLIENTS];
    for (;;) {
        int n = 0, free_slot = 0;
        int64_t now = rgp__mono_ms(), due = INT64_MAX;
        memset(pf, 0, sizeof pf);   /* no revents left from a poll that an EINTR cut short */
        pf[n].fd = s->wake[0], pf[n].events = POLLIN, who[n++] = -1;
        for (int i = 0; i < RGP_METRICS_CLIENTS; i++) {
            rgp__mclient *cl = &s->c[i];
            if (cl->fd < 0) {
                free_slot = 1;
                continue;
            }
            if (now >= cl->deadline) {   /* a slow client: dropped, and its slot is free again */
                rgp__mclient_close(cl);
                free_slot = 1;
                continue;
            }
            if (cl->deadline < due) due = cl->deadline;
            pf[n].fd = cl->fd, pf[n].events = cl->out.len ? POLLOUT : POLLIN, who[n++] = i;
        }
        if (free_slot) pf[n].fd = s->fd, pf[n].events = POLLIN, who[n++] = -2;
        int wait = due == INT64_MAX ? -1 : (int)(due - now);
        if (poll(pf, (nfds_t)n, wait) < 0 && errno != EINTR) break;
        if (pf[0].revents) break;   /* main wrote to wake: the pipeline has ended */
        for (int k = 1; k < n; k++) {
            if (!pf[k].revents) continue;
            if (who[k] == -2) {
                for (int i = 0; i < RGP_METRICS_CLIENTS; i++) {
                    if (s->c[i].fd >= 0) continue;
                    int fd = accept(s->fd, NULL, NULL);
                    if (fd < 0) break;
                    rgp__set_nonblock(fd);
                    s->c[i].fd = fd;
                    s->c[i].deadline = rgp__mono_ms() + RGP_METRICS_DEADLINE_MS;
                }
                continue;
            }
            rgp__mclient *cl = &s->c[who[k]];
            if (cl->out.len) rgp__mclient_write(cl);
            else rgp__mclient_read(s, cl);
            if (cl->fd >= 0 && cl->out.len && cl->sent == 0) rgp__mclient_write(cl);   /* answered just now: most fit at once */
        }
    }
    return NULL;
}

/* Binds ADDR before any thread starts, so a bad or busy address stops the
 * program with nothing done. 0, or -1 with the error said. */
static inline int rgp_metrics_listen(rgp_metrics_server *s, const char *prog, const char *addr, const rgp_counters *t,
                                     const char *page)
{
    memset(s, 0, sizeof *s);
    s->prog = prog;
    s->t = t;
    s->page = page;
    s->fd = s->wake[0] = s->wake[1] = -1;
    for (int i = 0; i < RGP_METRICS_CLIENTS; i++) s->c[i].fd = -1;
    struct sockaddr_storage sa;
    socklen_t len;
    char err[256];
    if (rgp_net_resolve(addr, SOCK_STREAM, 1, &sa, &len, err, sizeof err) != 0) {
        fprintf(stderr, "%s: error: cannot serve metrics on '%s': %s\n", prog, addr, err);
        return -1;
    }
    int one = 1;
    if ((s->fd = socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
        setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 || bind(s->fd, (struct sockaddr *)&sa, len) != 0 ||
        listen(s->fd, 64) != 0 || rgp__set_nonblock(s->fd) != 0 || pipe(s->wake) != 0) {
        fprintf(stderr, "%s: error: cannot serve metrics on '%s': %s\n", prog, addr, strerror(errno));
        if (s->fd >= 0) close(s->fd);
        s->fd = -1;
        return -1;
    }
    len = sizeof sa;
    getsockname(s->fd, (struct sockaddr *)&sa, &len);
    rgp_net_addr_text(&sa, s->addr, sizeof s->addr);
    return 0;
}

/* Once the rings exist: serves until rgp_metrics_stop. */
static inline void rgp_metrics_start(rgp_metrics_server *s, const rgp_stat *stats, int nstats)
{
    s->stats = stats;
    s->nstats = nstats;
    if (pthread_create(&s->thread, NULL, rgp__metrics_thread, s) != 0) {
        fprintf(stderr, "%s: warning: cannot start the metrics server on %s: %s\n", s->prog, s->addr, strerror(errno));
        return;
    }
    s->started = 1;
    pthread_setname_np(s->thread, "metrics");
}

/* After the pipeline has drained (before the rings go): the server stops. */
static inline void rgp_metrics_stop(rgp_metrics_server *s)
{
    if (s->started) {
        ssize_t k = write(s->wake[1], "x", 1);
        (void)k;
        pthread_join(s->thread, NULL);
        s->started = 0;
    }
    for (int i = 0; i < RGP_METRICS_CLIENTS; i++) {
        if (s->c[i].fd >= 0) close(s->c[i].fd);
        free(s->c[i].out.p);
    }
    if (s->fd >= 0) close(s->fd);
    if (s->wake[0] >= 0) close(s->wake[0]), close(s->wake[1]);
}

#endif
