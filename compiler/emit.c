/* C code generation: the buffer and emit(), record types, CSV parsers and
 * sink writers, main(), and the assembly of the whole text. Expressions are
 * in emit_expr.c, thread loops and rings in emit_threads.c. */
#include <assert.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "emit_internal.h"
#include "links.h"

static void put(emitter *e, const char *s, size_t n)
{
    if (e->len + n + 1 > e->cap) {
        e->cap = (e->len + n + 1) * 2;
        e->buf = realloc(e->buf, e->cap);
        if (!e->buf) { fputs("rgp: out of memory\n", stderr); exit(2); }
    }
    memcpy(e->buf + e->len, s, n);
    e->len += n;
    e->buf[e->len] = 0;
    for (size_t i = 0; i < n; i++) e->lines += s[i] == '\n';
}

#define EMIT_MAX_INDENT 32

/* One line of C at the current indent; an empty format gives an empty line. */
void emit(emitter *e, const char *fmt, ...)
{
    char tmp[4096], *text = tmp;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof tmp) {
        text = malloc((size_t)n + 1);
        va_start(ap, fmt);
        vsnprintf(text, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    /* indent stops deepening at EMIT_MAX_INDENT levels: a chain of thousands of fused
     * stages nests that deep, and its C would grow with the square of its length */
    if (n > 0 && text[0] != '#')
        for (int i = 0; i < e->indent && i < EMIT_MAX_INDENT; i++) put(e, "    ", 4);
    put(e, text, (size_t)n);
    put(e, "\n", 1);
    if (text != tmp) free(text);
}

void blank(emitter *e) { put(e, "\n", 1); }

/* Lines from the user's text say where they come from; the directive is written
 * only when the mapped line changes, and the C file is named again after them. */
void line_to_rgp(emitter *e, srcloc at)
{
    if (!e->o->line_directives || e->rgp_line == at.line) return;
    emit(e, "#line %u \"%s\"", at.line, e->p->file);
    e->rgp_line = at.line;
}
void line_to_c(emitter *e)
{
    if (!e->rgp_line) return;
    emit(e, "#line %d \"%s\"", e->lines + 2, e->c_name);
    e->rgp_line = 0;
}

/* ---- record types, parsers, writers ---------------------------------------------- */

static void emit_record(emitter *e, const rectype *r)
{
    for (int i = 0; i < r->nmaps; i++) emit_map_type(e, &r->maps[i]);
    emit(e, "/* record %s (%s:%u) */", r->name, e->p->file, r->loc.line);
    emit(e, "typedef struct %s {", r->cname);
    e->indent++;
    emit_record_members(e, r);   /* a joined table's fields and nested objects as structs of their own (emit_join.c) */
    for (int i = 0; i < r->nmaps; i++)
        emit(e, "struct rgp_omap_%s %s;   /* map[%s]%s, empty for a new key */", r->maps[i].cname, r->maps[i].name,
             type_name(r->maps[i].key), type_name(r->maps[i].value));
    e->indent--;
    emit(e, "} %s;", r->cname);
    blank(e);
}

/* The ring slot of a record type: the record, plus room for its strings when
 * it has any; and put_, which copies a record into a slot of another ring with
 * its strings, since they must live as long as the slot. Once per type. */
void emit_slot_type(emitter *e, const rectype *r)
{
    for (int i = 0; i < e->nslotted; i++) if (e->slotted[i] == r) return;
    assert(e->nslotted < e->p->ntypes);
    e->slotted[e->nslotted++] = r;
    emit(e, "typedef struct slot_%s {", r->cname);
    e->indent++;
    emit(e, "%s rec;", r->cname);
    if (r->has_str) emit(e, "rgp_slot_strs strs;   /* the bytes rec's str fields point at */");
    e->indent--;
    emit(e, "} slot_%s;", r->cname);
    blank(e);
    emit(e, "static inline void put_%s(slot_%s *slot, const %s *r%s)", r->cname, r->cname, r->cname,
         r->has_str ? ", int copied" : "");
    emit(e, "{");
    e->indent++;
    emit(e, "slot->rec = *r;");
    if (r->has_str) {
        sbuf total = {0};
        for (int i = 0; i < r->nfields; i++)
            if (r->fields[i].type == T_STR) sb(&total, "%sr->%s.len", total.len ? " + " : "", r->fields[i].name);
        emit(e, "if (rgp_slot_strs_begin(&slot->strs, %s, copied) != 0) rgp_out_of_memory(RGP_PROGRAM);", total.s);
        free(total.s);
        for (int i = 0; i < r->nfields; i++)
            if (r->fields[i].type == T_STR)
                emit(e, "slot->rec.%s = rgp_slot_strs_keep(&slot->strs, r->%s);", r->fields[i].name, r->fields[i].name);
    }
    e->indent--;
    emit(e, "}");
    blank(e);
    assert(e->indent == 0);
}

static void emit_csv_parser(emitter *e, const rectype *r)
{
    emit(e, "/* Parses the fields of one CSV row into a %s. A row that does not fit is", r->name);
    emit(e, " * reported and counted, and -1 tells the caller to skip it. */");
    emit(e, "static int parse_%s_csv(rgp_source_stats *st, const rgp_str *f, int nf, uint64_t line, slot_%s *slot%s)", r->name,
         r->cname, r->has_str ? ", int copied" : "");
    emit(e, "{");
    e->indent++;
    emit(e, "%s *r = &slot->rec;", r->cname);
    emit(e, "int rc;");
    char names[1024];
    size_t k = 0;
    for (int i = 0; i < r->nfields && k < sizeof names - 64; i++)
        k += (size_t)snprintf(names + k, sizeof names - k, "%s%s", i ? ", " : "", r->fields[i].name);
    emit(e, "if (nf != %d) {", r->nfields);
    emit(e, "    rgp_reject(st, line, \"expected %d field%s (%s), found %%d\", nf);", r->nfields, r->nfields > 1 ? "s" : "", names);
    emit(e, "    return -1;");
    emit(e, "}");
    for (int i = 0; i < r->nfields; i++) {
        const field *f = &r->fields[i];
        if (f->type == T_STR) continue;
        type_id pt = f->type;   /* a time: epoch ms or ISO 8601 text (rgp_parse_time) */
        emit(e, "if ((rc = rgp_parse_%s(f[%d].ptr, f[%d].len, &r->%s)) != RGP_PARSE_OK) {",
             pt == T_BOOL ? "bool" : pt == T_TIME ? "time" : helper_suffix(pt), i, i, f->name);
        emit(e, "    rgp_reject_field(st, line, \"%s\", \"%s\", f[%d], rc);", f->name, type_name(f->type), i);
        emit(e, "    return -1;");
        emit(e, "}");
    }
    if (r->has_str) {
        emit(e, "/* strings last, since they cannot fail: no slot memory is taken for a rejected row */");
        sbuf total = {0};
        for (int i = 0; i < r->nfields; i++)
            if (r->fields[i].type == T_STR) sb(&total, "%sf[%d].len", total.len ? " + " : "", i);
        emit(e, "if (rgp_slot_strs_begin(&slot->strs, %s, copied) != 0) {", total.s);
        emit(e, "    rgp_reject(st, line, \"out of memory for its strings\");");
        emit(e, "    return -1;");
        emit(e, "}");
        free(total.s);
        for (int i = 0; i < r->nfields; i++)
            if (r->fields[i].type == T_STR) emit(e, "r->%s = rgp_slot_strs_keep(&slot->strs, f[%d]);", r->fields[i].name, i);
    }
    emit(e, "return 0;");
    e->indent--;
    emit(e, "}");
    blank(e);
    assert(e->indent == 0);
}

/* The body of an `if` on a member of the wrong JSON kind: reject the line, naming the
 * field and showing the value found. */
static void emit_json_kind_reject(emitter *e, const field *f, int i)
{
    emit(e, "    char shown[64];");
    emit(e, "    rgp_reject(st, line, \"field '%s': expected %s, found %%s\", rgp_json_shown(shown, sizeof shown, &v[%d]));", f->name,
         type_name(f->type), i);
    emit(e, "    return -1;");
    emit(e, "}");
}

/* The C literal of a field's member as messages show it, quoted: "device.id",
 * with a key that holds a dot in quotes of its own, as the path was written;
 * its first upto keys (-1: all). */
static void json_member_shown(sbuf *b, const rectype *r, int f, int upto)
{
    const char *const *keys;
    sbuf t = {0};
    int n = rectype_json_keys(r, f, &keys);
    if (upto < 0) upto = n;
    sb(&t, "\"");
    for (int k = 0; k < upto; k++) sb(&t, strchr(keys[k], '.') ? "%s\"%s\"" : "%s%s", k ? "." : "", keys[k]);
    sb(&t, "\"");
    c_string(b, t.s, t.len);
    free(t.s);
}

/* The loop over the members of one object: the line's (depth 1) or one inside it,
 * for the fields whose first depth-1 keys are the object's path.  A key some path
 * goes on through is descended into in the same pass; other values are scanned
 * (and checked) and passed over. */
static void emit_json_members(emitter *e, const rectype *r, const bool *under, int depth)
{
    bool done[r->nfields];
    memset(done, 0, sizeof done);
    emit(e, "for (int first%d = 1; (rc = rgp_json_key(&p, end, first%d, &key, &err)) == 1; first%d = 0) {", depth, depth, depth);
    e->indent++;
    bool any = false;
    for (int i = 0; i < r->nfields; i++) {
        const char *const *keys;
        int n = rectype_json_keys(r, i, &keys);
        if (!under[i] || done[i]) continue;
        const char *k = keys[depth - 1];
        bool inner[r->nfields];   /* the fields read at or under key k */
        int first_inner = -1;
        memset(inner, 0, sizeof inner);
        for (int j = i; j < r->nfields; j++) {
            const char *const *other;
            if (!under[j] || rectype_json_keys(r, j, &other) <= depth - 1 || strcmp(other[depth - 1], k)) continue;
            done[j] = true;
            inner[j] = true;
            if (first_inner < 0) first_inner = j;
        }
        sbuf lit = {0};
        c_string(&lit, k, strlen(k));
        emit(e, "%sif (key.len == %zu && memcmp(key.ptr, %s, %zu) == 0) {", any ? "} else " : "", strlen(k), lit.s, strlen(k));
        free(lit.s);
        any = true;
        e->indent++;
        if (n == depth) {   /* the member a field reads (no other field reads it or inside it) */
            emit(e, "if (!(p = rgp_json_value(p, end, %d, &v[%d], &err))) goto not_json;", depth, i);
            emit(e, "seen[%d] = v[%d].kind == RGP_JSON_NULL ? 2 : 1;   /* null counts as missing */", i, i);
        } else {
            sbuf shown = {0};
            json_member_shown(&shown, r, first_inner, depth);
            emit(e, "if (rgp_json_enter(&p, end)) {   /* an object a path goes into: its members, in this pass */");
            e->indent++;
            emit_json_members(e, r, inner, depth + 1);
            e->indent--;
            emit(e, "} else {");
            emit(e, "    if (!(p = rgp_json_value(p, end, %d, &val, &err))) goto not_json;", depth);
            emit(e, "    if (val.kind != RGP_JSON_NULL) {   /* null: the fields inside are missing */");
            emit(e, "        char shown[64];");
            emit(e, "        rgp_reject(st, line, \"member %%s: expected an object, found %%s\", %s, rgp_json_shown(shown, sizeof shown, &val));",
                 shown.s);
            emit(e, "        return -1;");
            emit(e, "    }");
            emit(e, "}");
            free(shown.s);
        }
        e->indent--;
    }
    if (any) emit(e, "} else if (!(p = rgp_json_value(p, end, %d, &val, &err))) {", depth);
    else emit(e, "if (!(p = rgp_json_value(p, end, %d, &val, &err))) {", depth);
    emit(e, "    goto not_json;");
    emit(e, "}");
    e->indent--;
    emit(e, "}");
    emit(e, "if (rc < 0) goto not_json;");
}

/* The JSON-lines parser of a schema: members matched by key, converted by type. */
static void emit_jsonl_parser(emitter *e, const rectype *r)
{
    emit(e, "/* Parses one JSON object into a %s: members named like its fields (or on their paths) are read,", r->name);
    emit(e, " * others skipped; a missing or null member without a default, or a value of the wrong kind, rejects the line. */");
    emit(e, "static int parse_%s_jsonl(rgp_source_stats *st, rgp_str text, uint64_t line, slot_%s *slot%s)", r->name,
         r->cname, r->has_str ? ", int copied" : "");
    emit(e, "{");
    e->indent++;
    emit(e, "%s *r = &slot->rec;", r->cname);
    emit(e, "rgp_json_val v[%d];", r->nfields);
    emit(e, "unsigned char seen[%d] = {0};   /* 1: read; 2: null */", r->nfields);
    emit(e, "const char *p = text.ptr, *end = text.ptr + text.len;");
    emit(e, "rgp_json_error err;");
    emit(e, "rgp_str key;");
    emit(e, "rgp_json_val val;");
    emit(e, "int rc;");
    emit(e, "if (rgp_json_begin(&p, end, &err) != 0) goto not_json;");
    bool all[r->nfields];
    for (int i = 0; i < r->nfields; i++) all[i] = true;
    emit_json_members(e, r, all, 1);
    emit(e, "if (rgp_json_end(&p, end, &err) != 0) goto not_json;");
    for (int i = 0; i < r->nfields; i++) {
        const field *f = &r->fields[i];
        bool braced = false;
        if (!f->def) {
            sbuf shown = {0};
            json_member_shown(&shown, r, i, -1);
            emit(e, "if (seen[%d] != 1) {", i);
            emit(e, "    rgp_reject(st, line, seen[%d] ? \"field '%s': member %%s is null, and the field has no default\" : \"missing member %%s\", %s);",
                 i, f->name, shown.s);
            emit(e, "    return -1;");
            emit(e, "}");
            free(shown.s);
        } else if (f->type != T_STR) {   /* strings take theirs below, with the other strings */
            sbuf lit = {0};
            expr_c(&lit, f->def, "r");
            emit(e, "if (seen[%d] != 1) {", i);
            emit(e, "    r->%s = %s;   /* absent or null: its default */", f->name, lit.s);
            emit(e, "} else {");
            free(lit.s);
            braced = true;
            e->indent++;
        }
        if (f->type == T_STR) {
            emit(e, f->def ? "if (seen[%d] == 1 && v[%d].kind != RGP_JSON_STR) {" : "if (v[%d].kind != RGP_JSON_STR) {", i, i);
            emit_json_kind_reject(e, f, i);
        } else if (f->type == T_BOOL) {
            emit(e, "if (v[%d].kind != RGP_JSON_TRUE && v[%d].kind != RGP_JSON_FALSE) {", i, i);
            emit_json_kind_reject(e, f, i);
            emit(e, "r->%s = v[%d].kind == RGP_JSON_TRUE;", f->name, i);
        } else {
            /* the scanner checked RFC 8259's number grammar; the type's range is checked here */
            bool is_time = f->type == T_TIME;   /* epoch ms, or ISO 8601 text in a string */
            emit(e, is_time ? "if (v[%d].kind != RGP_JSON_NUM && v[%d].kind != RGP_JSON_STR) {" : "if (v[%d].kind != RGP_JSON_NUM) {", i, i);
            emit_json_kind_reject(e, f, i);
            emit(e, "if ((rc = rgp_parse_%s(v[%d].text.ptr, v[%d].text.len, &r->%s)) != RGP_PARSE_OK) {", is_time ? "time" : helper_suffix(f->type), i, i, f->name);
            emit(e, "    rgp_reject_field(st, line, \"%s\", \"%s\", v[%d].text, rc);", f->name, type_name(f->type), i);
            emit(e, "    return -1;");
            emit(e, "}");
        }
        if (braced) {
            e->indent--;
            emit(e, "}");
        }
    }
    if (r->has_str) {
        emit(e, "/* strings last, decoded straight into the slot: no escape makes text longer */");
        sbuf total = {0};
        for (int i = 0; i < r->nfields; i++)
            if (r->fields[i].type == T_STR)
                sb(&total, r->fields[i].def ? "%s(seen[%d] == 1 ? v[%d].text.len : 0)" : "%sv[%d].text.len", total.len ? " + " : "", i, i);
        emit(e, "if (rgp_slot_strs_begin(&slot->strs, %s, copied) != 0) rgp_out_of_memory(RGP_PROGRAM);", total.s);
        free(total.s);
        for (int i = 0; i < r->nfields; i++) {
            if (r->fields[i].type != T_STR) continue;
            if (r->fields[i].def) {
                sbuf lit = {0};
                expr_c(&lit, r->fields[i].def, "r");
                emit(e, "if (seen[%d] != 1) r->%s = %s;   /* absent or null: its default */", i, r->fields[i].name, lit.s);
                emit(e, "else");
                free(lit.s);
            }
            emit(e, "{");
            emit(e, "    long n = rgp_json_decode(v[%d].text, slot->strs.base + slot->strs.used);", i);
            emit(e, "    if (n < 0) {");
            emit(e, "        rgp_reject_field(st, line, \"%s\", \"str\", v[%d].text, RGP_PARSE_SYNTAX);", r->fields[i].name, i);
            emit(e, "        return -1;");
            emit(e, "    }");
            emit(e, "    r->%s = (rgp_str){slot->strs.base + slot->strs.used, (size_t)n};", r->fields[i].name);
            emit(e, "    slot->strs.used += (size_t)n;");
            emit(e, "}");
        }
    }
    emit(e, "return 0;");
    emit(e, "not_json:");
    emit(e, "rgp_reject(st, line, \"column %%ld: %%s\", (long)(err.at - text.ptr) + 1, err.why);");
    emit(e, "return -1;");
    e->indent--;
    emit(e, "}");
    blank(e);
    assert(e->indent == 0);
}

/* Whether r's writer in fmt returns whether it replaced invalid UTF-8: JSON lines with strings. */
static bool writer_counts_replaced(const rectype *r, format_kind fmt)
{
    return fmt == FMT_JSONL && r->has_str;
}

bool sink_counts_replaced(const node *sink)
{
    return writer_counts_replaced(sink->type, sink->format);
}

const char *writer_name(const rectype *r, format_kind fmt)
{
    static char name[256];
    snprintf(name, sizeof name, "write_%s_%s", r->cname, fmt == FMT_CSV ? "csv" : fmt == FMT_JOURNAL ? "journal" : "jsonl");
    return name;
}

/* A sink's floats: N where its records have an f64 field to apply it to, else -1. */
static int sink_floats(const node *sink)
{
    if (sink->format == FMT_JOURNAL || sink->floats < 0) return -1;
    for (int i = 0; i < sink->type->nfields; i++)
        if (sink->type->fields[i].type == T_F64) return sink->floats;
    return -1;
}

/* writer_name's, or its variant for floats: N (floats >= 0): write_T_csv_f2. */
static const char *writer_variant_name(const rectype *r, format_kind fmt, int floats)
{
    static char name[280];
    snprintf(name, sizeof name, "%s", writer_name(r, fmt));
    if (floats >= 0) snprintf(name + strlen(name), sizeof name - strlen(name), "_f%d", floats);
    return name;
}

const char *sink_writer_name(const node *sink)
{
    return writer_variant_name(sink->type, sink->format, sink_floats(sink));
}

/* The length of the objects field f sits in as a JSON line writes it: its first
 * f->nest dotted parts ("device.loc" of device.loc.site), 0 for a top-level key. */
static size_t json_object_len(const field *f)
{
    size_t n = 0;
    for (int k = 0; k < f->nest; k++) n += strcspn(f->name + n + (k > 0), ".") + (k > 0);
    return n;
}

/* How many leading parts the objects a and b (of lengths na, nb) share. */
static int json_common_parts(const char *a, size_t na, const char *b, size_t nb)
{
    int parts = 0;
    size_t i = 0;
    while (i < na && i < nb) {
        size_t la = strcspn(a + i, "."), lb = strcspn(b + i, ".");
        if (la > na - i) la = na - i;
        if (lb > nb - i) lb = nb - i;
        if (la != lb || memcmp(a + i, b + i, la)) break;
        parts++;
        i += la + 1;
    }
    return parts;
}

/* The bytes before field i's value in a JSON line: the objects the field
 * before it leaves, the comma, the objects field i enters, its key. All of it
 * known here, so a record costs one copy of constant bytes per field. */
static void json_key_text(sbuf *b, const rectype *r, int i)
{
    const field *f = &r->fields[i];
    size_t n = json_object_len(f), pn = i ? json_object_len(&r->fields[i - 1]) : 0;
    const char *prev = i ? r->fields[i - 1].name : "";
    int common = json_common_parts(prev, pn, f->name, n);
    for (int k = i ? r->fields[i - 1].nest : 0; k > common; k--) sb(b, "}");
    sb(b, "%s", i ? "," : "{");
    size_t at = 0;
    for (int k = 0; k < f->nest; k++) {
        size_t len = strcspn(f->name + at, ".");
        if (k >= common) sb(b, "\"%.*s\":{", (int)len, f->name + at);
        at += len + 1;
    }
    sb(b, "\"%s\":", f->name + (n ? n + 1 : 0));
}

static void emit_writer(emitter *e, const rectype *r, format_kind fmt, int floats)
{
    if (fmt == FMT_JOURNAL) {
        emit_journal_writer(e, r);
        return;
    }
    for (int i = 0; i < e->nwritten; i++)
        if (e->written[i] == r && e->written_fmt[i] == fmt && e->written_floats[i] == floats) return;
    assert(e->nwritten < 3 * (e->p->ntypes + e->p->nsinks));
    e->written[e->nwritten] = r;
    e->written_floats[e->nwritten] = floats;
    e->written_fmt[e->nwritten++] = fmt;
    bool csv = fmt == FMT_CSV, counts = writer_counts_replaced(r, fmt);
    if (counts) {
        emit(e, "/* Writes one %s as a JSON object on one line; returns 1 if a string's invalid UTF-8", r->name);
        emit(e, " * was replaced with U+FFFD (the sink counts such records). */");
    } else {
        emit(e, "/* Writes one %s as %s. */", r->name, csv ? "a CSV row" : "a JSON object on one line");
    }
    if (floats >= 0) emit(e, "/* (floats: %d: every f64 with exactly %d decimals) */", floats, floats);
    emit(e, "static inline %s %s(rgp_writer *w, const %s *r%s)", counts ? "int" : "void", writer_variant_name(r, fmt, floats),
         r->cname, csv ? ", char delim" : "");
    emit(e, "{");
    e->indent++;
    if (counts) emit(e, "int replaced = 0;");
    for (int i = 0; i < r->nfields; i++) {
        const field *f = &r->fields[i];
        if (csv && i > 0) emit(e, "rgp_w_char(w, delim);");
        if (!csv) {
            sbuf key = {0}, lit = {0};
            json_key_text(&key, r, i);
            c_string(&lit, key.s, key.len);
            emit(e, "rgp_w_bytes(w, %s, %zu);", lit.s, key.len);
            free(key.s);
            free(lit.s);
        }
        switch (f->type) {
        case T_BOOL: emit(e, "rgp_w_bool(w, r->%s);", f->name); break;
        case T_U32: case T_U64: emit(e, "rgp_w_u64(w, r->%s);", f->name); break;
        case T_F64:
            if (floats >= 0) emit(e, "rgp_w_%s_fixed(w, r->%s, %d);", csv ? "f64" : "json_f64", f->name, floats);
            else emit(e, "rgp_w_%s(w, r->%s);", csv ? "f64" : "json_f64", f->name);
            break;
        case T_STR:
            if (csv && r->nfields == 1) emit(e, "rgp_w_csv_str_sole(w, r->%s, delim);   /* \"\" when empty: an empty line is no row */", f->name);
            else if (csv) emit(e, "rgp_w_csv_str(w, r->%s, delim);", f->name);
            else emit(e, "replaced |= rgp_w_json_str(w, r->%s);", f->name);
            break;
        default: emit(e, "rgp_w_i64(w, r->%s);", f->name); break;
        }
    }
    if (csv) {
        emit(e, "rgp_w_char(w, '\\n');");
    } else {
        sbuf end = {0};   /* the objects the last field is in, then the line's */
        for (int k = r->nfields ? r->fields[r->nfields - 1].nest : 0; k > 0; k--) sb(&end, "}");
        sb(&end, "}");
        emit(e, "rgp_w_bytes(w, \"%s\\n\", %zu);", end.s, end.len + 1);
        free(end.s);
    }
    emit(e, "rgp_w_end_record(w);   /* a writer sharing its file with other threads flushes whole records */");
    if (counts) emit(e, "return replaced;");
    e->indent--;
    emit(e, "}");
    blank(e);
    assert(e->indent == 0);
}

/* ---- main ------------------------------------------------------------------------- */

int endpoint_index(const program *p, const node *n)
{
    for (int i = 0; i < p->nsources; i++) if (p->sources[i] == n) return i;
    for (int i = 0; i < p->nsinks; i++) if (p->sinks[i] == n) return p->nsources + i;
    return -1;
}

static void format_text(sbuf *b, const node *n)
{
    if (n->format == FMT_JSONL) {
        if (n->kind != D_SINK) sb(b, "jsonl(%s)", n->type->name);
        else sb(b, "jsonl");
        return;
    }
    if (n->format == FMT_LINES) { sb(b, "lines(%s)", n->type->name); return; }
    if (n->format == FMT_SYSLOG) { sb(b, "syslog(%s)", n->type->name); return; }
    if (n->format == FMT_JOURNAL) { sb(b, "journal records of %s", n->type->name); return; }
    if (n->kind != D_SINK) sb(b, "csv(%s, header: %s", n->type->name, n->header ? "true" : "false");
    else sb(b, "csv(header: %s", n->header ? "true" : "false");
    if (n->delim != ',') sb(b, ", delimiter: \"%c\"", n->delim);
    sb(b, ")");
}

/* The thread a sink's records are written from: sinks on stdout may share it
 * only when they are written from the same thread. */
static int thread_of_sink(const plan *pl, const node *sink)
{
    const plan_thread *t = plan_thread_of(pl, sink);
    return t ? t->index : -1;
}

/* One source or sink as the program's table of endpoints has it. */
static void emit_endpoint(emitter *e, const node *n, int thread)
{
    const program *p = e->p;
    sbuf b = {0};
    sb(&b, "{");
    c_string(&b, n->name, strlen(n->name));
    sb(&b, ", %d, %d, ", n->kind == D_SINK, thread);
    c_string(&b, n->open_path, strlen(n->open_path));
    sb(&b, ", ");
    const char *shown = n->endpoint == EP_FILE || n->endpoint == EP_JOURNAL || n->endpoint == EP_STDERR || emit_is_net(n) ? n->path
                        : n->kind == D_SINK ? "stdout" : "stdin";
    c_string(&b, shown, strlen(shown));
    sb(&b, ", ");
    sbuf fmt = {0};
    format_text(&fmt, n);
    c_string(&b, fmt.s, fmt.len);
    free(fmt.s);
    sb(&b, ", ");
    sbuf where = {0};
    sb(&where, "%s:%u:%u", p->file, n->loc.line, n->loc.col);
    c_string(&b, where.s, where.len);
    free(where.s);
    sb(&b, ", ");
    c_string(&b, n->endpoint == EP_STDERR ? n->open_path : n->path, strlen(n->endpoint == EP_STDERR ? n->open_path : n->path));
    sb(&b, ", %d, %d, %d, %d, %d},", n->kind == D_SINK && n->opt.policy != POLICY_BLOCK, n->endpoint == EP_JOURNAL, n->append, emit_is_net(n),
       n->kind == D_TABLE);
    emit(e, "%s", b.s);
    free(b.s);
}

/* The table of sources and sinks, at file scope: the sink threads report
 * their write errors through it. */
static void emit_endpoints(emitter *e)
{
    const program *p = e->p;
    emit(e, "static rgp_endpoint endpoints[] = {");
    e->indent++;
    emit(e, "/* name, is_sink, thread, path, shown as, format, declared at, path in the .rgp file, may drop, journal, append, net, table */");
    for (int i = 0; i < p->nsources; i++) emit_endpoint(e, p->sources[i], -1 - i);
    for (int i = 0; i < p->nsinks; i++) emit_endpoint(e, p->sinks[i], thread_of_sink(e->pl, p->sinks[i]));
    for (int i = 0; i < p->ntables; i++) emit_endpoint(e, p->tables[i], -1);   /* read by their loaders (emit_join.c) */
    e->indent--;
    emit(e, "};");
    blank(e);
}

static void emit_main(emitter *e)
{
    const program *p = e->p;
    int n = p->nsources + p->nsinks + p->ntables;
    emit(e, "/* ---- the program: open everything, start the threads, report ---- */");
    blank(e);
    emit(e, "int rgp_program_main(int argc, char **argv)");
    emit(e, "{");
    e->indent++;
    emit(e, "rgp_signals_block_early();   /* rgp run: already blocked before the compile */");
    emit_tables_on_hup(e);
    emit(e, "rgp_resolve_paths(RGP_FILE, endpoints, %d);", n);
    emit_metrics_default(e);
    emit(e, "int rc = rgp_parse_args(RGP_PROGRAM, RGP_FILE, argc, argv, endpoints, %d);", n);
    emit(e, "if (rc != 0) return rc < 0 ? 1 : 0;");
    emit_metrics_listen(e);
    emit_env_read(e);
    emit(e, "if (rgp_open_sources(RGP_PROGRAM, endpoints, %d, readers) != 0) return 1;", n);
    emit_csv_headers_read(e);
    emit_tables_load(e);
    emit(e, "if (rgp_open_sinks(RGP_PROGRAM, endpoints, %d, writers, sink_w) != 0) return 1;", n);
    emit_checkpoint_load(e);
    emit_checkpoint_seek(e);
    emit_journal_open(e);
    emit_net_open(e);
    emit_follow_open(e);
    for (int i = 0; i < p->nsinks; i++) {
        const node *s = p->sinks[i];
        if (s->format != FMT_CSV || !s->header) continue;
        sbuf h = {0};
        for (int f = 0; f < s->type->nfields; f++) sb(&h, "%s%s", f ? (char[]){s->delim, 0} : "", s->type->fields[f].name);
        sb(&h, "\n");
        sbuf lit = {0};
        c_string(&lit, h.s, h.len);
        emit(e, "rgp_w_header(sink_w[%d], %s, %zu);   /* header of sink %s */", p->nsources + i, lit.s, h.len, s->name);
        free(h.s);
        free(lit.s);
    }
    for (int i = 0; i < p->nsources; i++)
        emit(e, "stats_%s = (rgp_source_stats){.prog = RGP_PROGRAM, .name = \"%s\", .display = endpoints[%d].display};", p->sources[i]->name,
             p->sources[i]->name, i);
    emit_regex_compile(e);
    emit_thread_start(e);
    emit_regex_free(e);
    emit(e, "rgp_close_sinks(RGP_PROGRAM, endpoints, %d, writers, sink_w);", n);
    emit_journal_close(e);
    emit_net_close(e);
    emit_follow_close(e);
    emit(e, "stopped = rgp_stop_status(stopped);");
    for (int i = 0; i < p->nsources; i++) {
        emit(e, "rgp_reader_close(&readers[%d]);", i);
        emit(e, "rgp_report_stopped(&stats_%s);", p->sources[i]->name);
    }
    emit_csv_headers_free(e);
    for (int i = 0; i < p->nsinks; i++)
        if (sink_counts_replaced(p->sinks[i]))
            emit(e, "rgp_report_replaced(RGP_PROGRAM, \"%s\", replaced_%s);", p->sinks[i]->name, p->sinks[i]->name);
    emit(e, "/* after the sinks' last bytes: the summary of what did not reach them */");
    emit(e, "uint64_t lost = rgp_report_losses(RGP_PROGRAM, losses, (int)(sizeof losses / sizeof losses[0]));");
    emit(e, "/* pairs with rgp_fail; the joins order it too */");
    emit(e, "return rgp_exit_status(rgp_load_acquire_u32(&rgp_failed), stopped, lost);");
    e->indent--;
    emit(e, "}");
    blank(e);
    emit(e, "#ifndef RGP_JIT");
    emit(e, "int main(int argc, char **argv)");
    emit(e, "{");
    emit(e, "    rgp_signals_block_early();   /* before anything else: a signal now waits for the signal thread */");
    emit(e, "    return rgp_program_main(argc, argv);");
    emit(e, "}");
    emit(e, "#endif");
    assert(e->indent == 0);
}

/* What a thread runs from n on: "stage valid -> stage hot -> ring hot". */
static void describe_path(sbuf *b, const plan *pl, const node *n)
{
    sb(b, "%s %s", node_word(n), n->name);
    if (n->kind == D_SINK) return;
    /* route branches and late streams run here too: [branch a -> sink x; branch b -> ...] */
    int nside = 0;
    for (int i = 0; i < n->nsides; i++) {
        const node *s = n->sides[i];
        if (!s->used) continue;
        sb(b, nside++ ? "; " : " [");
        describe_path(b, pl, s);
    }
    if (nside) sb(b, "]");
    if (plan_ring_of(pl, n)) {
        sb(b, " -> ring %s", n->name);
        return;
    }
    if (n->nreaders == 1) {
        sb(b, " -> ");
        describe_path(b, pl, n->readers[0]);
        return;
    }
    for (int k = 0; k < n->nreaders; k++) {   /* each in turn: -> (sink a | stage b -> sink c) */
        sb(b, k ? " | " : " -> (");
        describe_path(b, pl, n->readers[k]);
    }
    if (n->nreaders) sb(b, ")");
}

char *emit_program(const plan *pl, const emit_options *o, const char **c_name)
{
    const program *p = pl->prog;
    emitter E = {.pl = pl, .p = p, .o = o}, *e = &E;
    e->c_name = p->c_name;
    *c_name = e->c_name;
    size_t ntypes = (size_t)p->ntypes + 1;
    e->slotted = calloc(ntypes, sizeof *e->slotted);
    ntypes += (size_t)p->nsinks;   /* a csv or jsonl variant with floats: N per sink at most */
    e->written = calloc(3 * ntypes, sizeof *e->written);   /* csv, jsonl and journal */
    e->written_fmt = calloc(3 * ntypes, sizeof *e->written_fmt);
    e->written_floats = calloc(3 * ntypes, sizeof *e->written_floats);
    if (!e->slotted || !e->written || !e->written_fmt || !e->written_floats) { fputs("rgp: out of memory\n", stderr); exit(2); }

    if (emit_uses_regex(p)) emit(e, "%spcre2-8", RGP_LINK_MARKER);   /* read by jit.c and aot.c (links.h) */
    emit_nats_link(e);
    emit(e, "/* %s: generated by rgp %s from %s. Do not edit: change the .rgp file.", e->c_name, RGP_VERSION, p->file);
    emit(e, " *");
    emit(e, " * Plan: rings where a stream is a source or a merge, where a reader must run alone");
    emit(e, " * (a drop policy, thread: own, cpu: N), and where a cut lowers the busiest thread's");
    emit(e, " * guessed work, within a budget of %d busy thread%s (compiler/plan.h). Everything", pl->budget,
         pl->budget == 1 ? "" : "s");
    emit(e, " * after a thread's ring is fused into its loop; a stream read by several readers");
    emit(e, " * without a ring hands each record to each in turn.");
    for (int i = 0; i < pl->nrings; i++) {
        const plan_ring *r = pl->rings[i];
        emit(e, " *   ring %-12s %llu slots of %s, %d producer%s, wait %s", r->name, (unsigned long long)r->slots,
             r->stream->type->name, r->nproducers, r->nproducers > 1 ? "s (merge)" : "", wait_names[r->wait]);
    }
    for (int i = 0; i < pl->nthreads; i++) {
        const plan_thread *t = pl->threads[i];
        sbuf b = {0};
        if (t->kind == TH_PARSE) {
            sb(&b, "reads %s as %s(%s)", t->source->endpoint != EP_STDIN ? t->source->path : "stdin",
               t->source->format == FMT_LINES ? "lines" : t->source->format == FMT_JSONL ? "jsonl" :
               t->source->format == FMT_JOURNAL ? "journal" : t->source->format == FMT_SYSLOG ? "syslog" : "csv",
               t->source->type->name);
            for (int k = 1; k < t->nnodes; k++) sb(&b, "%s%s", k == 1 ? ": stage " : " -> stage ", t->nodes[k]->name);
            sb(&b, " into ring %s", t->outs[0].ring->name);
        } else {
            sb(&b, "reads ring %s%s%s: ", t->in->name, t->policy != POLICY_BLOCK ? " with " : "",
               t->policy != POLICY_BLOCK ? policy_names[t->policy] : "");
            for (int k = 0; k < t->nentries; k++) {
                if (k) sb(&b, "; ");
                describe_path(&b, pl, t->entries[k]);
            }
        }
        if (t->cpu >= 0) sb(&b, ", on cpu %d", t->cpu);
        sb(&b, " [why: %s; work ~%.0f]", t->why, t->cost);
        emit(e, " *   thread %-18s %s", t->name, b.s);
        free(b.s);
    }
    emit(e, " */");
    emit(e, "#ifndef _GNU_SOURCE");
    emit(e, "#define _GNU_SOURCE");
    emit(e, "#endif");
    size_t include_at = e->len;
    emit(e, "#include \"rgp_runtime.h\"");
    size_t include_end = e->len;
    int body_line = e->lines + 1;
    if (emit_uses_regex(p) && o->standalone) {
        put(e, rgp_regex_text, strlen(rgp_regex_text));   /* PCRE2 only where it is used */
    } else if (emit_uses_regex(p)) {
        emit(e, "#include \"rgp_regex.h\"");
    }
    if (emit_uses_nats(p)) put(e, rgp_nats_text, strlen(rgp_nats_text));   /* libnats only where it is used */
    blank(e);
    emit(e, "#define RGP_PROGRAM \"%s\"", p->name);
    sbuf f = {0};
    c_string(&f, p->file, strlen(p->file));
    emit(e, "#define RGP_FILE %s", f.s);
    free(f.s);
    blank(e);
    emit(e, "/* ---- record types ---- */");
    blank(e);
    for (int i = 0; i < p->ntypes; i++) emit_record(e, p->types[i]);

    int n = p->nsources + p->nsinks + p->ntables;
    emit(e, "/* ---- sources and sinks, opened by rgp_program_main ---- */");
    blank(e);
    emit(e, "static rgp_reader readers[%d];   /* indexed like endpoints[]: sources first */", n);
    emit(e, "static rgp_writer writers[%d];", n);
    emit(e, "static rgp_writer *sink_w[%d];   /* the writer each sink uses (stdout is shared) */", n);
    blank(e);
    for (int i = 0; i < p->nsources; i++) emit(e, "static rgp_source_stats stats_%s;", p->sources[i]->name);
    for (int i = 0; i < p->nsinks; i++)
        if (sink_counts_replaced(p->sinks[i]))
            emit(e, "static uint64_t replaced_%s;   /* records whose invalid UTF-8 became U+FFFD; the sink's thread counts, main reads after the join */",
                 p->sinks[i]->name);
    blank(e);
    emit_journal_globals(e);
    emit_net_globals(e);
    emit_follow_globals(e);
    emit_regex_globals(e);
    emit_env_globals(e);
    emit_csv_header_globals(e);
    emit_endpoints(e);

    /* slot types for every ring, parsers for every source schema, writers for every sink */
    for (int i = 0; i < pl->nrings; i++) emit_slot_type(e, pl->rings[i]->stream->type);
    for (int i = 0; i < p->ntables; i++)
        if (p->tables[i]->used) emit_slot_type(e, p->tables[i]->type);   /* a table's loader parses rows into one */
    for (int i = 0; i < p->nsources + p->ntables; i++) {   /* sources, then tables */
        const node *src = i < p->nsources ? p->sources[i] : p->tables[i - p->nsources];
        const rectype *r = src->type;
        format_kind fk = src->format;
        bool first = fk != FMT_LINES && (src->kind != D_TABLE || src->used);
        for (int j = 0; j < i; j++) {
            const node *before = j < p->nsources ? p->sources[j] : p->tables[j - p->nsources];
            first &= before->type != r || before->format != fk || (before->kind == D_TABLE && !before->used);
        }
        if (!first) continue;
        if (fk == FMT_JSONL) {
            emit_jsonl_parser(e, r);
            continue;
        }
        if (fk == FMT_JOURNAL) {
            emit_journal_parser(e, r);
            continue;
        }
        if (fk == FMT_SYSLOG) {
            emit_syslog_parser(e, r);
            continue;
        }
        sbuf names = {0};
        for (int k = 0; k < r->nfields; k++) sb(&names, "%s\"%s\"", k ? ", " : "", r->fields[k].name);
        emit(e, "static const char *const fields_%s[] = {%s};", r->name, names.s);
        blank(e);
        free(names.s);
        emit_csv_parser(e, r);
        emit_csv_named_parser(e, r);
        emit_csv_scanner(e, r);
    }
    for (int i = 0; i < p->nsinks; i++) emit_writer(e, p->sinks[i]->type, p->sinks[i]->format, sink_floats(p->sinks[i]));
    emit_lookup_tables(e);
    emit_threads(e);
    emit_main(e);
    free(e->slotted);
    free(e->written);
    free(e->written_fmt);
    free(e->written_floats);

    if (!o->standalone) return e->buf;
    /* Standalone: the runtime text in place of the #include, then a #line so that
     * line numbers below match the `rgp emit` text a user reads. */
    size_t rt = strlen(rgp_runtime_text);
    sbuf back = {0};
    sb(&back, "#line %d \"%s\"\n", body_line, e->c_name);
    size_t nb = back.len;
    size_t total = include_at + rt + nb + (e->len - include_end);
    char *out = malloc(total + 1);
    if (!out) { fputs("rgp: out of memory\n", stderr); exit(2); }
    memcpy(out, e->buf, include_at);
    memcpy(out + include_at, rgp_runtime_text, rt);
    memcpy(out + include_at + rt, back.s, nb);
    memcpy(out + include_at + rt + nb, e->buf + include_end, e->len - include_end + 1);
    free(back.s);
    free(e->buf);
    return out;
}
