/* Journal sources and sinks in the generated C: the payload codec of each record
 * type (fields in schema order; i64, u64, f64 and time as 8 little-endian bytes,
 * smaller integers widened to 8, bool as 1 byte, str as a u32 length and its
 * bytes; runtime/journal.h), the schema text that fingerprints the type, and the
 * code in main that opens and closes the journals. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include "emit_internal.h"

/* "name:type;name:type": what the segment header holds and what the fingerprint hashes. */
void journal_schema_text(sbuf *b, const rectype *r)
{
    for (int i = 0; i < r->nfields; i++) sb(b, "%s%s:%s", i ? ";" : "", r->fields[i].name, type_name(r->fields[i].type));
}

/* The fixed part of a payload, and the sum of its strings' lengths as C (r-> fields). */
static size_t fixed_bytes(const rectype *r)
{
    size_t n = 0;
    for (int i = 0; i < r->nfields; i++) n += r->fields[i].type == T_BOOL ? 1 : r->fields[i].type == T_STR ? 4 : 8;
    return n;
}

void emit_journal_writer(emitter *e, const rectype *r)
{
    for (int i = 0; i < e->nwritten; i++)
        if (e->written[i] == r && e->written_fmt[i] == FMT_JOURNAL) return;
    assert(e->nwritten < 3 * e->p->ntypes);
    e->written[e->nwritten] = r;
    e->written_fmt[e->nwritten++] = FMT_JOURNAL;
    emit(e, "/* Appends one %s to a journal sink as one frame: its fields in schema order. */", r->name);
    emit(e, "static inline void %s(rgp_writer *w, const %s *r)", writer_name(r, FMT_JOURNAL), r->cname);
    emit(e, "{");
    e->indent++;
    sbuf size = {0};
    sb(&size, "%zu", fixed_bytes(r));
    for (int i = 0; i < r->nfields; i++)
        if (r->fields[i].type == T_STR) sb(&size, " + r->%s.len", r->fields[i].name);
    emit(e, "size_t n = %s;", size.s);
    free(size.s);
    emit(e, "unsigned char *p = rgp_journal_scratch(w, n), *q = p;");
    emit(e, "if (!p) return;   /* the sink failed: reported once a batch */");
    for (int i = 0; i < r->nfields; i++) {
        const field *f = &r->fields[i];
        switch (f->type) {
        case T_BOOL: emit(e, "*q++ = r->%s ? 1 : 0;", f->name); break;
        case T_F64: emit(e, "rgp_le64_put(q, rgp__f64_bits(r->%s));", f->name), emit(e, "q += 8;"); break;
        case T_STR:
            emit(e, "rgp_le32_put(q, (uint32_t)r->%s.len);", f->name);
            emit(e, "memcpy(q + 4, r->%s.ptr, r->%s.len);", f->name, f->name);
            emit(e, "q += 4 + r->%s.len;", f->name);
            break;
        default:   /* integers and time: widened to 64 bits, the sign kept */
            emit(e, "rgp_le64_put(q, (uint64_t)%sr->%s);", scalar_types[f->type].is_signed ? "(int64_t)" : "", f->name);
            emit(e, "q += 8;");
            break;
        }
    }
    emit(e, "(void)q;");
    emit(e, "rgp_journal_sink_append(w, p, n);");
    e->indent--;
    emit(e, "}");
    blank(e);
}

void emit_journal_parser(emitter *e, const rectype *r)
{
    sbuf schema = {0};
    journal_schema_text(&schema, r);
    emit(e, "/* Decodes one journal record into a %s (%s). A payload of another shape is", r->name, schema.s);
    emit(e, " * reported and counted, and -1 tells the caller to skip it. */");
    emit(e, "static int parse_%s_journal(rgp_source_stats *st, const unsigned char *p, uint32_t len, uint64_t offset, slot_%s *slot%s)",
         r->name, r->cname, r->has_str ? ", int copied" : "");
    emit(e, "{");
    e->indent++;
    emit(e, "%s *r = &slot->rec;", r->cname);
    emit(e, "const unsigned char *q = p, *end = p + len;");
    for (int i = 0; i < r->nfields; i++)
        if (r->fields[i].type == T_STR) emit(e, "rgp_str s_%s;", r->fields[i].name);
    for (int i = 0; i < r->nfields; i++) {
        const field *f = &r->fields[i];
        const char *ct = ctype(f->type);
        switch (f->type) {
        case T_BOOL:
            emit(e, "if (end - q < 1) goto bad;");
            emit(e, "r->%s = *q++ != 0;", f->name);
            break;
        case T_F64:
            emit(e, "if (end - q < 8) goto bad;");
            emit(e, "{ uint64_t b = rgp_le64_get(q); memcpy(&r->%s, &b, 8); }", f->name);
            emit(e, "q += 8;");
            break;
        case T_STR:
            emit(e, "if (end - q < 4 || (uint64_t)(end - q - 4) < rgp_le32_get(q)) goto bad;");
            emit(e, "s_%s = (rgp_str){(const char *)q + 4, rgp_le32_get(q)};", f->name);
            emit(e, "q += 4 + s_%s.len;", f->name);
            break;
        default:
            emit(e, "if (end - q < 8) goto bad;");
            emit(e, "r->%s = (%s)%srgp_le64_get(q);", f->name, ct, scalar_types[f->type].is_signed ? "(int64_t)" : "");
            emit(e, "q += 8;");
            break;
        }
    }
    emit(e, "if (q != end) goto bad;");
    if (r->has_str) {
        sbuf total = {0};
        for (int i = 0; i < r->nfields; i++)
            if (r->fields[i].type == T_STR) sb(&total, "%ss_%s.len", total.len ? " + " : "", r->fields[i].name);
        emit(e, "if (rgp_slot_strs_begin(&slot->strs, %s, copied) != 0) {", total.s);
        emit(e, "    rgp_reject(st, offset, \"out of memory for its strings\");");
        emit(e, "    return -1;");
        emit(e, "}");
        free(total.s);
        for (int i = 0; i < r->nfields; i++)
            if (r->fields[i].type == T_STR) emit(e, "r->%s = rgp_slot_strs_keep(&slot->strs, s_%s);", r->fields[i].name, r->fields[i].name);
    }
    emit(e, "return 0;");
    emit(e, "bad:");
    emit(e, "rgp_reject(st, offset, \"a journal record of %%u bytes that is not a %s (%s)\", (unsigned)len);", r->name, schema.s);
    emit(e, "return -1;");
    e->indent--;
    emit(e, "}");
    blank(e);
    free(schema.s);
}

static bool any_journal(const program *p)
{
    for (int i = 0; i < p->nsources; i++) if (p->sources[i]->endpoint == EP_JOURNAL) return true;
    for (int i = 0; i < p->nsinks; i++) if (p->sinks[i]->endpoint == EP_JOURNAL) return true;
    return false;
}

void emit_journal_globals(emitter *e)
{
    const program *p = e->p;
    if (!any_journal(p)) return;
    for (int i = 0; i < p->nsources; i++)
        if (p->sources[i]->endpoint == EP_JOURNAL) emit(e, "static rgp_journal_source journal_%s;   /* source %s */", p->sources[i]->name, p->sources[i]->name);
    for (int i = 0; i < p->nsinks; i++)
        if (p->sinks[i]->endpoint == EP_JOURNAL) emit(e, "static rgp_journal_writer journal_%s;   /* sink %s */", p->sinks[i]->name, p->sinks[i]->name);
    blank(e);
}

static const char *const sync_names[] = {[JSYNC_INTERVAL] = "RGP_JOURNAL_SYNC_INTERVAL", [JSYNC_ALWAYS] = "RGP_JOURNAL_SYNC_ALWAYS",
                                         [JSYNC_NEVER] = "RGP_JOURNAL_SYNC_NEVER"};
static const char *const from_names[] = {[JFROM_START] = "RGP_JFROM_START", [JFROM_END] = "RGP_JFROM_END",
                                         [JFROM_COMMITTED] = "RGP_JFROM_COMMITTED", [JFROM_OFFSET] = "RGP_JFROM_OFFSET"};

/* In main, after the files are open and before any thread starts. */
void emit_journal_open(emitter *e)
{
    const program *p = e->p;
    for (int i = 0; i < p->nsources; i++) {
        const node *s = p->sources[i];
        if (s->endpoint != EP_JOURNAL) continue;
        const journal_options *j = &s->journal;
        sbuf schema = {0}, lit = {0};
        journal_schema_text(&schema, s->type);
        c_string(&lit, schema.s, schema.len);
        char from[128], offset[128];
        snprintf(from, sizeof from, "%s", from_names[j->from]);
        snprintf(offset, sizeof offset, "%lluu", (unsigned long long)j->from_offset);
        if (ckpt_component(e->pl, s, NULL) >= 0) {   /* a resumed run reads on from the checkpoint's position */
            snprintf(from, sizeof from, "ckpt_resumed ? RGP_JFROM_OFFSET : %s", from_names[j->from]);
            snprintf(offset, sizeof offset, "ckpt_resumed ? ckpt_pos_%s : %lluu", s->name, (unsigned long long)j->from_offset);
        }
        emit(e, "if (rgp_journal_source_open(RGP_PROGRAM, &endpoints[%d], &journal_%s, %s, %s, %s, %d, %s%s%s, %d) != 0) return 1;",
             endpoint_index(p, s), s->name, lit.s, from, offset, j->follow,
             j->group ? "\"" : "", j->group ? j->group : "NULL", j->group ? "\"" : "", j->skip_corrupt);
        free(schema.s);
        free(lit.s);
    }
    for (int i = 0; i < p->nsinks; i++) {
        const node *s = p->sinks[i];
        if (s->endpoint != EP_JOURNAL) continue;
        const journal_options *j = &s->journal;
        int k = endpoint_index(p, s);
        sbuf schema = {0}, lit = {0};
        journal_schema_text(&schema, s->type);
        c_string(&lit, schema.s, schema.len);
        emit(e, "{   /* sink %s: journal(\"%s\") */", s->name, s->path);
        emit(e, "    static const rgp_journal_opts o = {.sync = %s, .sync_ns = %lluull * 1000000, .segment_bytes = %lluull,",
             sync_names[j->sync], (unsigned long long)j->sync_ms, (unsigned long long)j->segment_bytes);
        emit(e, "                                       .keep_bytes = %lluull, .keep_ns = %lluull * 1000000};",
             (unsigned long long)j->keep_bytes, (unsigned long long)j->keep_ms);
        if (ckpt_component(e->pl, s, NULL) >= 0)
            emit(e, "    if (ckpt_resumed && rgp_ckpt_cut_sink(RGP_PROGRAM, &endpoints[%d], ckpt_pos_%s) != 0) return 1;", k, s->name);
        emit(e, "    if (rgp_journal_sink_open(RGP_PROGRAM, &endpoints[%d], &writers[%d], &journal_%s, %s, &o) != 0) return 1;", k, k,
             s->name, lit.s);
        emit(e, "    sink_w[%d] = &writers[%d];", k, k);
        emit(e, "}");
        free(schema.s);
        free(lit.s);
    }
}

/* In main, after the sinks are closed: the groups commit what the sinks wrote. */
void emit_journal_close(emitter *e)
{
    const program *p = e->p;
    for (int i = 0; i < p->nsources; i++) {
        const node *s = p->sources[i];
        if (s->endpoint != EP_JOURNAL) continue;
        emit(e, "/* pairs with rgp_fail: no commit after a failure, so the records are read again */");
        emit(e, "rgp_journal_source_close(RGP_PROGRAM, &endpoints[%d], &journal_%s, &stats_%s, !rgp_load_acquire_u32(&rgp_failed));",
             endpoint_index(p, s), s->name, s->name);
    }
}
