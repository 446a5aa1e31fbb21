/* CSV sources with a header: the columns matched to fields by name. main reads
 * and checks each header before any sink is opened (runtime/csv_header.h); the
 * parse thread reads rows by position when the header is the schema in order,
 * else through the column map, with a parser of its own (parse_T_csv_named). */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include "emit_internal.h"

static bool reads_csv_header(const node *src)
{
    return src->format == FMT_CSV && src->endpoint != EP_JOURNAL && src->header;
}

static bool type_has_header_source(const program *p, const rectype *r)
{
    for (int i = 0; i < p->nsources; i++)
        if (p->sources[i]->type == r && reads_csv_header(p->sources[i])) return true;
    for (int i = 0; i < p->ntables; i++)   /* a table's loader reads its header too (emit_join.c) */
        if (p->tables[i]->used && p->tables[i]->type == r && reads_csv_header(p->tables[i])) return true;
    return false;
}

/* The column field i reads: its name, or its `from "NAME"` (keys joined by dots). */
static void column_name(sbuf *b, const rectype *r, int i)
{
    const char *const *keys;
    int n = rectype_json_keys(r, i, &keys);
    sbuf t = {0};
    for (int k = 0; k < n; k++) sb(&t, "%s%s", k ? "." : "", keys[k]);
    c_string(b, t.s, t.len);
    free(t.s);
}

/* The delimiter as a C character literal. */
void csv_delim_literal(sbuf *b, char d)
{
    if (d == '\'' || d == '\\') sb(b, "'\\%c'", d);
    else if (d == '\t') sb(b, "'\\t'");
    else sb(b, "'%c'", d);
}

static void emit_parse_field(emitter *e, const field *f, int i)
{
    type_id pt = f->type;   /* a time: epoch ms or ISO 8601 text (rgp_parse_time) */
    emit(e, "if ((rc = rgp_parse_%s(f[col[%d]].ptr, f[col[%d]].len, &r->%s)) != RGP_PARSE_OK) {",
         pt == T_BOOL ? "bool" : pt == T_TIME ? "time" : helper_suffix(pt), i, i, f->name);
    emit(e, "    rgp_reject_field(st, line, \"%s\", \"%s\", f[col[%d]], rc);", f->name, type_name(f->type), i);
    emit(e, "    return -1;");
    emit(e, "}");
}

/* parse_T_csv_named: a row through the header's column map; a field with no
 * column takes its default. The tables main matches the header with. */
void emit_csv_named_parser(emitter *e, const rectype *r)
{
    if (!type_has_header_source(e->p, r)) return;
    sbuf cols = {0}, defs = {0};
    for (int i = 0; i < r->nfields; i++) {
        if (i) sb(&cols, ", ");
        column_name(&cols, r, i);
        sb(&defs, "%s%d", i ? ", " : "", r->fields[i].def != NULL);
    }
    emit(e, "static const char *const columns_%s[] = {%s};   /* the header column each field reads */", r->name, cols.s);
    emit(e, "static const unsigned char defaults_%s[] = {%s};   /* 1: the field has a default, its column may be missing */",
         r->name, defs.s);
    free(cols.s);
    free(defs.s);
    blank(e);
    emit(e, "/* Parses one CSV row into a %s through the column map of its source's header", r->name);
    emit(e, " * (col[i]: the column of field i, -1 for its default). As parse_%s_csv otherwise. */", r->name);
    emit(e, "static int parse_%s_csv_named(rgp_source_stats *st, const rgp_str *f, int nf, uint64_t line, slot_%s *slot%s, const rgp_csv_header *h)",
         r->name, r->cname, r->has_str ? ", int copied" : "");
    emit(e, "{");
    e->indent++;
    emit(e, "%s *r = &slot->rec;", r->cname);
    emit(e, "const int *col = h->col;");
    emit(e, "int rc;");
    emit(e, "(void)rc;");
    emit(e, "if (nf != h->ncols) {");
    emit(e, "    rgp_reject(st, line, \"expected %%d fields (as the header has), found %%d\", h->ncols, nf);");
    emit(e, "    return -1;");
    emit(e, "}");
    for (int i = 0; i < r->nfields; i++) {
        const field *f = &r->fields[i];
        if (f->type == T_STR) continue;
        if (f->def) {
            sbuf lit = {0};
            expr_c(&lit, f->def, "r");
            emit(e, "if (col[%d] < 0) {", i);
            emit(e, "    r->%s = %s;   /* not in the header: its default */", f->name, lit.s);
            emit(e, "} else {");
            free(lit.s);
            e->indent++;
            emit_parse_field(e, f, i);
            e->indent--;
            emit(e, "}");
        } else {
            emit_parse_field(e, f, i);
        }
    }
    if (r->has_str) {
        emit(e, "/* strings last, since they cannot fail: no slot memory is taken for a rejected row */");
        sbuf total = {0};
        for (int i = 0; i < r->nfields; i++) {
            if (r->fields[i].type != T_STR) continue;
            if (r->fields[i].def) sb(&total, "%s(col[%d] < 0 ? 0 : f[col[%d]].len)", total.len ? " + " : "", i, i);
            else sb(&total, "%sf[col[%d]].len", total.len ? " + " : "", i);
        }
        emit(e, "if (rgp_slot_strs_begin(&slot->strs, %s, copied) != 0) {", total.s);
        emit(e, "    rgp_reject(st, line, \"out of memory for its strings\");");
        emit(e, "    return -1;");
        emit(e, "}");
        free(total.s);
        for (int i = 0; i < r->nfields; i++) {
            const field *f = &r->fields[i];
            if (f->type != T_STR) continue;
            if (f->def) {
                sbuf lit = {0};
                expr_c(&lit, f->def, "r");
                emit(e, "r->%s = col[%d] < 0 ? %s : rgp_slot_strs_keep(&slot->strs, f[col[%d]]);", f->name, i, lit.s, i);
                free(lit.s);
            } else {
                emit(e, "r->%s = rgp_slot_strs_keep(&slot->strs, f[col[%d]]);", f->name, i);
            }
        }
    }
    emit(e, "return 0;");
    e->indent--;
    emit(e, "}");
    blank(e);
    assert(e->indent == 0);
}

/* Each header source's column map, filled by main before the threads start. */
void emit_csv_header_globals(emitter *e)
{
    const program *p = e->p;
    for (int i = 0; i < p->nsources; i++) {
        const node *s = p->sources[i];
        if (!reads_csv_header(s)) continue;
        emit(e, "static int header_col_%s[%d];", s->name, s->type->nfields);
        emit(e, "static rgp_csv_header header_%s = {.col = header_col_%s};   /* source %s: its header's column map */", s->name,
             s->name, s->name);
    }
    blank(e);
}

/* In main, after the sources are opened and before any sink is: every header
 * read and checked, so that a bad one leaves the sinks' files untouched. */
void emit_csv_headers_read(emitter *e)
{
    const program *p = e->p;
    for (int i = 0; i < p->nsources; i++) {
        const node *s = p->sources[i];
        if (!reads_csv_header(s)) continue;
        sbuf d = {0};
        csv_delim_literal(&d, s->delim);
        emit(e, "if ((rc = rgp_csv_header_read(RGP_PROGRAM, &endpoints[%d], &readers[%d], %s, \"%s\", fields_%s, columns_%s, defaults_%s, %d, &header_%s)) != 0)",
             i, i, d.s, s->type->name, s->type->name, s->type->name, s->type->name, s->type->nfields, s->name);
        emit(e, "    return rc < 0 ? 1 : rgp_stop_status(0);   /* a bad header; or a signal while it was awaited */");
        free(d.s);
    }
}

void emit_csv_headers_free(emitter *e)
{
    const program *p = e->p;
    for (int i = 0; i < p->nsources; i++)
        if (reads_csv_header(p->sources[i])) emit(e, "rgp_csv_header_free(&header_%s);", p->sources[i]->name);
}

/* In the parse thread: where a row's fields go and how many are kept. With a
 * header, the room main sized for its columns. */
void emit_csv_row_fields(emitter *e, const node *src)
{
    if (!reads_csv_header(src)) {
        emit(e, "rgp_str f[%d];   /* one more than the schema has, to notice extra fields */", src->type->nfields + 1);
        emit(e, "const int fcap = %d;", src->type->nfields + 1);
        return;
    }
    emit(e, "const rgp_csv_header *header = &header_%s;   /* read and checked by main */", src->name);
    emit(e, "rgp_str *f = header->cells;");
    emit(e, "const int fcap = header->fcap;   /* one past the last column read: the columns after it are counted, not kept */");
}

/* In the parse thread: one row into its slot; by position when the header is
 * the schema in order (a branch that always goes one way), else by the map. */
void emit_csv_parse_call(emitter *e, const node *src, const char *copied)
{
    const rectype *r = src->type;
    if (!reads_csv_header(src)) {
        emit(e, "if (parse_%s_csv(st, f, nf, line, slot%s) != 0) continue;", r->name, copied);
        return;
    }
    emit(e, "if (header->in_order ? parse_%s_csv(st, f, nf, line, slot%s) != 0", r->name, copied);
    emit(e, "                     : parse_%s_csv_named(st, f, nf, line, slot%s, header) != 0)", r->name, copied);
    emit(e, "    continue;");
}
