/* C code generation. One buffer, one emit() with an indent level that must be
 * back at zero after each function; #line directives bracket code that comes
 * from the user's text. Generated names say what they are (rec_, slot_, parse_, write_). */
#include "emit.h"
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RGP_BATCH 256   /* records claimed (producer) and released (consumer) per batch */

typedef struct emitter {
    const plan *pl;
    const program *p;
    const emit_options *o;
    char *buf;
    size_t len, cap;
    int lines;                  /* newlines emitted so far, for #line back into the C file */
    int indent;
    unsigned rgp_line;          /* the .rgp line the C lines are mapped to now, 0 for none */
    const char *c_name;
    int tmp;                    /* counter for unique local names */
    const rectype *written[64]; /* (type, format) pairs that have a write function */
    format_kind written_fmt[64];
    int nwritten;
} emitter;

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

/* One line of C at the current indent; an empty format gives an empty line. */
__attribute__((format(printf, 2, 3))) static void emit(emitter *e, const char *fmt, ...)
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
    if (n > 0 && text[0] != '#')
        for (int i = 0; i < e->indent; i++) put(e, "    ", 4);
    put(e, text, (size_t)n);
    put(e, "\n", 1);
    if (text != tmp) free(text);
}

static void blank(emitter *e) { put(e, "\n", 1); }

/* Lines from the user's text say where they come from; the directive is written
 * only when the mapped line changes, and the C file is named again after them. */
static void line_to_rgp(emitter *e, srcloc at)
{
    if (!e->o->line_directives || e->rgp_line == at.line) return;
    emit(e, "#line %u \"%s\"", at.line, e->p->file);
    e->rgp_line = at.line;
}
static void line_to_c(emitter *e)
{
    if (!e->rgp_line) return;
    emit(e, "#line %d \"%s\"", e->lines + 2, e->c_name);
    e->rgp_line = 0;
}

/* ---- expressions ----------------------------------------------------------------- */

typedef struct sbuf { char *s; size_t len, cap; } sbuf;
__attribute__((format(printf, 2, 3))) static void sb(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (b->len + (size_t)n + 1 > b->cap) {
        b->cap = (b->len + (size_t)n + 1) * 2;
        b->s = realloc(b->s, b->cap);
        if (!b->s) { fputs("rgp: out of memory\n", stderr); exit(2); }
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* The suffix of the stdlib helper for values of type t: rgp_add_i64, rgp_min_f64, ... */
static const char *helper_suffix(type_id t)
{
    switch (t) {
    case T_I32: return "i32";
    case T_U32: return "u32";
    case T_U64: return "u64";
    case T_F64: return "f64";
    default: return "i64";   /* i64 and time */
    }
}

static const char *ctype(type_id t) { return scalar_types[t].ctype; }

/* A C string literal for arbitrary bytes: octal escapes, since hex escapes run on. */
static void c_string(sbuf *b, const char *s, size_t n)
{
    sb(b, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') sb(b, "\\%c", c);
        else if (c >= 0x20 && c < 0x7f && c != '?') sb(b, "%c", c);
        else sb(b, "\\%03o", c);
    }
    sb(b, "\"");
}

static void expr_c(sbuf *b, const ast_expr *x, const char *rec);

/* An operand converted to type t when its own type differs. */
static void operand_c(sbuf *b, const ast_expr *x, type_id t, const char *rec)
{
    if (x->type == t || (t == T_I64 && x->type == T_TIME)) { expr_c(b, x, rec); return; }
    sb(b, "(%s)", ctype(t));
    expr_c(b, x, rec);
}

static void int_literal_c(sbuf *b, unsigned long long mag, bool neg, type_id t)
{
    if (t == T_F64) { sb(b, "%s%llu.0", neg ? "-" : "", mag); return; }
    bool is64 = scalar_types[t].bits == 64;
    if (neg && mag == (is64 ? 0x8000000000000000ull : 0x80000000ull)) { sb(b, is64 ? "INT64_MIN" : "INT32_MIN"); return; }
    if (!scalar_types[t].is_signed) sb(b, is64 ? "UINT64_C(%llu)" : "%lluu", mag);
    else sb(b, is64 ? "%sINT64_C(%llu)" : "%s%llu", neg ? "-" : "", mag);
}

static void binary_c(sbuf *b, const ast_expr *x, const char *rec)
{
    const ast_expr *l = x->u.bin.lhs, *r = x->u.bin.rhs;
    binop op = x->u.bin.op;
    type_id t = x->optype;
    const binop_info *info = &binops[op];
    if (info->family == OPF_LOGIC || (info->family != OPF_ARITH && (t == T_BOOL || t == T_TIME || t == T_F64 || type_is_int(t)))) {
        sb(b, "(");
        operand_c(b, l, t == T_TIME ? T_I64 : t, rec);
        sb(b, " %s ", info->c);
        operand_c(b, r, t == T_TIME ? T_I64 : t, rec);
        sb(b, ")");
        return;
    }
    if (t == T_STR) {
        if (op == BIN_EQ || op == BIN_NE) sb(b, "(%srgp_str_eq(", op == BIN_NE ? "!" : "");
        else sb(b, "(rgp_str_cmp(");
        expr_c(b, l, rec);
        sb(b, ", ");
        expr_c(b, r, rec);
        if (op == BIN_EQ || op == BIN_NE) sb(b, "))");
        else sb(b, ") %s 0)", info->c);
        return;
    }
    /* arithmetic: floats are plain C; integers go through helpers with defined
     * wrap-around and division by zero (see docs/language.md) */
    if (t == T_F64) {
        sb(b, "(");
        operand_c(b, l, t, rec);
        sb(b, " %s ", info->c);
        operand_c(b, r, t, rec);
        sb(b, ")");
        return;
    }
    static const char *names[] = {[BIN_ADD] = "add", [BIN_SUB] = "sub", [BIN_MUL] = "mul", [BIN_DIV] = "div", [BIN_MOD] = "mod"};
    bool is_unsigned = type_is_int(t) && !scalar_types[t].is_signed;
    if (is_unsigned && op != BIN_DIV && op != BIN_MOD) {
        /* unsigned arithmetic is already modular in C; the cast keeps u32 at 32 bits */
        sb(b, "(%s)(", ctype(t));
        operand_c(b, l, t, rec);
        sb(b, " %s ", info->c);
        operand_c(b, r, t, rec);
        sb(b, ")");
        return;
    }
    sb(b, "rgp_%s_%s(", names[op], helper_suffix(t));
    operand_c(b, l, t, rec);
    sb(b, ", ");
    operand_c(b, r, t, rec);
    sb(b, ")");
}

static void expr_c(sbuf *b, const ast_expr *x, const char *rec)
{
    switch (x->kind) {
    case E_INT: int_literal_c(b, x->u.i.value, false, x->type); break;
    case E_FLOAT: sb(b, "%s", x->text); break;
    case E_STR:
        sb(b, "((rgp_str){");
        c_string(b, x->u.s.bytes, x->u.s.len);
        sb(b, ", %zu})", x->u.s.len);
        break;
    case E_BOOL: sb(b, x->u.b ? "true" : "false"); break;
    case E_NAME: sb(b, "%s->%s", rec, x->text); break;
    case E_UNARY: {
        const ast_expr *o = x->u.un.operand;
        if (x->u.un.op == UN_NOT) { sb(b, "(!"); expr_c(b, o, rec); sb(b, ")"); break; }
        if (o->kind == E_INT) { sb(b, "("); int_literal_c(b, o->u.i.value, true, x->type); sb(b, ")"); break; }
        if (x->type == T_F64) { sb(b, "(-"); expr_c(b, o, rec); sb(b, ")"); break; }
        sb(b, "rgp_neg_%s(", helper_suffix(x->type));
        expr_c(b, o, rec);
        sb(b, ")");
        break;
    }
    case E_BINARY: binary_c(b, x, rec); break;
    case E_CALL: {
        /* min, max, abs: sema allows nothing else here */
        sb(b, "rgp_%s_%s(", x->text, helper_suffix(x->optype));
        for (ast_arg *g = x->u.call.args; g; g = g->next) {
            operand_c(b, g->value, x->optype, rec);
            if (g->next) sb(b, ", ");
        }
        sb(b, ")");
        break;
    }
    }
}

/* Emits a C expression for x as one line: `prefix EXPR suffix`, mapped to x's line. */
static void emit_user_expr(emitter *e, const ast_expr *x, const char *rec, const char *prefix, const char *suffix)
{
    sbuf b = {0};
    expr_c(&b, x, rec);
    line_to_rgp(e, x->loc);
    emit(e, "%s%s%s", prefix, b.s, suffix);
    free(b.s);
}

/* ---- record types, parsers, writers ---------------------------------------------- */

static void emit_record(emitter *e, const rectype *r)
{
    emit(e, "/* record %s (%s:%u) */", r->name, e->p->file, r->loc.line);
    emit(e, "typedef struct %s {", r->cname);
    e->indent++;
    for (int i = 0; i < r->nfields; i++) emit(e, "%s %s;", ctype(r->fields[i].type), r->fields[i].name);
    e->indent--;
    emit(e, "} %s;", r->cname);
    blank(e);
}

/* The ring slot of a schema: the record, plus room for its strings when it has any. */
static void emit_slot(emitter *e, const rectype *r)
{
    emit(e, "typedef struct slot_%s {", r->name);
    e->indent++;
    emit(e, "%s rec;", r->cname);
    if (r->has_str) emit(e, "rgp_slot_strs strs;   /* the bytes rec's str fields point at */");
    e->indent--;
    emit(e, "} slot_%s;", r->name);
    blank(e);
}

static void emit_csv_parser(emitter *e, const rectype *r)
{
    emit(e, "/* Parses the fields of one CSV row into a %s. A row that does not fit is", r->name);
    emit(e, " * reported and counted, and -1 tells the caller to skip it. */");
    emit(e, "static int parse_%s_csv(rgp_source_stats *st, const rgp_str *f, int nf, uint64_t line, slot_%s *slot)", r->name, r->name);
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
        type_id pt = f->type == T_TIME ? T_I64 : f->type;
        emit(e, "if ((rc = rgp_parse_%s(f[%d].ptr, f[%d].len, &r->%s)) != RGP_PARSE_OK) {",
             pt == T_BOOL ? "bool" : helper_suffix(pt), i, i, f->name);
        emit(e, "    rgp_reject_field(st, line, \"%s\", \"%s\", f[%d], rc);", f->name, type_name(f->type), i);
        emit(e, "    return -1;");
        emit(e, "}");
    }
    if (r->has_str) {
        emit(e, "/* strings last, since they cannot fail: no slot memory is taken for a rejected row */");
        sbuf total = {0};
        for (int i = 0; i < r->nfields; i++)
            if (r->fields[i].type == T_STR) sb(&total, "%sf[%d].len", total.len ? " + " : "", i);
        emit(e, "if (rgp_slot_strs_begin(&slot->strs, %s) != 0) {", total.s);
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

static const char *writer_name(emitter *e, const rectype *r, format_kind fmt)
{
    static char name[256];
    snprintf(name, sizeof name, "write_%s_%s", r->cname, fmt == FMT_CSV ? "csv" : "jsonl");
    (void)e;
    return name;
}

static void emit_writer(emitter *e, const rectype *r, format_kind fmt)
{
    for (int i = 0; i < e->nwritten; i++)
        if (e->written[i] == r && e->written_fmt[i] == fmt) return;
    assert(e->nwritten < 64);
    e->written[e->nwritten] = r;
    e->written_fmt[e->nwritten++] = fmt;
    bool csv = fmt == FMT_CSV;
    emit(e, "/* Writes one %s as %s. */", r->name, csv ? "a CSV row" : "a JSON object on one line");
    emit(e, "static inline void %s(rgp_writer *w, const %s *r%s)", writer_name(e, r, fmt), r->cname, csv ? ", char delim" : "");
    emit(e, "{");
    e->indent++;
    for (int i = 0; i < r->nfields; i++) {
        const field *f = &r->fields[i];
        if (csv && i > 0) emit(e, "rgp_w_char(w, delim);");
        if (!csv) emit(e, "rgp_w_bytes(w, \"%s\\\"%s\\\":\", %zu);", i ? "," : "{", f->name, strlen(f->name) + 3 + (i ? 1 : 1));
        switch (f->type) {
        case T_BOOL: emit(e, "rgp_w_bool(w, r->%s);", f->name); break;
        case T_U32: case T_U64: emit(e, "rgp_w_u64(w, r->%s);", f->name); break;
        case T_F64: emit(e, "rgp_w_%s(w, r->%s);", csv ? "f64" : "json_f64", f->name); break;
        case T_STR:
            if (csv) emit(e, "rgp_w_csv_str(w, r->%s, delim);", f->name);
            else emit(e, "rgp_w_json_str(w, r->%s);", f->name);
            break;
        default: emit(e, "rgp_w_i64(w, r->%s);", f->name); break;
        }
    }
    emit(e, csv ? "rgp_w_char(w, '\\n');" : "rgp_w_bytes(w, \"}\\n\", 2);");
    e->indent--;
    emit(e, "}");
    blank(e);
    assert(e->indent == 0);
}

/* ---- the consumer loop: stages and sinks inlined ---------------------------------- */

static int endpoint_index(const program *p, const node *n)
{
    for (int i = 0; i < p->nsources; i++) if (p->sources[i] == n) return i;
    for (int i = 0; i < p->nsinks; i++) if (p->sinks[i] == n) return p->nsources + i;
    return -1;
}

static void emit_readers(emitter *e, const node *n, const char *rec);

static void emit_stage(emitter *e, const node *st, const char *rec)
{
    emit(e, "/* stage %s (%s:%u) */", st->name, e->p->file, st->loc.line);
    int opened = 0;
    char cur[128];
    snprintf(cur, sizeof cur, "%s", rec);
    for (const ast_op *o = st->ops; o; o = o->next) {
        if (o->kind == OP_WHERE) {
            emit_user_expr(e, o->cond, cur, "if (", ") {");
            e->indent++;
            opened++;
        } else {
            int k = ++e->tmp;
            line_to_rgp(e, o->loc);
            emit(e, "%s v%d;", o->out->cname, k);
            const ast_item *it = o->items;
            for (int i = 0; it; it = it->next, i++) {
                char prefix[160];
                snprintf(prefix, sizeof prefix, "v%d.%s = ", k, o->out->fields[i].name);
                emit_user_expr(e, it->value, cur, prefix, ";");
            }
            snprintf(cur, sizeof cur, "(&v%d)", k);
        }
    }
    line_to_c(e);
    emit_readers(e, st, cur);
    while (opened--) {
        e->indent--;
        emit(e, "}");
    }
}

static void emit_readers(emitter *e, const node *n, const char *rec)
{
    node *readers[256];
    int nr = plan_readers(e->pl, n, readers, 256);
    for (int i = 0; i < nr; i++) {
        const node *r = readers[i];
        if (r->kind == D_STAGE) {
            emit(e, "{");
            e->indent++;
            emit_stage(e, r, rec);
            e->indent--;
            emit(e, "}");
        } else {
            emit(e, "/* sink %s (%s:%u) */", r->name, e->p->file, r->loc.line);
            if (r->format == FMT_CSV)
                emit(e, "%s(sink_w[%d], %s, '%s');", writer_name(e, r->type, r->format), endpoint_index(e->p, r), rec,
                     r->delim == '\'' ? "\\'" : r->delim == '\\' ? "\\\\" : (char[]){r->delim, 0});
            else
                emit(e, "%s(sink_w[%d], %s);", writer_name(e, r->type, r->format), endpoint_index(e->p, r), rec);
        }
    }
}

static void emit_consumer(emitter *e, const plan_pipe *pp)
{
    const node *src = pp->source;
    const rectype *r = src->type;
    emit(e, "/* thread %s.run: every stage and sink fed by source %s, fused into one loop */", src->name, src->name);
    emit(e, "static void *thread_%s_run(void *arg)", src->name);
    emit(e, "{");
    e->indent++;
    emit(e, "(void)arg;");
    emit(e, "rgp_ring *ring = &ring_%s;", src->name);
    emit(e, "uint64_t next = rgp_ring_first_seq(ring);");
    emit(e, "for (;;) {");
    e->indent++;
    emit(e, "if (rgp_ring_poll(ring, next) == next) {");
    emit(e, "    /* about to wait: let what is written so far reach its readers */");
    int sinks_flushed = 0;
    for (int i = 0; i < pp->nnodes; i++)
        if (pp->nodes[i]->kind == D_SINK) {
            emit(e, "    rgp_writer_flush(sink_w[%d]);", endpoint_index(e->p, pp->nodes[i]));
            sinks_flushed++;
        }
    emit(e, "}");
    emit(e, "uint64_t end = rgp_ring_wait(ring, next);");
    emit(e, "if (end == next) break;   /* closed and drained */");
    emit(e, "if (end - next > %d) end = next + %d;   /* release slots back in bounded batches */", RGP_BATCH * 4, RGP_BATCH * 4);
    emit(e, "for (uint64_t seq = next; seq != end; seq++) {");
    e->indent++;
    emit(e, "slot_%s *slot = rgp_ring_slot(ring, seq);", r->name);
    emit(e, "const %s *in = &slot->rec;", r->cname);
    emit_readers(e, src, "in");
    if (r->has_str) emit(e, "if (slot->strs.spill) free(slot->strs.spill);");
    e->indent--;
    emit(e, "}");
    emit(e, "rgp_ring_release(ring, end);");
    emit(e, "next = end;");
    e->indent--;
    emit(e, "}");
    emit(e, "return NULL;");
    e->indent--;
    emit(e, "}");
    blank(e);
    (void)sinks_flushed;
    assert(e->indent == 0);
}

static void emit_producer(emitter *e, const plan_pipe *pp, int index)
{
    const node *src = pp->source;
    const rectype *r = src->type;
    emit(e, "/* thread %s.parse: reads source %s (%s:%u) and fills its ring */", src->name, src->name, e->p->file, src->loc.line);
    emit(e, "static void *thread_%s_parse(void *arg)", src->name);
    emit(e, "{");
    e->indent++;
    emit(e, "(void)arg;");
    emit(e, "rgp_ring *ring = &ring_%s;", src->name);
    emit(e, "rgp_reader *in = &readers[%d];", index);
    emit(e, "rgp_source_stats *st = &stats_%s;", src->name);
    emit(e, "rgp_str f[%d];   /* one more than the schema has, to notice extra fields */", r->nfields + 1);
    emit(e, "int nf;");
    emit(e, "uint64_t line;");
    emit(e, "const char *why;");
    emit(e, "uint64_t next = rgp_ring_first_seq(ring), claim_end = next, published = next;");
    if (src->header) emit(e, "int header_pending = 1;");
    emit(e, "for (;;) {");
    e->indent++;
    emit(e, "int rc = rgp_csv_next_row(in, '%s', f, %d, &nf, &line, &why);",
         src->delim == '\'' ? "\\'" : src->delim == '\\' ? "\\\\" : (char[]){src->delim, 0}, r->nfields + 1);
    emit(e, "if (rc == RGP_ROW_NEED_INPUT) {");
    emit(e, "    /* the read may block (stdin): hand over what is parsed first */");
    emit(e, "    if (next != published) rgp_ring_publish(ring, published = next);");
    emit(e, "    if (rgp_stopping()) break;");
    emit(e, "    if (rgp_reader_fill(in) < 0) {");
    emit(e, "        if (errno == EINTR) continue;   /* a signal: the loop head sees whether to stop */");
    emit(e, "        fprintf(stderr, \"%%s: error: reading %%s: %%s\\n\", RGP_PROGRAM, st->display, strerror(errno));");
    emit(e, "        rgp_fail();");
    emit(e, "        break;");
    emit(e, "    }");
    emit(e, "    continue;");
    emit(e, "}");
    emit(e, "if (rc == RGP_ROW_EOF) break;");
    if (src->header) {
        emit(e, "if (header_pending) {");
        emit(e, "    header_pending = 0;");
        emit(e, "    if (rc == RGP_ROW_BAD || rgp_check_header(st, line, f, nf, fields_%s, %d) != 0) {", r->name, r->nfields);
        emit(e, "        if (rc == RGP_ROW_BAD) fprintf(stderr, \"%%s: error: %%s:%%llu: cannot read the header: %%s\\n\", RGP_PROGRAM, st->display, (unsigned long long)line, why);");
        emit(e, "        rgp_fail();");
        emit(e, "        break;");
        emit(e, "    }");
        emit(e, "    continue;");
        emit(e, "}");
    }
    emit(e, "st->rows++;");
    emit(e, "if (rc == RGP_ROW_BAD) {");
    emit(e, "    rgp_reject(st, line, \"%%s\", why);");
    emit(e, "    continue;");
    emit(e, "}");
    emit(e, "if (next == claim_end) {");
    emit(e, "    if (next != published) rgp_ring_publish(ring, published = next);");
    emit(e, "    if (rgp_stopping()) break;   /* SIGINT or SIGTERM: stop reading, let the rest drain */");
    emit(e, "    uint64_t got;");
    emit(e, "    rgp_ring_claim(ring, %d, &got);", RGP_BATCH);
    emit(e, "    claim_end = next + got;");
    emit(e, "}");
    emit(e, "if (parse_%s_csv(st, f, nf, line, rgp_ring_slot(ring, next)) == 0) next++;", r->name);
    e->indent--;
    emit(e, "}");
    emit(e, "if (next != published) rgp_ring_publish(ring, next);");
    emit(e, "rgp_ring_close(ring);");
    emit(e, "rgp_source_done();");
    emit(e, "return NULL;");
    e->indent--;
    emit(e, "}");
    blank(e);
    assert(e->indent == 0);
}

/* ---- main ------------------------------------------------------------------------- */

static void format_text(sbuf *b, const node *n)
{
    if (n->format == FMT_JSONL) { sb(b, "jsonl"); return; }
    if (n->kind == D_SOURCE) sb(b, "csv(%s, header: %s", n->type->name, n->header ? "true" : "false");
    else sb(b, "csv(header: %s", n->header ? "true" : "false");
    if (n->delim != ',') sb(b, ", delimiter: \"%c\"", n->delim);
    sb(b, ")");
}

static void emit_endpoint(emitter *e, const node *n, int pipe)
{
    sbuf b = {0};
    sb(&b, "{");
    c_string(&b, n->name, strlen(n->name));
    sb(&b, ", %d, %d, ", n->kind == D_SINK, pipe);
    c_string(&b, n->open_path, strlen(n->open_path));
    sb(&b, ", ");
    const char *shown = n->endpoint == EP_FILE ? n->path : n->kind == D_SINK ? "stdout" : "stdin";
    c_string(&b, shown, strlen(shown));
    sb(&b, ", ");
    sbuf fmt = {0};
    format_text(&fmt, n);
    c_string(&b, fmt.s, fmt.len);
    free(fmt.s);
    sb(&b, "},");
    emit(e, "%s", b.s);
    free(b.s);
}

static int pipe_of(const plan *pl, const node *n)
{
    while (n->input) n = n->input;
    for (int i = 0; i < pl->npipes; i++) if (pl->pipes[i].source == n) return i;
    return 0;
}

static void emit_main(emitter *e)
{
    const program *p = e->p;
    int n = p->nsources + p->nsinks;
    emit(e, "/* ---- the program: open everything, start the threads, report ---- */");
    blank(e);
    emit(e, "int rgp_program_main(int argc, char **argv)");
    emit(e, "{");
    e->indent++;
    emit(e, "static rgp_endpoint endpoints[] = {");
    e->indent++;
    emit(e, "/* name, is_sink, pipe, path, shown as, format */");
    for (int i = 0; i < p->nsources; i++) emit_endpoint(e, p->sources[i], i);
    for (int i = 0; i < p->nsinks; i++) emit_endpoint(e, p->sinks[i], pipe_of(e->pl, p->sinks[i]));
    e->indent--;
    emit(e, "};");
    emit(e, "int rc = rgp_parse_args(RGP_PROGRAM, RGP_FILE, argc, argv, endpoints, %d);", n);
    emit(e, "if (rc != 0) return rc < 0 ? 1 : 0;");
    emit(e, "if (rgp_open_endpoints(RGP_PROGRAM, endpoints, %d, readers, writers, sink_w) != 0) return 1;", n);
    for (int i = 0; i < p->nsinks; i++) {
        const node *s = p->sinks[i];
        if (s->format != FMT_CSV || !s->header) continue;
        sbuf h = {0};
        for (int f = 0; f < s->type->nfields; f++) sb(&h, "%s%s", f ? (char[]){s->delim, 0} : "", s->type->fields[f].name);
        sb(&h, "\n");
        sbuf lit = {0};
        c_string(&lit, h.s, h.len);
        emit(e, "rgp_w_bytes(sink_w[%d], %s, %zu);   /* header of sink %s */", p->nsources + i, lit.s, h.len, s->name);
        free(h.s);
        free(lit.s);
    }
    for (int i = 0; i < p->nsources; i++) {
        const node *s = p->sources[i];
        emit(e, "stats_%s = (rgp_source_stats){RGP_PROGRAM, \"%s\", endpoints[%d].display, 0, 0};", s->name, s->name, i);
        emit(e, "if (rgp_ring_init(&ring_%s, %llu, sizeof(slot_%s)) != 0) {", s->name,
             (unsigned long long)e->pl->pipes[i].ring_slots, s->type->name);
        emit(e, "    fprintf(stderr, \"%%s: error: cannot allocate the ring of source %s: %%s\\n\", RGP_PROGRAM, strerror(errno));", s->name);
        emit(e, "    return 1;");
        emit(e, "}");
    }
    emit(e, "pthread_t runners[%d], parsers[%d];", p->nsources, p->nsources);
    emit(e, "int nrunners = 0, nparsers = 0;");
    emit(e, "rgp_signals signals;");
    emit(e, "rgp_signals_block(%d);   /* before any thread starts, so all inherit it */", p->nsources);
    for (int i = 0; i < p->nsources; i++) {
        const char *s = p->sources[i]->name;
        emit(e, "if (rgp_thread_start(&runners[nrunners], RGP_PROGRAM, \"%s.run\", thread_%s_run, NULL) == 0) nrunners++;", s, s);
        emit(e, "else { rgp_fail(); rgp_ring_close(&ring_%s); }", s);
        emit(e, "if (rgp_thread_start(&parsers[nparsers], RGP_PROGRAM, \"%s.parse\", thread_%s_parse, NULL) == 0) nparsers++;", s, s);
        emit(e, "else { rgp_fail(); rgp_ring_close(&ring_%s); rgp_source_done(); }", s);
    }
    emit(e, "rgp_signals_start(&signals, parsers, nparsers);");
    emit(e, "/* runners end once their source closed its ring and they drained it; the");
    emit(e, " * signal thread may knock on parsers until then, so they are joined after it */");
    emit(e, "for (int i = 0; i < nrunners; i++) pthread_join(runners[i], NULL);");
    emit(e, "int stopped = rgp_signals_stop(&signals);   /* 130 or 143 after a SIGINT or SIGTERM */");
    emit(e, "for (int i = 0; i < nparsers; i++) pthread_join(parsers[i], NULL);");
    emit(e, "for (int i = %d; i < %d; i++) {", p->nsources, n);
    emit(e, "    if (sink_w[i] != &writers[i]) continue;   /* shares another sink's stdout */");
    emit(e, "    if (rgp_writer_close(&writers[i]) != 0) {");
    emit(e, "        fprintf(stderr, \"%%s: error: writing sink '%%s' (%%s): %%s\\n\", RGP_PROGRAM, endpoints[i].name, endpoints[i].display, strerror(writers[i].err));");
    emit(e, "        rgp_fail();");
    emit(e, "    }");
    emit(e, "}");
    for (int i = 0; i < p->nsources; i++) {
        emit(e, "rgp_reader_close(&readers[%d]);", i);
        emit(e, "rgp_ring_destroy(&ring_%s);", p->sources[i]->name);
        emit(e, "rgp_report_rejects(&stats_%s);", p->sources[i]->name);
    }
    emit(e, "return rgp_load_acquire_u32(&rgp_failed) ? 1 : stopped;   /* pairs with rgp_fail; the joins order it too */");
    e->indent--;
    emit(e, "}");
    blank(e);
    emit(e, "#ifndef RGP_JIT");
    emit(e, "int main(int argc, char **argv) { return rgp_program_main(argc, argv); }");
    emit(e, "#endif");
    assert(e->indent == 0);
}

char *emit_program(const plan *pl, const emit_options *o, const char **c_name)
{
    const program *p = pl->prog;
    emitter E = {.pl = pl, .p = p, .o = o}, *e = &E;
    e->c_name = p->c_name;
    *c_name = e->c_name;

    emit(e, "/* %s: generated by rgp %s from %s. Do not edit: change the .rgp file.", e->c_name, RGP_VERSION, p->file);
    emit(e, " *");
    emit(e, " * Plan (one ring and two threads per source; stages and sinks fused into the reader):");
    for (int i = 0; i < pl->npipes; i++) {
        const plan_pipe *pp = &pl->pipes[i];
        emit(e, " *   thread %s.parse  reads %s, parses csv(%s), publishes into ring_%s (%llu slots)", pp->source->name,
             pp->source->endpoint == EP_FILE ? pp->source->path : "stdin", pp->source->type->name, pp->source->name,
             (unsigned long long)pp->ring_slots);
        sbuf b = {0};
        for (int k = 0; k < pp->nnodes; k++)
            sb(&b, "%s%s %s", k ? ", " : "", pp->nodes[k]->kind == D_SINK ? "sink" : "stage", pp->nodes[k]->name);
        emit(e, " *   thread %s.run    %s", pp->source->name, b.len ? b.s : "(nothing reads it: records are parsed and dropped)");
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

    int n = p->nsources + p->nsinks;
    emit(e, "/* ---- sources and sinks, opened by rgp_program_main ---- */");
    blank(e);
    emit(e, "static rgp_reader readers[%d];   /* indexed like endpoints[]: sources first */", n);
    emit(e, "static rgp_writer writers[%d];", n);
    emit(e, "static rgp_writer *sink_w[%d];   /* the writer each sink uses (stdout is shared) */", n);
    blank(e);

    for (int i = 0; i < pl->npipes; i++) {
        const node *src = pl->pipes[i].source;
        const rectype *r = src->type;
        bool first = true;
        for (int j = 0; j < i; j++) first &= pl->pipes[j].source->type != r;
        if (first) {
            emit_slot(e, r);
            sbuf names = {0};
            for (int k = 0; k < r->nfields; k++) sb(&names, "%s\"%s\"", k ? ", " : "", r->fields[k].name);
            emit(e, "static const char *const fields_%s[] = {%s};", r->name, names.s);
            blank(e);
            free(names.s);
            emit_csv_parser(e, r);
        }
        emit(e, "/* ---- source %s (%s:%u) ---- */", src->name, p->file, src->loc.line);
        blank(e);
        emit(e, "static rgp_ring ring_%s;", src->name);
        emit(e, "static rgp_source_stats stats_%s;", src->name);
        blank(e);
        for (int k = 0; k < pl->pipes[i].nnodes; k++) {
            const node *s = pl->pipes[i].nodes[k];
            if (s->kind == D_SINK) emit_writer(e, s->type, s->format);
        }
        emit_producer(e, &pl->pipes[i], i);
        emit_consumer(e, &pl->pipes[i]);
    }
    emit_main(e);

    if (!o->standalone) return e->buf;
    /* Standalone: the runtime text in place of the #include, then a #line so that
     * line numbers below match the `rgp emit` text a user reads. */
    size_t rt = strlen(rgp_runtime_text);
    char back[256];
    int nb = snprintf(back, sizeof back, "#line %d \"%s\"\n", body_line, e->c_name);
    size_t total = include_at + rt + (size_t)nb + (e->len - include_end);
    char *out = malloc(total + 1);
    if (!out) { fputs("rgp: out of memory\n", stderr); exit(2); }
    memcpy(out, e->buf, include_at);
    memcpy(out + include_at, rgp_runtime_text, rt);
    memcpy(out + include_at + rt, back, (size_t)nb);
    memcpy(out + include_at + rt + nb, e->buf + include_end, e->len - include_end + 1);
    free(e->buf);
    return out;
}
