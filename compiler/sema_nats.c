/* sema for nats("nats://HOST:PORT", ...): a NATS JetStream source (a durable
 * pull consumer: stream, subject, durable, idle, ack_wait, and partition and
 * partitions for scale-out across processes) or sink (subject,
 * a template that may name the record's fields, and pending). Errors name
 * the option, with file:line:col, and what it takes. */
#include <string.h>
#include "builtins.h"
#include "sema.h"

/* "nats://HOST:PORT": NULL, or what is wrong. Several, separated by ',', name a cluster's servers. */
static const char *url_problem(const char *s)
{
    for (;;) {
        if (strncmp(s, "nats://", 7)) return "each server begins with nats://";
        s += 7;
        size_t len = strcspn(s, ",");
        const char *colon = memchr(s, ':', len);
        if (!colon || colon == s) return "expected HOST:PORT after nats://";
        for (const char *q = s; q < colon; q++)
            if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') || *q == '.' || *q == '-' || *q == '_'))
                return "the host has a character other than letters, digits, '.', '-' and '_'";
        unsigned long v = 0;
        const char *q = colon + 1;
        if (q == s + len) return "no port after ':'";
        for (; q < s + len; q++) {
            if (*q < '0' || *q > '9') return "the port is not a number";
            if ((v = v * 10 + (unsigned long)(*q - '0')) > 65535) return "the port is not from 1 to 65535";
        }
        if (v == 0) return "the port is not from 1 to 65535";
        if (!s[len]) return NULL;
        s += len + 1;
    }
}

/* A stream or consumer name: letters, digits, '_' and '-', at most 64. */
static bool good_name(const ast_expr *v)
{
    if (v->kind != E_STR || v->u.s.len == 0 || v->u.s.len > 64) return false;
    for (size_t k = 0; k < v->u.s.len; k++) {
        char c = v->u.s.bytes[k];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
    }
    return true;
}

/* A subject: tokens separated by '.', none empty, no spaces; a source's may
 * hold '*' tokens and end with '>'; a sink's {FIELD} pieces are checked later. */
static const char *subject_problem(const char *s, size_t len, bool wild)
{
    if (!len) return "it is empty";
    size_t tok = 0;
    for (size_t k = 0; k <= len; k++) {
        if (k == len || s[k] == '.') {
            if (k == tok) return "it has an empty token (two dots, or a dot at an end)";
            if (k - tok == 1 && s[tok] == '>' && k != len) return "'>' may only be the last token";
            tok = k + 1;
            continue;
        }
        unsigned char c = (unsigned char)s[k];
        if (c <= ' ' || c == 0x7f) return "it has a space or control character";
        if ((c == '*' || c == '>') && (!wild || (k > tok) || (k + 1 < len && s[k + 1] != '.')))
            return wild ? "'*' and '>' must be whole tokens" : "a sink publishes to one subject: no '*' or '>'";
    }
    return NULL;
}

static bool duration_ms(diag *d, const ast_arg *g, long long lo, long long *ms)
{
    const ast_expr *v = g->value;
    long long unit = g->unit ? time_unit_ms(g->unit, strlen(g->unit)) : 0;
    if (v->kind != E_INT || v->u.i.overflow || unit <= 0 || v->u.i.value > 86400000ull * 365 / (unsigned long long)unit ||
        (long long)v->u.i.value * unit < lo) {
        diag_error(d, unit <= 0 && g->unit ? g->unit_loc : v->loc, "'%s' takes a length of time from %lld ms to 365 d, such as %s",
                   g->name, lo, !strcmp(g->name, "idle") ? "idle: 2 s" : "ack_wait: 30 s");
        return false;
    }
    *ms = (long long)v->u.i.value * unit;
    return true;
}

/* partition: I and partitions: N come together, and the subject is
 * "PREFIX.>": the server maps PREFIX.KEY to PREFIX.P.KEY, and partition I reads
 * PREFIX.I.> through a durable consumer of its own, DURABLE-pI. */
static bool partition_problem(diag *d, const ast_expr *e, const nats_options *o, const ast_arg *partition)
{
    if (!partition || !o->partitions) {
        diag_error(d, partition ? partition->name_loc : e->loc, "'partition' and 'partitions' come together: this process reads partition I of N, such as partition: 0, partitions: 3");
        return false;
    }
    size_t len = o->subject ? strlen(o->subject) : 0;
    if (len < 3 || strcmp(o->subject + len - 2, ".>")) {
        diag_error(d, o->subject ? o->subject_loc : e->loc,
                   "a partitioned nats source needs subject: \"PREFIX.>\" (such as \"events.>\"): partition I reads PREFIX.I.>");
        return false;
    }
    if (!o->partition_env && o->partition >= o->partitions) {
        diag_error(d, partition->value->loc, "partition %d is not below partitions: %d (partitions are numbered from 0)", o->partition, o->partitions);
        return false;
    }
    return true;
}

bool sema_nats_endpoint(arena *a, diag *d, node *n, ast_expr *e, bool is_source)
{
    (void)a;
    ast_arg *u = e->u.call.args;
    n->endpoint = EP_NATS;   /* even when wrong: no other error follows from it */
    n->path = n->open_path = "";
    nats_options *o = &n->nats;
    *o = (nats_options){.durable = n->name, .ack_wait_ms = 30000, .pending = 1024};
    if (!u || u->name || u->value->kind != E_STR) {
        diag_error(d, u ? u->value->loc : e->loc, "nats(\"nats://HOST:PORT\", ...) takes the server's URL first, a string such as \"nats://127.0.0.1:4222\"");
        return false;
    }
    bool ok = true;
    const char *why = memchr(u->value->u.s.bytes, '\0', u->value->u.s.len) ? "it holds a NUL byte" : url_problem(u->value->u.s.bytes);
    if (why) {
        diag_error(d, u->value->loc, "expected a URL nats://HOST:PORT such as \"nats://127.0.0.1:4222\"; %s", why);
        ok = false;
    } else {
        n->path = n->open_path = u->value->u.s.bytes;
    }
    bool has_stream = false, has_subject = false;
    ast_arg *partition = NULL;
    for (ast_arg *g = u->next; g; g = g->next) {
        ast_expr *v = g->value;
        if (!g->name) {
            diag_error(d, v->loc, "expected a named option such as %s", is_source ? "stream: \"EVENTS\"" : "subject: \"alerts.{key}\"");
            ok = false;
        } else if (!strcmp(g->name, "subject")) {
            has_subject = true;
            const char *sw = v->kind != E_STR ? "it is not a string" : subject_problem(v->u.s.bytes, v->u.s.len, is_source);
            if (sw) {
                diag_error(d, v->loc, "'subject' takes a NATS subject such as %s; %s", is_source ? "\"events.>\"" : "\"alerts.{sensor_id}\"", sw);
                ok = false;
            } else {
                o->subject = v->u.s.bytes, o->subject_loc = v->loc;
            }
        } else if (is_source && (!strcmp(g->name, "stream") || !strcmp(g->name, "durable"))) {
            has_stream |= g->name[0] == 's';
            if (good_name(v)) {
                if (g->name[0] == 's') o->stream = v->u.s.bytes;
                else o->durable = v->u.s.bytes;
            } else {
                diag_error(d, v->loc, "'%s' takes a name of letters, digits, '_' and '-', at most 64 long, such as \"%s\"", g->name,
                           g->name[0] == 's' ? "EVENTS" : "rgp");
                ok = false;
            }
        } else if (is_source && !strcmp(g->name, "idle")) {
            ok &= duration_ms(d, g, 1, &o->idle_ms);
        } else if (is_source && !strcmp(g->name, "ack_wait")) {
            ok &= duration_ms(d, g, 1000, &o->ack_wait_ms);
        } else if (is_source && !strcmp(g->name, "partitions")) {
            if (v->kind == E_INT && !v->u.i.overflow && !g->unit && v->u.i.value >= 1 && v->u.i.value <= RGP_NATS_PARTITIONS_MAX) {
                o->partitions = (int)v->u.i.value;
            } else {
                diag_error(d, v->loc, "'partitions' takes how many partitions the stream's subjects are mapped to, from 1 to %d",
                           RGP_NATS_PARTITIONS_MAX);
                ok = false;
            }
        } else if (is_source && !strcmp(g->name, "partition")) {
            partition = g;
            if (v->kind == E_CALL && !strcmp(v->text, "env")) {
                o->partition_env = v;   /* sema.c checks the env(...) itself, as every other */
            } else if (v->kind == E_INT && !v->u.i.overflow && !g->unit && v->u.i.value < RGP_NATS_PARTITIONS_MAX) {
                o->partition = (int)v->u.i.value;
            } else {
                diag_error(d, v->loc, "'partition' takes this process's partition, a number from 0 to partitions - 1, or env(\"NAME\") to read it at start-up");
                ok = false;
            }
        } else if (!is_source && !strcmp(g->name, "pending")) {
            if (v->kind == E_INT && !v->u.i.overflow && !g->unit && v->u.i.value >= 1 && v->u.i.value <= 65536) o->pending = v->u.i.value;
            else {
                diag_error(d, v->loc, "'pending' takes how many publishes may await their ack, from 1 to 65536");
                ok = false;
            }
        } else {
            diag_error(d, g->name_loc, "unknown option '%s' of a nats %s; options are %s", g->name, is_source ? "source" : "sink",
                       is_source ? "stream, subject, durable, idle, ack_wait, partition and partitions" : "subject and pending");
            ok = false;
        }
    }
    if (is_source && !has_stream) {
        diag_error(d, e->loc, "a nats source needs the stream it reads: add stream: \"EVENTS\"");
        ok = false;
    }
    if (is_source && ok && (partition || o->partitions)) ok &= partition_problem(d, e, o, partition);
    if (!is_source && !has_subject) {
        diag_error(d, e->loc, "a nats sink needs the subject it publishes to: add subject: \"alerts.{FIELD}\"");
        ok = false;
    }
    return ok;
}

/* "alerts.{sensor_id}.x" into pieces; a {NAME} must be a field of the sink's records. */
void sema_nats_subject(arena *a, diag *d, node *n)
{
    nats_options *o = &n->nats;
    if (!o->subject) return;
    const char *s = o->subject;
    size_t len = strlen(s);
    o->pieces = arena_alloc(a, sizeof *o->pieces * (len + 1));
    for (size_t k = 0; k < len;) {
        srcloc at = o->subject_loc;
        at.col += 1 + (unsigned)k;   /* after the opening quote; subjects hold no escapes */
        at.len = 1;
        if (s[k] == '}') {
            diag_error(d, at, "'}' without '{' in the subject; a field is written {FIELD}");
            return;
        }
        if (s[k] != '{') {
            size_t m = strcspn(s + k, "{}");
            o->pieces[o->npieces++] = (nats_piece){s + k, m, -1};
            k += m;
            continue;
        }
        const char *close = strchr(s + k, '}');
        if (!close) {
            diag_error(d, at, "'{' without '}' in the subject; a field is written {FIELD}");
            return;
        }
        char *name = arena_strndup(a, s + k + 1, (size_t)(close - s - k - 1));
        at.len = (uint32_t)(close - s - k) + 1;
        int f = rectype_find(n->type, name);
        if (f < 0) {
            char list[256] = "";
            for (int i = 0; i < n->type->nfields; i++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", n->type->fields[i].name);
            diag_error(d, at, "the subject names field '%s', which records of '%s' do not have; fields are %s", name, n->input->name, list);
            return;
        }
        o->pieces[o->npieces++] = (nats_piece){NULL, 0, f};
        k = (size_t)(close - s) + 1;
    }
}
