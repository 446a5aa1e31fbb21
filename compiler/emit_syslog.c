/* syslog(SCHEMA) sources in the generated C: parse_T_syslog, which splits a
 * message with rgp_syslog_parse (runtime/syslog.h) and fills the fields the
 * schema names (sema_syslog.c checked them against runtime/syslog_fields.h),
 * and the call the parse thread makes for each line or frame. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include "emit_internal.h"
#include "syslog_fields.h"

static const char *const part_c[] = {
#define X(id, name, kinds, what) "RGP_SYSLOG_" #id,
    RGP_SYSLOG_FIELDS(X)
#undef X
};
static const char *const part_name[] = {
#define X(id, name, kinds, what) name,
    RGP_SYSLOG_FIELDS(X)
#undef X
};
enum { NPARTS = sizeof part_name / sizeof part_name[0] };

static int part_of(const field *f)
{
    for (int p = 0; p < NPARTS; p++)
        if (!strcmp(part_name[p], f->name)) return p;
    assert(!"sema checked the field names");
    return 0;
}

/* A part that is nil ("-", or not in the message): its default, else a rejection. */
static void emit_nil(emitter *e, const field *f, int p, const char *what)
{
    emit(e, "if (m.nil & 1u << %s) {", part_c[p]);
    if (f->def) {
        sbuf lit = {0};
        expr_c(&lit, f->def, "r");
        emit(e, "    r->%s = %s;   /* nil: its default */", f->name, lit.s);
        free(lit.s);
    } else {
        emit(e, "    rgp_reject(st, line, \"field '%s': the message has no %s (nil), and the field has no default\");", f->name, what);
        emit(e, "    return -1;");
    }
    emit(e, "} else {");
}

void emit_syslog_parser(emitter *e, const rectype *r)
{
    emit(e, "/* Parses one syslog message (RFC 5424 or RFC 3164) into a %s: each field is the part of the", r->name);
    emit(e, " * message it is named after; a message of neither form, or a nil part an integer or time field");
    emit(e, " * has no default for, rejects the record. year: of RFC 3164 stamps, -1 for the current one. */");
    emit(e, "static int parse_%s_syslog(rgp_source_stats *st, rgp_str text, uint64_t line, slot_%s *slot%s, int64_t year)", r->name,
         r->cname, r->has_str ? ", int copied" : "");
    emit(e, "{");
    e->indent++;
    emit(e, "%s *r = &slot->rec;", r->cname);
    emit(e, "rgp_syslog_msg m;");
    emit(e, "const char *why;");
    emit(e, "size_t at;");
    emit(e, "int rc;");
    emit(e, "(void)rc;");
    emit(e, "if (rgp_syslog_parse(text.ptr, text.len, year, &m, &why, &at) != 0) {");
    emit(e, "    rgp_reject(st, line, \"not a syslog message: column %%zu: %%s\", at + 1, why);");
    emit(e, "    return -1;");
    emit(e, "}");
    for (int i = 0; i < r->nfields; i++) {
        const field *f = &r->fields[i];
        int p = part_of(f);
        if (f->type == T_STR) continue;
        if (p == RGP_SYSLOG_SEVERITY || p == RGP_SYSLOG_FACILITY) {
            emit(e, "r->%s = (%s)m.%s;", f->name, ctype(f->type), part_name[p]);
        } else if (f->type == T_TIME) {
            emit_nil(e, f, p, "TIMESTAMP");
            emit(e, "    r->%s = m.ts;", f->name);
            emit(e, "}");
        } else {   /* pid as an integer */
            emit_nil(e, f, p, "PROCID");
            emit(e, "    if ((rc = rgp_parse_%s(m.text[%s].ptr, m.text[%s].len, &r->%s)) != RGP_PARSE_OK) {", helper_suffix(f->type), part_c[p],
                 part_c[p], f->name);
            emit(e, "        rgp_reject_field(st, line, \"%s\", \"%s\", m.text[%s], rc);", f->name, type_name(f->type), part_c[p]);
            emit(e, "        return -1;");
            emit(e, "    }");
            emit(e, "}");
        }
    }
    if (r->has_str) {
        emit(e, "/* strings last, copied into the slot; a nil part is its field's default, or empty */");
        sbuf total = {0};
        for (int i = 0; i < r->nfields; i++)
            if (r->fields[i].type == T_STR) sb(&total, "%sm.text[%s].len", total.len ? " + " : "", part_c[part_of(&r->fields[i])]);
        emit(e, "if (rgp_slot_strs_begin(&slot->strs, %s, copied) != 0) rgp_out_of_memory(RGP_PROGRAM);", total.s);
        free(total.s);
        for (int i = 0; i < r->nfields; i++) {
            const field *f = &r->fields[i];
            if (f->type != T_STR) continue;
            const char *pc = part_c[part_of(f)];
            sbuf lit = {0};
            if (f->def) expr_c(&lit, f->def, "r");
            emit(e, "r->%s = m.nil & 1u << %s ? %s : rgp_slot_strs_keep(&slot->strs, m.text[%s]);", f->name, pc,
                 f->def ? lit.s : "(rgp_str){\"\", 0}", pc);
            free(lit.s);
        }
    }
    emit(e, "return 0;");
    e->indent--;
    emit(e, "}");
    blank(e);
    assert(e->indent == 0);
}

/* In the parse thread, with the slot claimed: the record, or the next line. */
void emit_syslog_parse_call(emitter *e, const node *src, const char *copied)
{
    emit(e, "if (parse_%s_syslog(st, text, line, slot%s, %lld) != 0) continue;   /* year: %s */", src->type->name, copied,
         src->syslog_year, src->syslog_year < 0 ? "the current one" : "as given");
}
