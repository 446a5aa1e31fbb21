/* rgp_nats.h - nats("nats://HOST:PORT", ...) sources on NATS JetStream
 * (issue 12), through libnats. Only a program that uses NATS includes this
 * and links libnats. A source is a durable pull consumer (explicit acks): it
 * fetches a batch sized to its ring's free slots, hands each message's data
 * to the generated parser as one record, fetches the next batch while the
 * readers work through it, and acks the batch's messages only once every reader downstream has written out what the batch
 * became: the drain below. docs/connectors.md states the guarantee. */
#ifndef RGP_NATS_H
#define RGP_NATS_H

#include <nats/nats.h>
#include <sched.h>
#include "rgp_runtime.h"

#define RGP_NATS_FETCH_MS 200     /* one fetch waits this long for messages: a stop is seen as soon */
#define RGP_NATS_RECONNECT_MS 250
#define RGP_NATS_BATCH_MAX 4096   /* messages per fetch, at most (twice this: the consumer's max_ack_pending) */

/* ---- the drain: every reader downstream has written out a source's batch ----
 *
 * Each reader thread of a program with a nats source keeps `done`: every
 * record it read before it has been handed on (published into the rings it
 * writes) and written by its sinks (their buffers flushed). It stores it when
 * it is about to wait, after the flush, and at the end of a batch when a
 * source asks (rgp_drain_asked), after a flush too. A source that published
 * [.., end) into its ring waits for each reader of that ring to pass end;
 * then, ring by ring downstream, for each reader of the next ring to pass
 * what had been published into that one by then (compiler/emit_nats.c writes
 * the walk for each source from the plan). */
static RGP_ATOMIC(uint32_t) rgp_drain_asked;   /* sources waiting for a drain now */

/* A reader's side: everything before `end` is out. */
static inline void rgp_drain_done(RGP_ATOMIC(uint64_t) *done, uint64_t end)
{
    rgp_store_release_u64(done, end);   /* pairs with the acquire in rgp_drain_wait */
}

/* Whether a source waits: then a busy reader flushes at the end of its batch. */
static inline int rgp_drain_wanted(void) { return rgp_load_relaxed_u32(&rgp_drain_asked) != 0; }

/* Everything ever published into d, as far as a reader may wait for it now. */
static inline uint64_t rgp_drain_published(const rgp_disruptor *d)
{
    /* one producer: pairs with the release in rgp_sp_publish; several: the claimed
     * end, each claim published at once (emit_deliver) */
    return d->multi ? rgp_load_acquire_u64(&d->claim) : rgp_load_acquire_u64(&d->cursor);
}

/* Waits until the reader's done passes end: 1, or 0 when the program failed
 * (then nothing is acked: the server delivers it again). */
static inline int rgp_drain_wait(const RGP_ATOMIC(uint64_t) *done, uint64_t end)
{
    for (unsigned spins = 0;; spins++) {
        /* pairs with the release in rgp_drain_done */
        if ((int64_t)(rgp_load_acquire_u64(done) - end) >= 0) return 1;
        if (rgp_load_acquire_u32(&rgp_failed)) return 0;   /* pairs with rgp_fail */
        if (spins < 64) {
            sched_yield();
        } else {
            struct timespec ts = {0, spins < 1000 ? 50000 : 1000000};
            nanosleep(&ts, NULL);
        }
    }
}

/* The servers of "nats://a:4222,nats://b:4222" (a cluster): natsOptions_SetURL
 * takes one URL only, so the list is split for natsOptions_SetServers. */
static inline natsStatus rgp__nats_set_servers(natsOptions *o, const char *urls)
{
    char copy[2048], *list[64];
    int n = 0;
    if (strlen(urls) >= sizeof copy) return NATS_INVALID_ARG;
    strcpy(copy, urls);
    for (char *p = copy, *save = NULL, *t; n < 64 && (t = strtok_r(p, ",", &save)); p = NULL) list[n++] = t;
    return n == 1 ? natsOptions_SetURL(o, list[0]) : natsOptions_SetServers(o, (const char **)list, n);
}

/* ---- the source ------------------------------------------------------------ */

typedef struct rgp_nats_source {
    const char *prog;
    const rgp_endpoint *ep;
    const char *stream, *subject, *durable;
    int64_t idle_ms;
    natsConnection *nc;
    jsCtx *js;
    natsSubscription *sub;
    natsMsgList batch;        /* the messages of the last fetch; [0, pos) handed to the parser */
    natsMsgList held;         /* the batch before: all in the ring, acked once drained */
    int pos;
    int64_t last_msg_ms;      /* when a fetch last brought messages: for idle */
    int ended;                /* idle: the stream ended */
    int down;                 /* a failing fetch was reported: said once until one works */
    int said_owed;            /* idle came with messages still owed: said once */
    uint64_t messages, redelivered, batches, acks_failed;
    size_t dprefix;
    char dname[512];          /* "nats(URL) stream S subject X, sequence": what rejections name */
    char filter[1088];        /* partitioned: PREFIX.I.> */
    char dur[96];             /* partitioned: DURABLE-pI */
} rgp_nats_source;

static inline int64_t rgp__nats_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline void rgp__nats_error(const rgp_nats_source *ns, const char *what, natsStatus s, jsErrCode je)
{
    const char *said = natsStatus_GetText(s), *last = nats_GetLastError(NULL);
    int more = last && *last && !strstr(last, said);   /* libnats's own words, when they add to the status */
    fprintf(stderr, "%s: %s: error: source '%s': %s %s: %s%s%s", ns->prog, ns->ep->where, ns->ep->name, what, ns->ep->path, said,
            more ? ": " : "", more ? last : "");
    if (je) fprintf(stderr, " (JetStream error %d)", (int)je);
    fputc('\n', stderr);
}

/* partition: env("NAME"): the variable's text as a partition below n, or -1 said. */
static inline int rgp_nats_partition_env(const char *prog, const rgp_endpoint *ep, rgp_str text, const char *name, int n, int *out)
{
    long v = 0;
    size_t k = 0;
    while (k < text.len && text.ptr[k] >= '0' && text.ptr[k] <= '9' && v < n) v = v * 10 + (text.ptr[k++] - '0');
    if (!text.len || k != text.len || v >= n) {
        fprintf(stderr, "%s: %s: error: source '%s': partition: env(\"%s\") is \"%.*s\", not a partition from 0 to %d\n", prog,
                ep->where, ep->name, name, (int)text.len, text.ptr, n - 1);
        return -1;
    }
    *out = (int)v;
    return 0;
}

/* Connects (the URL is ep->path: NAME=URL on the command line may change it),
 * finds the stream and creates or binds the durable consumer. With partitions
 * n > 0, the consumer is DURABLE-pI and reads subject PREFIX.> as PREFIX.I.>
 * only: the server's mapping put each key under one partition, so each key
 * reaches one process. 0, or -1 said. */
static inline int rgp_nats_source_open(const char *prog, const rgp_endpoint *ep, rgp_nats_source *ns, const char *stream,
                                       const char *subject, const char *durable, int64_t idle_ms, int64_t ack_wait_ms,
                                       int partition, int partitions)
{
    memset(ns, 0, sizeof *ns);
    if (partitions > 0) {   /* sema made sure subject ends in ".>" */
        snprintf(ns->filter, sizeof ns->filter, "%.*s.%d.>", (int)strlen(subject) - 2, subject, partition);
        snprintf(ns->dur, sizeof ns->dur, "%s-p%d", durable, partition);
        subject = ns->filter, durable = ns->dur;
    }
    ns->prog = prog, ns->ep = ep, ns->stream = stream, ns->subject = subject, ns->durable = durable, ns->idle_ms = idle_ms;
    natsOptions *o = NULL;
    jsErrCode je = 0;
    natsStatus s = natsOptions_Create(&o);
    if (s == NATS_OK) s = rgp__nats_set_servers(o, ep->path);
    if (s == NATS_OK) s = natsOptions_SetMaxReconnect(o, -1);   /* reconnect for ever; libnats does it */
    if (s == NATS_OK) s = natsOptions_SetReconnectWait(o, RGP_NATS_RECONNECT_MS);
    if (s == NATS_OK) s = natsConnection_Connect(&ns->nc, o);
    natsOptions_Destroy(o);
    if (s != NATS_OK) {
        rgp__nats_error(ns, "cannot connect to", s, 0);
        return -1;
    }
    jsOptions jo;
    jsOptions_Init(&jo);
    jsStreamInfo *si = NULL;
    if ((s = natsConnection_JetStream(&ns->js, ns->nc, &jo)) == NATS_OK) s = js_GetStreamInfo(&si, ns->js, stream, NULL, &je);
    if (s != NATS_OK) {
        char what[160];
        snprintf(what, sizeof what, "no stream '%s' (or no JetStream) at", stream);
        rgp__nats_error(ns, what, s, je);
        return -1;
    }
    jsStreamInfo_Destroy(si);
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = stream;
    /* explicit: acking all below a sequence (js_AckAll) would ack what a killed
     * run had fetched and not written, before the server delivers it again */
    so.Config.AckPolicy = js_AckExplicit;
    so.Config.AckWait = ack_wait_ms * 1000000;
    so.Config.DeliverPolicy = js_DeliverAll;
    so.Config.MaxAckPending = 2 * RGP_NATS_BATCH_MAX;   /* a held batch and the next one: the server holds back no part of a fetch */
    if ((s = js_PullSubscribe(&ns->sub, ns->js, subject, durable, &jo, &so, &je)) != NATS_OK) {
        char what[160];
        snprintf(what, sizeof what, "cannot create or bind consumer '%s' of stream '%s' at", durable, stream);
        rgp__nats_error(ns, what, s, je);
        return -1;
    }
    ns->dprefix = (size_t)snprintf(ns->dname, sizeof ns->dname, "nats(%s) stream %s subject ", ep->display, stream);
    ns->last_msg_ms = rgp__nats_now_ms();
    return 0;
}

/* A message's stream sequence and delivery count, from its ack subject
 * $JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<time>.<pending>
 * (or with <domain>.<account hash> before the stream, and a token after). */
static inline void rgp__nats_meta(natsMsg *m, uint64_t *seq, uint64_t *delivered)
{
    const char *r = natsMsg_GetReply(m), *tok[16];
    int n = 0;
    *seq = 0, *delivered = 1;
    if (!r) return;
    for (const char *p = r; n < 16; n++) {
        tok[n] = p;
        const char *dot = strchr(p, '.');
        if (!dot) { n++; break; }
        p = dot + 1;
    }
    int at = n == 9 ? 4 : n >= 12 ? 6 : -1;
    if (at < 0) return;
    *delivered = strtoull(tok[at], NULL, 10);
    *seq = strtoull(tok[at + 1], NULL, 10);
}

/* Messages fetched and not yet handed out. */
static inline int rgp_nats_source_buffered(const rgp_nats_source *ns) { return ns->pos < ns->batch.Count; }

/* The batch, all handed out and published, waits for its drain: the next
 * one may be fetched meanwhile. */
static inline void rgp_nats_source_hold(rgp_nats_source *ns)
{
    ns->held = ns->batch;
    ns->batch = (natsMsgList){0};
    ns->pos = 0;
}

/* A held batch the drain must pass before it is acked. */
static inline int rgp_nats_source_held(const rgp_nats_source *ns) { return ns->held.Count > 0; }

/* The next message's data as one record, its stream sequence in *line and
 * st->display naming it; RGP_ROW_NEED_INPUT when the batch is used up. */
static inline int rgp_nats_source_next(rgp_nats_source *ns, rgp_source_stats *st, rgp_str *text, uint64_t *line)
{
    if (ns->pos >= ns->batch.Count) {
        st->display = ns->ep->display;   /* what the summary at exit names */
        return ns->ended ? RGP_ROW_EOF : RGP_ROW_NEED_INPUT;
    }
    natsMsg *m = ns->batch.Msgs[ns->pos++];
    uint64_t delivered;
    rgp__nats_meta(m, line, &delivered);
    if (delivered > 1) ns->redelivered++;
    const char *subj = natsMsg_GetSubject(m);
    size_t n = strlen(subj), room = sizeof ns->dname - ns->dprefix - 12;
    if (n > room) n = room;
    memcpy(ns->dname + ns->dprefix, subj, n);
    memcpy(ns->dname + ns->dprefix + n, ", sequence", 11);
    st->display = ns->dname;
    *text = (rgp_str){natsMsg_GetData(m), (size_t)natsMsg_GetDataLength(m)};
    ns->messages++;
    return RGP_ROW_OK;
}

/* After the drain: acks the messages of l (ok), or leaves them to be
 * delivered again (the program failed), and lets them go. */
static inline void rgp__nats_ack_list(rgp_nats_source *ns, natsMsgList *l, int ok)
{
    natsStatus s = NATS_OK;
    for (int i = 0; ok && s == NATS_OK && i < l->Count; i++) s = natsMsg_Ack(l->Msgs[i], NULL);
    if (ok && l->Count && s == NATS_OK) s = natsConnection_FlushTimeout(ns->nc, 5000);   /* the server has them */
    if (s != NATS_OK && !ns->acks_failed++)   /* the server delivers it again after ack_wait: repeats, not losses */
        rgp__nats_error(ns, "acks were not confirmed by", s, 0);
    natsMsgList_Destroy(l);
    *l = (natsMsgList){0};
}

/* The held batch, after its drain. */
static inline void rgp_nats_source_ack(rgp_nats_source *ns, int ok) { rgp__nats_ack_list(ns, &ns->held, ok); }

/* Does the consumer still owe messages: ones not yet delivered, or delivered
 * before (to a run that was killed) and not acked, which the server delivers
 * again once their ack_wait is over? Then idle has not ended the stream:
 * ending now would leave them for the next run. Nor has it while the
 * server cannot say (it is away, or electing a leader). */
static inline int rgp__nats_others_pending(rgp_nats_source *ns)
{
    jsConsumerInfo *ci = NULL;
    jsErrCode je = 0;
    if (js_GetConsumerInfo(&ci, ns->js, ns->stream, ns->durable, NULL, &je) != NATS_OK || !ci)
        return 1;   /* no answer (a server away, a leader being elected): nothing says the stream is done */
    int64_t owed = (int64_t)ci->NumPending + ci->NumAckPending - ns->held.Count;   /* the held batch is ours, acked after the drain */
    jsConsumerInfo_Destroy(ci);
    if (owed > 0 && !ns->said_owed) {
        fprintf(stderr, "%s: %s: source '%s': idle, but %lld messages are still owed (delivered before and not acked: they come again after ack_wait); waiting for them\n",
                ns->prog, ns->ep->where, ns->ep->name, (long long)owed);
        ns->said_owed = 1;
    }
    return owed > 0;
}

/* The next batch (the last one is held or acked), at most `room` messages: 0 (none within the fetch's wait is
 * fine: the caller loops and sees a stop), or 1 when idle ended the stream.
 * A failing server is said once per outage; libnats reconnects meanwhile. */
static inline int rgp_nats_source_fetch(rgp_nats_source *ns, uint64_t room)
{
    jsErrCode je = 0;
    int want = room > RGP_NATS_BATCH_MAX ? RGP_NATS_BATCH_MAX : room < 1 ? 1 : (int)room;
    natsStatus s = natsSubscription_Fetch(&ns->batch, ns->sub, want, RGP_NATS_FETCH_MS, &je);
    int64_t now = rgp__nats_now_ms();
    if (s == NATS_OK && ns->batch.Count) {
        if (ns->down) fprintf(stderr, "%s: %s: source '%s': %s answers again\n", ns->prog, ns->ep->where, ns->ep->name, ns->ep->path);
        ns->down = 0;
        ns->batches++;
        ns->last_msg_ms = now;
        return 0;
    }
    natsMsgList_Destroy(&ns->batch);
    ns->batch = (natsMsgList){0};
    if (s != NATS_OK && s != NATS_TIMEOUT) {
        if (!ns->down++) rgp__nats_error(ns, "cannot fetch from (retrying)", s, je);
        struct timespec ts = {0, RGP_NATS_RECONNECT_MS * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (ns->idle_ms && now - ns->last_msg_ms >= ns->idle_ms && !rgp__nats_others_pending(ns)) ns->ended = 1;
    return ns->ended;
}

/* At exit, after the sinks closed: the last batch is acked if all went well,
 * and what the source did is said. */
static inline void rgp_nats_source_close(rgp_nats_source *ns, rgp_source_stats *st, int ok)
{
    rgp__nats_ack_list(ns, &ns->held, ok);   /* empty unless a drain failed */
    rgp__nats_ack_list(ns, &ns->batch, ok);  /* all handed out: the loop ends only between records */
    ns->pos = 0;
    st->display = ns->ep->display;
    if (ns->redelivered)
        fprintf(stderr, "%s: %s: source '%s': %llu messages were delivered again (not acked before a restart or ack_wait): their records may repeat\n",
                ns->prog, ns->ep->where, ns->ep->name, (unsigned long long)ns->redelivered);
    if (ns->acks_failed)
        fprintf(stderr, "%s: %s: source '%s': %llu acks were not confirmed: those messages may come again\n", ns->prog, ns->ep->where,
                ns->ep->name, (unsigned long long)ns->acks_failed);
    if (ns->sub) natsSubscription_Destroy(ns->sub);
    if (ns->js) jsCtx_Destroy(ns->js);
    if (ns->nc) natsConnection_Destroy(ns->nc);
    ns->sub = NULL, ns->js = NULL, ns->nc = NULL;
}

/* ---- the sink --------------------------------------------------------------
 *
 * A nats sink formats each record with the generated writer into its rgp_writer's
 * buffer (which never goes to a file), builds the record's subject from the
 * template, and publishes the text to JetStream asynchronously, at most
 * `pending` awaiting their ack. Each message carries Nats-Msg-Id
 * PROGRAM-RUN-SINK-N (RUN: this run's own id), so that the stream stores a
 * message sent again only once. A publish that fails or gets no ack in time is
 * handed back by libnats's ack handler and sent again, with the same id, from
 * the sink's thread; a flush waits until every publish is acked. No stream
 * listening on the subject is an error of the sink. */

#define RGP_NATS_PUB_WAIT_MS 5000     /* a publish without its ack after this long is sent again */
#define RGP_NATS_STOP_GIVE_UP_MS 5000 /* after a stop, how long the last acks are waited for */
#define RGP_NATS_SUBJECT_MAX 1024

typedef struct rgp_nats_sink {
    const char *prog;
    const rgp_endpoint *ep;
    const char *subject;          /* the template, for messages */
    natsConnection *nc;
    jsCtx *js;
    char subj[RGP_NATS_SUBJECT_MAX + 64];   /* this record's subject */
    size_t slen;
    int subj_bad;                 /* a field's text cannot be a subject token */
    char id[256];                 /* PROGRAM-RUN-SINK- then the record's number */
    size_t idlen;
    uint64_t seq, published, resent, bad_subject;
    int said_bad, said_down;
    /* shared with libnats's ack handler thread, under mu */
    pthread_mutex_t mu;
    natsMsg **retry;              /* failed publishes handed back, to send again */
    int nretry, capretry;
    int fatal;                    /* a publish the server refused for good: why says it */
    char why[256];
    uint64_t acked, dups;
} rgp_nats_sink;

/* libnats's thread: an ack, or a message to send again (kept), or a refusal. */
static void rgp__nats_on_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *closure)
{
    (void)js;
    rgp_nats_sink *s = (rgp_nats_sink *)closure;
    pthread_mutex_lock(&s->mu);
    if (pa) {
        s->acked++;
        if (pa->Duplicate) s->dups++;
        natsMsg_Destroy(msg);
    } else if (pae && (pae->Err == NATS_NO_RESPONDERS || pae->ErrCode)) {
        if (!s->fatal)
        {
            const char *said = natsStatus_GetText(pae->Err);
            int more = pae->ErrText && *pae->ErrText && strcmp(pae->ErrText, said);
            snprintf(s->why, sizeof s->why, "%s%s%s (subject %s)", said, more ? ": " : "", more ? pae->ErrText : "", natsMsg_GetSubject(msg));
        }
        s->fatal = 1;
        natsMsg_Destroy(msg);
    } else if (s->nretry < s->capretry) {
        s->retry[s->nretry++] = msg;   /* sent again by the sink's thread, with the same Nats-Msg-Id */
    } else {
        natsMsg_Destroy(msg);           /* cannot happen: the list holds `pending` */
        s->fatal = 1;
        snprintf(s->why, sizeof s->why, "more failed publishes than may be pending");
    }
    pthread_mutex_unlock(&s->mu);
}

static inline int rgp_nats_sink_open(rgp_writer *w, rgp_nats_sink *s, const char *prog, const rgp_endpoint *ep, const char *subject,
                                     uint64_t pending)
{
    memset(s, 0, sizeof *s);
    memset(w, 0, sizeof *w);
    s->prog = prog, s->ep = ep, s->subject = subject;
    pthread_mutex_init(&s->mu, NULL);
    s->capretry = (int)pending + 1;
    w->fd = -1;   /* never written to: each record is taken from the buffer and published */
    w->display = ep->display;
    if (!(s->retry = (natsMsg **)calloc((size_t)s->capretry, sizeof *s->retry)) || !(w->buf = (char *)malloc(RGP_WRITER_CAP))) {
        fprintf(stderr, "%s: error: out of memory\n", prog);
        return -1;
    }
    natsOptions *o = NULL;
    natsStatus st = natsOptions_Create(&o);
    if (st == NATS_OK) st = rgp__nats_set_servers(o, ep->path);
    if (st == NATS_OK) st = natsOptions_SetMaxReconnect(o, -1);
    if (st == NATS_OK) st = natsOptions_SetReconnectWait(o, RGP_NATS_RECONNECT_MS);
    if (st == NATS_OK) st = natsConnection_Connect(&s->nc, o);
    natsOptions_Destroy(o);
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.PublishAsync.MaxPending = (int64_t)pending;
    jo.PublishAsync.AckHandler = rgp__nats_on_ack;
    jo.PublishAsync.AckHandlerClosure = s;
    if (st == NATS_OK) st = natsConnection_JetStream(&s->js, s->nc, &jo);
    if (st != NATS_OK) {
        fprintf(stderr, "%s: %s: error: sink '%s': cannot connect to %s: %s\n", prog, ep->where, ep->name, ep->path, natsStatus_GetText(st));
        return -1;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    s->idlen = (size_t)snprintf(s->id, sizeof s->id - 24, "%s-%llx%05x-%s-", prog,
                                (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec, (unsigned)getpid() & 0xfffff,
                                ep->name);
    return 0;
}

/* The subject of the record about to be written, piece by piece. */
static inline void rgp_nats_subject_begin(rgp_nats_sink *s) { s->slen = 0, s->subj_bad = 0; }

static inline void rgp_nats_subj_text(rgp_nats_sink *s, const char *p, size_t n)
{
    if (n > RGP_NATS_SUBJECT_MAX - s->slen) { s->subj_bad = 1; return; }
    memcpy(s->subj + s->slen, p, n);
    s->slen += n;
}

/* A field's text: one token, so no '.', space, '*' or '>', and not empty. */
static inline void rgp_nats_subj_str(rgp_nats_sink *s, rgp_str v)
{
    if (!v.len) s->subj_bad = 1;
    for (size_t i = 0; i < v.len; i++) {
        unsigned char c = (unsigned char)v.ptr[i];
        if (c <= ' ' || c == '.' || c == '*' || c == '>' || c == 0x7f) s->subj_bad = 1;
    }
    rgp_nats_subj_text(s, v.ptr, v.len);
}

static inline void rgp_nats_subj_i64(rgp_nats_sink *s, int64_t v)
{
    char b[24];
    rgp_nats_subj_text(s, b, (size_t)snprintf(b, sizeof b, "%lld", (long long)v));
}

static inline void rgp_nats_subj_u64(rgp_nats_sink *s, uint64_t v)
{
    char b[24];
    rgp_nats_subj_text(s, b, (size_t)snprintf(b, sizeof b, "%llu", (unsigned long long)v));
}

static inline void rgp_nats_subj_f64(rgp_nats_sink *s, double v)
{
    char b[32];
    int n = snprintf(b, sizeof b, "%.17g", v);
    rgp_str t = {b, (size_t)n};
    rgp_nats_subj_str(s, t);   /* 1.5 has a '.': not a token */
}

static inline void rgp_nats_subj_bool(rgp_nats_sink *s, int v) { rgp_nats_subj_text(s, v ? "true" : "false", v ? 4 : 5); }

/* Sends again what the ack handler handed back; a refusal fails the sink. 0, or -1. */
static inline int rgp__nats_resend(rgp_nats_sink *s, rgp_writer *w)
{
    pthread_mutex_lock(&s->mu);
    int fatal = s->fatal, n = s->nretry;
    natsMsg *again[64];
    if (n > 64) n = 64;
    for (int i = 0; i < n; i++) again[i] = s->retry[--s->nretry];
    pthread_mutex_unlock(&s->mu);
    for (int i = 0; i < n; i++) {
        natsMsg *m = again[i];
        natsStatus st;
        while ((st = js_PublishMsgAsync(s->js, &m, NULL)) == NATS_TIMEOUT && !rgp_stopping()) {}   /* stalled: as many pending as allowed */
        if (st != NATS_OK) natsMsg_Destroy(m), fatal = fatal ? fatal : 2;
        else s->resent++;
    }
    if (fatal && !w->failed) {
        fprintf(stderr, "%s: %s: error: sink '%s': %s refused a publish: %s\n", s->prog, s->ep->where, s->ep->name, s->ep->path,
                fatal == 2 ? "libnats" : s->why);
        w->failed = 1, w->err = EIO, w->reported = 1;
        rgp_fail();
        rgp_request_stop(RGP_STOP_SINK_FAILED);
    }
    return fatal ? -1 : 0;
}

/* After the generated writer put one record in w's buffer: publish it. */
static inline void rgp_nats_sink_put(rgp_nats_sink *s, rgp_writer *w)
{
    size_t n = w->len;
    w->len = w->mark = 0;
    if (w->failed) return;   /* a failed sink discards, as every sink does */
    if (n && w->buf[n - 1] == '\n') n--;
    if (s->subj_bad) {
        if (!s->bad_subject++)
            fprintf(stderr, "%s: %s: sink '%s': a record's subject '%.*s' is not a NATS subject (a field is empty or has '.', a space, '*' or '>'): not published, counted\n",
                    s->prog, s->ep->where, s->ep->name, (int)(s->slen > 200 ? 200 : s->slen), s->subj);
        return;
    }
    if (s->nretry) rgp__nats_resend(s, w);   /* a racy peek: the lock is taken inside */
    s->subj[s->slen] = 0;
    natsMsg *m = NULL;
    if (natsMsg_Create(&m, s->subj, NULL, w->buf, (int)n) != NATS_OK) rgp_out_of_memory(s->prog);
    snprintf(s->id + s->idlen, sizeof s->id - s->idlen, "%llu", (unsigned long long)++s->seq);
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MsgId = s->id;
    po.MaxWait = RGP_NATS_PUB_WAIT_MS;
    natsStatus st;
    while ((st = js_PublishMsgAsync(s->js, &m, &po)) == NATS_TIMEOUT && !rgp_stopping()) {   /* stalled: `pending` await their ack */
        if (s->nretry) rgp__nats_resend(s, w);
    }
    if (st != NATS_OK) {
        natsMsg_Destroy(m);
        if (!w->failed) {
            fprintf(stderr, "%s: %s: error: sink '%s': cannot publish to %s: %s\n", s->prog, s->ep->where, s->ep->name, s->ep->path,
                    natsStatus_GetText(st));
            w->failed = 1, w->err = EIO, w->reported = 1;
            rgp_fail();
            rgp_request_stop(RGP_STOP_SINK_FAILED);
        }
        return;
    }
    s->published++;
}

/* Waits until every publish is acked, sending again what failed. After a stop
 * it gives up after RGP_NATS_STOP_GIVE_UP_MS (said, and the run fails). */
static inline void rgp_nats_sink_flush(rgp_nats_sink *s, rgp_writer *w)
{
    int64_t stopped_at = 0;
    for (;;) {
        if (rgp__nats_resend(s, w) != 0) return;
        jsPubOptions po;
        jsPubOptions_Init(&po);
        po.MaxWait = 250;
        natsStatus st = js_PublishAsyncComplete(s->js, &po);
        pthread_mutex_lock(&s->mu);
        int left = s->nretry;
        pthread_mutex_unlock(&s->mu);
        if (st == NATS_OK && !left) {
            if (s->said_down) fprintf(stderr, "%s: %s: sink '%s': %s acks again\n", s->prog, s->ep->where, s->ep->name, s->ep->path);
            s->said_down = 0;
            return;
        }
        if (st != NATS_OK && st != NATS_TIMEOUT && !s->said_down++)
            fprintf(stderr, "%s: %s: sink '%s': waiting for %s: %s\n", s->prog, s->ep->where, s->ep->name, s->ep->path, natsStatus_GetText(st));
        if (rgp_stopping()) {
            int64_t now = rgp__nats_now_ms();
            if (!stopped_at) stopped_at = now;
            if (now - stopped_at >= RGP_NATS_STOP_GIVE_UP_MS) {
                natsMsgList pend = {0};
                int n = js_PublishAsyncGetPendingList(&pend, s->js) == NATS_OK ? pend.Count : 0;
                natsMsgList_Destroy(&pend);
                fprintf(stderr, "%s: %s: error: sink '%s': stopped while %s did not ack: %d records not delivered\n", s->prog,
                        s->ep->where, s->ep->name, s->ep->path, n + left);
                w->failed = 1, w->err = EIO, w->reported = 1;
                rgp_fail();
                return;
            }
        }
    }
}

/* At exit, after the threads: the last acks, then what the sink did. */
static inline void rgp_nats_sink_close(rgp_nats_sink *s, rgp_writer *w)
{
    if (!w->failed) rgp_nats_sink_flush(s, w);
    pthread_mutex_lock(&s->mu);
    unsigned long long dups = s->dups;
    pthread_mutex_unlock(&s->mu);
    if (s->resent || dups)
        fprintf(stderr, "%s: %s: sink '%s': %llu records published, %llu sent again, %llu of them already stored (dropped by the server: Nats-Msg-Id)\n",
                s->prog, s->ep->where, s->ep->name, (unsigned long long)s->published, (unsigned long long)s->resent, dups);
    if (s->bad_subject)
        fprintf(stderr, "%s: %s: sink '%s': %llu records not published: their subject (%s) was not a NATS subject\n", s->prog,
                s->ep->where, s->ep->name, (unsigned long long)s->bad_subject, s->subject);
    if (s->js) jsCtx_Destroy(s->js);
    if (s->nc) natsConnection_Destroy(s->nc);
    s->js = NULL, s->nc = NULL;
    for (int i = 0; i < s->nretry; i++) natsMsg_Destroy(s->retry[i]);
    free(s->retry);
    s->retry = NULL;
    free(w->buf);
    w->buf = NULL;
}

#endif
