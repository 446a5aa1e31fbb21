/* The one-pass CSV parser: scan_T_csv reads a plain row field by field and
 * converts each where it finds it, straight into the ring slot (no array of
 * field spans first). Any row it does not take whole (a quote, a field that
 * does not read as its type, a row not all read yet) goes to the two-pass
 * parser, rgp_csv_next_row and parse_T_csv, which reports bad rows. */
#include <assert.h>
#include <stdlib.h>
#include "emit_internal.h"

/* Sources whose parse thread reads rows with rgp_csv_next_row: files, stdin
 * and followed files, not frames off the network or a journal's records. */
bool emit_csv_scans(const node *src)
{
    return src->format == FMT_CSV && src->endpoint != EP_JOURNAL && !emit_is_net(src);
}

static bool type_scanned(const program *p, const rectype *r)
{
    for (int i = 0; i < p->nsources; i++)
        if (p->sources[i]->type == r && emit_csv_scans(p->sources[i])) return true;
    return false;
}

/* The scanner of a field type, or NULL for the types read as a span of text. */
static const char *scanner(type_id t)
{
    switch (t) {
    case T_I32: return "rgp_scan_i32";
    case T_I64: return "rgp_scan_i64";
    case T_U32: return "rgp_scan_u32";
    case T_U64: return "rgp_scan_u64";
    case T_F64: return "rgp_scan_f64";
    case T_TIME: return "rgp_scan_time";
    default: return NULL;   /* str, bool */
    }
}

/* One field: converted, then the delimiter after it, or, after the last, the row's end. */
static void emit_scan_field(emitter *e, const rectype *r, int i)
{
    const field *f = &r->fields[i];
    bool last = i == r->nfields - 1;
    const char *scan = scanner(f->type);
    emit(e, "/* %s: %s */", f->name, type_name(f->type));
    if (scan) {
        emit(e, "if (!(p = %s(p, &r->%s))) return 0;", scan, f->name);
        if (!last) {
            emit(e, "if (*p++ != delim) return 0;");
            return;
        }
        emit(e, "p += *p == '\\r';   /* CR LF ends a row too */");
        emit(e, "if (*p != '\\n' || p == end) return 0;   /* more fields, or the row is not all read yet */");
        return;
    }
    emit(e, "fs = p;");
    emit(e, "p = rgp_scan_text(p, delim);");
    if (!last) {
        emit(e, "if (*p != delim) return 0;");
        emit(e, "fe = p++;");
    } else {
        emit(e, "if (*p != '\\n' || p == end) return 0;");
        emit(e, "fe = p > fs && p[-1] == '\\r' ? p - 1 : p;   /* CR LF ends a row too */");
    }
    if (f->type == T_STR)
        emit(e, "s_%s = (rgp_str){fs, (size_t)(fe - fs)};", f->name);
    else   /* bool */
        emit(e, "if (rgp_parse_bool(fs, (size_t)(fe - fs), &r->%s) != RGP_PARSE_OK) return 0;", f->name);
}

/* scan_T_csv: one row into its slot, or 0 with nothing consumed (the
 * two-pass parser takes the row). */
void emit_csv_scanner(emitter *e, const rectype *r)
{
    if (!type_scanned(e->p, r)) return;
    emit(e, "/* One pass over a plain row into a %s: each field converted where it is", r->name);
    emit(e, " * found, straight into the slot. Returns 1 with the row consumed, or 0 with");
    emit(e, " * nothing consumed when the row is not plain and whole (a quote, a field that");
    emit(e, " * does not read as its type, too few or too many fields, not all read yet):");
    emit(e, " * the two-pass parser (rgp_csv_next_row, parse_%s_csv) then takes it. */", r->name);
    emit(e, "static inline int scan_%s_csv(rgp_reader *in, char delim, slot_%s *slot%s)", r->name, r->cname,
         r->has_str ? ", int copied" : "");
    emit(e, "{");
    e->indent++;
    emit(e, "const char *p = rgp_csv_scan_begin(in), *end = in->buf + in->end;");
    bool spans = false;
    for (int i = 0; i < r->nfields; i++) spans |= scanner(r->fields[i].type) == NULL;
    if (spans) emit(e, "const char *fs, *fe;");
    for (int i = 0; i < r->nfields; i++)
        if (r->fields[i].type == T_STR) emit(e, "rgp_str s_%s;", r->fields[i].name);
    emit(e, "%s *r = &slot->rec;", r->cname);
    emit(e, "if (!p) return 0;");
    if (r->nfields == 1 && r->fields[0].type == T_STR)
        emit(e, "if (*p == '\\n' || *p == '\\r') return 0;   /* perhaps an empty line, which is skipped */");
    for (int i = 0; i < r->nfields; i++) emit_scan_field(e, r, i);
    if (r->has_str) {
        emit(e, "/* the strings, once the row is known to fit */");
        sbuf total = {0};
        for (int i = 0; i < r->nfields; i++)
            if (r->fields[i].type == T_STR) sb(&total, "%ss_%s.len", total.len ? " + " : "", r->fields[i].name);
        emit(e, "if (rgp_slot_strs_begin(&slot->strs, %s, copied) != 0) return 0;   /* reported by the two-pass parser */",
             total.s);
        free(total.s);
        for (int i = 0; i < r->nfields; i++)
            if (r->fields[i].type == T_STR)
                emit(e, "r->%s = rgp_slot_strs_keep(&slot->strs, s_%s);", r->fields[i].name, r->fields[i].name);
    }
    emit(e, "rgp_csv_scan_done(in, p);");
    emit(e, "return 1;");
    e->indent--;
    emit(e, "}");
    blank(e);
    assert(e->indent == 0);
}

/* In the parse thread: the condition under which a row went in one pass. Only
 * into a slot already claimed (the first row of a batch claims it the two-pass
 * way), and with a header only when it is the schema in order. */
void emit_csv_scan_call(emitter *e, const node *src, const char *delim, const char *copied)
{
    const rectype *r = src->type;
    emit(e, "/* one pass: a plain row whole in the buffer goes straight into a slot already claimed */");
    emit(e, "if (next != claim_end%s && scan_%s_csv(in, %s, slot = rgp_disruptor_slot(ring, next)%s)) {",
         src->header ? " && header->in_order" : "", r->name, delim, copied);
    emit(e, "    st->rows++;");
    emit(e, "} else {");
}
