/* tcp("HOST:PORT") and udp("HOST:PORT") sources and the tcp sink in the
 * generated C (runtime/net.h, runtime/net_sink.h): their state, opening them
 * in main before any thread starts, the few lines the parse thread of such a
 * source runs instead of reading a file, and closing them at the end. */
#include <string.h>
#include "emit_internal.h"

static bool is_net(const node *n) { return n->endpoint == EP_TCP || n->endpoint == EP_UDP; }

static const char *const framing_c[] = {
#define X(id, name) "RGP_FRAMING_" #id,
    RGP_FRAMING_NAMES(X)
#undef X
};

bool emit_is_net(const node *n) { return is_net(n) || n->endpoint == EP_NATS; }   /* nats: emit_nats.c */

void emit_net_globals(emitter *e)
{
    const program *p = e->p;
    emit_nats_globals(e);
    bool any = false;
    for (int i = 0; i < p->nsources; i++)
        if (is_net(p->sources[i]))
            any = true, emit(e, "static rgp_net_source net_%s;   /* source %s: %s(\"%s\") */", p->sources[i]->name, p->sources[i]->name,
                             p->sources[i]->endpoint == EP_TCP ? "tcp" : "udp", p->sources[i]->path);
    for (int i = 0; i < p->nsinks; i++)
        if (is_net(p->sinks[i]))
            any = true, emit(e, "static rgp_net_sink net_%s;   /* sink %s: tcp(\"%s\") */", p->sinks[i]->name, p->sinks[i]->name, p->sinks[i]->path);
    if (any) blank(e);
}

/* In main, after the files are open and before any thread starts: a source
 * listens now, so a client may connect as soon as rgp runs. */
void emit_net_open(emitter *e)
{
    const program *p = e->p;
    emit_nats_open(e);
    for (int i = 0; i < p->nsources; i++) {
        const node *s = p->sources[i];
        if (!is_net(s)) continue;
        emit(e, "if (rgp_net_source_open(RGP_PROGRAM, &endpoints[%d], &net_%s, %d, %s, %lluu, %lluu) != 0) return 1;",
             endpoint_index(p, s), s->name, s->endpoint == EP_UDP, framing_c[s->net.framing], (unsigned long long)s->net.max_len,
             (unsigned long long)s->net.clients);
    }
    for (int i = 0; i < p->nsinks; i++) {
        const node *s = p->sinks[i];
        if (!is_net(s)) continue;
        int k = endpoint_index(p, s);
        emit(e, "if (rgp_net_sink_open(&writers[%d], &net_%s, RGP_PROGRAM, endpoints[%d].where, endpoints[%d].name, endpoints[%d].path,",
             k, s->name, k, k, k);
        emit(e, "                      %s, %d, %lluu, &rgp_stop) != 0) return 1;", framing_c[s->net.framing], s->format == FMT_CSV,
             (unsigned long long)s->net.resend);
        emit(e, "sink_w[%d] = &writers[%d];   /* sink %s: tcp(\"%s\") */", k, k, s->name, s->path);
    }
}

/* In main, after the threads are joined: what a stop left is counted and reported. */
void emit_net_close(emitter *e)
{
    const program *p = e->p;
    emit_nats_close(e);
    for (int i = 0; i < p->nsources; i++)
        if (is_net(p->sources[i])) emit(e, "rgp_net_source_close(&net_%s, &stats_%s);", p->sources[i]->name, p->sources[i]->name);
}

/* The parse thread's locals for a network source: a frame as text (csv splits it). */
void emit_net_parse_locals(emitter *e, const node *src)
{
    emit(e, "(void)in;   /* no file: frames or messages */");
    if (src->format == FMT_CSV) emit(e, "rgp_str text;   /* one frame: one row */");
}

/* What keeps a stopping tcp source going: whole frames already received
 * (their sender was told they arrived) are parsed before it stops. */
const char *emit_net_stop_guard(const node *src)
{
    if (src->endpoint == EP_NATS) {   /* the rest of a fetched batch is parsed before it stops */
        static char more[160];
        snprintf(more, sizeof more, " && !rgp_nats_source_buffered(&nats_%s)", src->name);
        return more;
    }
    if (src->endpoint != EP_TCP) return "";
    static char guard[160];
    snprintf(guard, sizeof guard, " && !rgp_net_source_buffered(&net_%s)", src->name);
    return guard;
}

/* The parse thread's `int rc = ...`: the next frame, and for csv its fields. */
void emit_net_next(emitter *e, const node *src, unsigned long long batch)
{
    if (src->endpoint == EP_NATS) { emit_nats_next(e, src); return; }
    if (src->endpoint == EP_UDP)
        emit(e, "int rc = rgp_udp_source_next(&net_%s, st, ring, next == claim_end, %llu, &text, &line);", src->name, batch);
    else
        emit(e, "int rc = rgp_net_source_next(&net_%s, st, &text, &line);", src->name);
    if (src->format == FMT_CSV)
        emit(e, "if (rc == RGP_ROW_OK) rc = rgp_csv_frame(text, '%s', f, %d, &nf, &why);",
             src->delim == '\'' ? "\\'" : src->delim == '\\' ? "\\\\" : (char[]){src->delim, 0}, src->type->nfields + 1);
}

/* The parse thread's wait for input, inside `if (rc == RGP_ROW_NEED_INPUT) {`. */
void emit_net_wait(emitter *e, const node *src)
{
    if (src->endpoint == EP_NATS) { emit_nats_wait(e, src); return; }
    emit(e, "    if (rgp_net_wait(&net_%s, st) < 0) {", src->name);
    emit(e, "        fprintf(stderr, \"%%s: %%s: error: source '%%s' cannot read %%s: %%s\\n\", RGP_PROGRAM, endpoints[%d].where, endpoints[%d].name, endpoints[%d].display, strerror(errno));",
         endpoint_index(e->p, src), endpoint_index(e->p, src), endpoint_index(e->p, src));
    emit(e, "        rgp_fail();");
    emit(e, "        break;");
    emit(e, "    }");
    emit(e, "    continue;");
    emit(e, "}");
}
