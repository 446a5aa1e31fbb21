/* Expressions to C: typed operands converted to their common type, integer
 * arithmetic through stdlib helpers with defined overflow and division by zero,
 * strings through rgp_str_eq/rgp_str_cmp. Pure C text, no statements. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "builtins.h"
#include "../stdlib/rgp_time.h"
#include "emit_internal.h"

/* Deep expressions are cut into temporaries: libtcc's value stack holds 256 entries, and
 * each level of nesting in the C can take a few. A part that sits EXPR_CHUNK_LEVELS below
 * the top of its piece becomes `T rgp_eN = ...;`, and the whole is one GNU statement
 * expression, `({ T rgp_e1 = ...; ...; rest })`, so it still fits wherever a value does.
 * Expressions are pure (no side effects, no traps), so computing a part of an `and`, `or`
 * or `if` that would have been skipped changes no result. Shallow ones are left as they are. */
#define EXPR_CHUNK_LEVELS 24
typedef struct chunks { sbuf stmts; int ntemps; } chunks;   /* the temporaries made so far */

static void piece_c(chunks *c, sbuf *b, const ast_expr *x, const char *rec, int level);
static void operand_c(chunks *c, sbuf *b, const ast_expr *x, type_id t, const char *rec, int level);

void sb(sbuf *b, const char *fmt, ...)
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
const char *helper_suffix(type_id t)
{
    switch (t) {
    case T_I32: return "i32";
    case T_U32: return "u32";
    case T_U64: return "u64";
    case T_F64: return "f64";
    default: return "i64";   /* i64 and time */
    }
}

const char *ctype(type_id t) { return scalar_types[t].ctype; }

/* A C string literal for arbitrary bytes: octal escapes, since hex escapes run on. */
void c_string(sbuf *b, const char *s, size_t n)
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


/* An operand converted to type t when its own type differs. */
static void operand_c(chunks *c, sbuf *b, const ast_expr *x, type_id t, const char *rec, int level)
{
    if (x->type == t || (t == T_I64 && x->type == T_TIME)) { piece_c(c, b, x, rec, level); return; }
    sb(b, "(%s)", ctype(t));
    piece_c(c, b, x, rec, level);
}

static void int_literal_c(sbuf *b, unsigned long long mag, bool neg, type_id t)
{
    if (t == T_F64) { sb(b, "%s%llu.0", neg ? "-" : "", mag); return; }
    bool is64 = scalar_types[t].bits == 64;
    if (neg && mag == (is64 ? 0x8000000000000000ull : 0x80000000ull)) { sb(b, is64 ? "INT64_MIN" : "INT32_MIN"); return; }
    if (!scalar_types[t].is_signed) sb(b, is64 ? "UINT64_C(%llu)" : "%lluu", mag);
    else sb(b, is64 ? "%sINT64_C(%llu)" : "%s%llu", neg ? "-" : "", mag);
}

static void binary_c(chunks *c, sbuf *b, const ast_expr *x, const char *rec, int level)
{
    const ast_expr *l = x->u.bin.lhs, *r = x->u.bin.rhs;
    binop op = x->u.bin.op;
    type_id t = x->optype;
    const binop_info *info = &binops[op];
    if (info->family == OPF_LOGIC || (info->family != OPF_ARITH && (t == T_BOOL || t == T_TIME || t == T_F64 || type_is_int(t)))) {
        sb(b, "(");
        operand_c(c, b, l, t == T_TIME ? T_I64 : t, rec, level + 1);
        sb(b, " %s ", info->c);
        operand_c(c, b, r, t == T_TIME ? T_I64 : t, rec, level + 1);
        sb(b, ")");
        return;
    }
    if (t == T_STR && op == BIN_ADD) {
        sb(b, "rgp_str_concat(&scratch, ");
        piece_c(c, b, l, rec, level + 1);
        sb(b, ", ");
        piece_c(c, b, r, rec, level + 1);
        sb(b, ")");
        return;
    }
    if (t == T_STR) {
        if (op == BIN_EQ || op == BIN_NE) sb(b, "(%srgp_str_eq(", op == BIN_NE ? "!" : "");
        else sb(b, "(rgp_str_cmp(");
        piece_c(c, b, l, rec, level + 1);
        sb(b, ", ");
        piece_c(c, b, r, rec, level + 1);
        if (op == BIN_EQ || op == BIN_NE) sb(b, "))");
        else sb(b, ") %s 0)", info->c);
        return;
    }
    /* time ± integer and time - time are held at the ends of the range, not wrapped */
    if (l->type == T_TIME || r->type == T_TIME) {
        sb(b, "%s(", l->type == T_TIME && r->type == T_TIME ? "rgp_time_diff" : op == BIN_ADD ? "rgp_time_plus" : "rgp_time_minus");
        operand_c(c, b, l->type == T_TIME ? l : r, T_I64, rec, level + 1);
        sb(b, ", ");
        operand_c(c, b, l->type == T_TIME ? r : l, T_I64, rec, level + 1);
        sb(b, ")");
        return;
    }
    /* arithmetic: floats are plain C; integers go through helpers with defined
     * wrap-around and division by zero (see docs/language.md) */
    if (t == T_F64) {
        sb(b, "(");
        operand_c(c, b, l, t, rec, level + 1);
        sb(b, " %s ", info->c);
        operand_c(c, b, r, t, rec, level + 1);
        sb(b, ")");
        return;
    }
    static const char *names[] = {[BIN_ADD] = "add", [BIN_SUB] = "sub", [BIN_MUL] = "mul", [BIN_DIV] = "div", [BIN_MOD] = "mod"};
    bool is_unsigned = type_is_int(t) && !scalar_types[t].is_signed;
    if (is_unsigned && op != BIN_DIV && op != BIN_MOD) {
        /* unsigned arithmetic is already modular in C; the cast keeps u32 at 32 bits */
        sb(b, "(%s)(", ctype(t));
        operand_c(c, b, l, t, rec, level + 1);
        sb(b, " %s ", info->c);
        operand_c(c, b, r, t, rec, level + 1);
        sb(b, ")");
        return;
    }
    sb(b, "rgp_%s_%s(", names[op], helper_suffix(t));
    operand_c(c, b, l, t, rec, level + 1);
    sb(b, ", ");
    operand_c(c, b, r, t, rec, level + 1);
    sb(b, ")");
}

/* parse_time and format_time: the FORMAT literal goes to rgp_time.h's interpreter
 * as is (sema checked it); format_time's offset literal becomes its minutes. */
static void time_text_c(chunks *c, sbuf *b, const ast_expr *x, const char *rec, int level)
{
    const ast_arg *g = x->u.call.args;
    bool parse = x->u.call.builtin == B_parse_time;
    int n = x->u.call.nargs;
    bool strict = parse && (n == 1 || (n == 2 && g->next->value->type == T_STR));   /* no fallback: a fault rejects the record */
    const ast_expr *fmt = n == 3 || !parse || (strict && n == 2) ? g->next->value : NULL;
    if (strict) {
        sb(b, "rgp_time_parse_strict(");
        piece_c(c, b, g->value, rec, level + 1);
        sb(b, ", ");
        if (fmt) piece_c(c, b, fmt, rec, level + 1);
        else sb(b, "((rgp_str){\"\", 0})");   /* no format: ISO 8601 */
        sb(b, ", -1, &fault)");   /* the fault of the where or select around it (emit_ops.c) */
        return;
    }
    sb(b, parse ? "rgp_time_parse_or(" : "rgp_time_format(&scratch, ");
    piece_c(c, b, g->value, rec, level + 1);
    sb(b, ", ");
    if (fmt) piece_c(c, b, fmt, rec, level + 1);
    else sb(b, "((rgp_str){\"\", 0})");   /* no format: ISO 8601 */
    if (parse) {
        sb(b, ", -1, ");   /* the current year where the format has none */
        operand_c(c, b, g->next->next && fmt ? g->next->next->value : g->next->value, T_I64, rec, level + 1);
    } else {
        const ast_expr *off = x->u.call.nargs == 3 ? g->next->next->value : NULL;
        sb(b, ", %d", off ? rgp_time_offset_of(off->u.s.bytes, off->u.s.len) : 0);
    }
    sb(b, ")");
}

/* matches, capture and replace: the pattern is the program's static re_N (sema
 * numbered it), the match data the thread's re_thread; the text they make, replace's, goes to the scratch. */
static void regex_c(chunks *c, sbuf *b, const ast_expr *x, const char *rec, int level)
{
    const ast_arg *g = x->u.call.args;
    int id = x->u.call.builtin;
    sb(b, "%s(&re_%d, &re_thread, %s", builtins[id].helper, x->u.call.regex, id == B_replace ? "&scratch, " : "");
    piece_c(c, b, g->value, rec, level + 1);
    if (id == B_capture) sb(b, ", %llu", g->next->next->value->u.i.value);
    if (id == B_replace) {
        sb(b, ", ");
        piece_c(c, b, g->next->next->value, rec, level + 1);
    }
    sb(b, ")");
}

/* Calls of builtins.h's functions. Casts: floats go through saturating helpers
 * (NaN gives 0), integers and bools through a C cast (which wraps). */
/* MAP[KEY] and the map functions; a str read out of a map goes to the scratch (omap.h). */
static void map_call_c(chunks *c, sbuf *b, const ast_expr *x, const char *rec, int level)
{
    const state_map *m = x->u.call.map;
    const ast_expr *arg = x->u.call.args->next ? x->u.call.args->next->value : NULL;
    bool str_out = (x->u.call.mapfn == MF_GET ? m->value : m->key) == T_STR && x->u.call.mapfn != MF_HAS && x->u.call.mapfn != MF_LEN;
    if (x->u.call.in_place) {   /* MAP[KEY] op= V reads the node it stores to (emit_map.c) */
        sb(b, "(*mslot)");
        return;
    }
    if (str_out) sb(b, "rgp_omap_str_out(&scratch, ");
    switch ((map_fn)x->u.call.mapfn) {
    case MF_GET: sb(b, "rgp_omap_get_%s(&s->%s, ", m->cname, m->name); break;
    case MF_HAS: sb(b, "(rgp_omap_find_%s(&s->%s, ", m->cname, m->name); break;
    case MF_LEN: sb(b, "((int64_t)s->%s.len)", m->name); break;
    case MF_MIN_KEY: sb(b, "rgp_omap_key_at_%s(&s->%s, 0)", m->cname, m->name); break;
    case MF_MAX_KEY: sb(b, "rgp_omap_key_at_%s(&s->%s, (uint64_t)s->%s.len - 1)", m->cname, m->name, m->name); break;
    case MF_NTH_KEY: sb(b, "rgp_omap_key_at_%s(&s->%s, (uint64_t)", m->cname, m->name); break;   /* a negative rank: past the end */
    default: break;   /* delete is a statement (emit_map.c) */
    }
    if (arg) {
        piece_c(c, b, arg, rec, level + 1);
        sb(b, x->u.call.mapfn == MF_HAS ? ") != NULL)" : ")");
    }
    if (str_out) sb(b, ")");
}

static void call_c(chunks *c, sbuf *b, const ast_expr *x, const char *rec, int level)
{
    if (x->u.call.mapfn) { map_call_c(c, b, x, rec, level); return; }
    const builtin_info *bi = &builtins[x->u.call.builtin];
    const ast_expr *arg = x->u.call.args->value;
    if (bi->args == BA_TIMETEXT) { time_text_c(c, b, x, rec, level); return; }
    if (bi->args == BA_REGEX) { regex_c(c, b, x, rec, level); return; }
    if (bi->args == BA_ENV) { sb(b, "env_%d", x->u.call.env); return; }   /* read at start-up (emit_env.c) */
    switch (bi->result) {
    case BR_COMMON:
        sb(b, "%s_%s(", bi->helper, helper_suffix(x->optype));
        break;
    case BR_F64: case BR_I64: case BR_BOOL:   /* parse_i64(s, fallback, BASE) has a helper of its own */
        sb(b, "%s%s(", bi->helper, x->u.call.builtin == B_parse_i64 && x->u.call.nargs == 3 ? "_base" : "");
        break;
    case BR_STR:   /* new text lives in the thread's scratch until the record is done */
        sb(b, "%s(&scratch, ", bi->helper);
        break;
    case BR_TIME: {
        const ast_expr *unit = x->u.call.args->next->value;
        sb(b, "%s(", bi->helper);
        piece_c(c, b, arg, rec, level + 1);
        sb(b, ", INT64_C(%lld))", time_unit_ms(unit->u.s.bytes, unit->u.s.len));
        return;
    }
    case BR_TEXT: {
        type_id t = x->optype;
        if (t == T_STR) {
            piece_c(c, b, arg, rec, level + 1);
            return;
        }
        sb(b, "%s_%s(&scratch, ", bi->helper, t == T_BOOL ? "bool" : t == T_F64 ? "f64"
                                  : type_is_int(t) && !scalar_types[t].is_signed ? "u64" : "i64");
        piece_c(c, b, arg, rec, level + 1);
        sb(b, ")");
        return;
    }
    case BR_U64: {
        type_id t = x->optype;
        sb(b, "rgp_hash_%s(", t == T_STR ? "str" : t == T_BOOL ? "bool" : t == T_F64 ? "f64"
                              : type_is_int(t) && !scalar_types[t].is_signed ? "u64" : "i64");
        piece_c(c, b, arg, rec, level + 1);
        sb(b, ")");
        return;
    }
    case BR_CAST:
        if (x->optype == x->type || (x->type == T_TIME && x->optype == T_I64) || (x->type == T_I64 && x->optype == T_TIME)) {
            piece_c(c, b, arg, rec, level + 1);
        } else if (x->optype == T_F64 && x->type != T_F64) {
            sb(b, "%s(", bi->helper);
            piece_c(c, b, arg, rec, level + 1);
            sb(b, ")");
        } else {
            sb(b, "((%s)", ctype(x->type));
            piece_c(c, b, arg, rec, level + 1);
            sb(b, ")");
        }
        return;
    }
    for (ast_arg *g = x->u.call.args; g; g = g->next) {
        type_id want = g->value->type;
        if (bi->result == BR_COMMON) want = x->optype;
        else if (bi->args == BA_PARSE) want = g == x->u.call.args ? T_STR : bi->result == BR_F64 ? T_F64 : T_I64;
        else if (bi->result == BR_F64 || (bi->args == BA_FIXED && g == x->u.call.args)) want = T_F64;
        else if ((bi->args == BA_SUBSTR || bi->args == BA_PART) && g->value->type != T_STR) want = T_I64;
        operand_c(c, b, g->value, want, rec, level + 1);
        if (g->next) sb(b, ", ");
    }
    sb(b, ")");
}

/* A temporary for x, made before the piece that reads it; its name is rgp_eN. */
static int hoist(chunks *c, const ast_expr *x, const char *rec)
{
    sbuf text = {0};
    piece_c(c, &text, x, rec, 0);
    c->ntemps++;
    sb(&c->stmts, "%s rgp_e%d = %s; ", ctype(x->type), c->ntemps, text.s);
    free(text.s);
    return c->ntemps;
}

/* x's C text, level steps below the top of the piece being written (c NULL: no cutting). */
static void piece_c(chunks *c, sbuf *b, const ast_expr *x, const char *rec, int level)
{
    if (c && level >= EXPR_CHUNK_LEVELS && x->depth > 0) {
        sb(b, "rgp_e%d", hoist(c, x, rec));
        return;
    }
    switch (x->kind) {
    case E_INT: int_literal_c(b, x->u.i.value, false, x->type); break;
    case E_FLOAT: sb(b, "%s", x->text); break;
    case E_STR:
        sb(b, "((rgp_str){");
        c_string(b, x->u.s.bytes, x->u.s.len);
        sb(b, ", %zu})", x->u.s.len);
        break;
    case E_BOOL: sb(b, x->u.b ? "true" : "false"); break;
    case E_NAME:
        /* a record field, a keyed block's state (s points at it) or one of its lets;
         * in a delta block, prev.FIELD and has_prev (d points at the key's entry) */
        if (x->u.name.scope == SCOPE_STATE) sb(b, "s->%s", x->text);
        else if (x->u.name.scope == SCOPE_PREV) sb(b, "d->prev.%s", x->text);
        else if (x->u.name.scope == SCOPE_HAS_PREV) sb(b, "d->has_prev");
        else if (x->u.name.scope == SCOPE_LOCAL) sb(b, "l%d_%s", x->u.name.field, x->text);
        else sb(b, "%s->%s", rec, x->text);
        break;
    case E_UNARY: {
        const ast_expr *o = x->u.un.operand;
        if (x->u.un.op == UN_NOT) { sb(b, "(!"); piece_c(c, b, o, rec, level + 1); sb(b, ")"); break; }
        if (o->kind == E_INT) { sb(b, "("); int_literal_c(b, o->u.i.value, true, x->type); sb(b, ")"); break; }
        if (x->type == T_F64) { sb(b, "(-"); piece_c(c, b, o, rec, level + 1); sb(b, ")"); break; }
        sb(b, "rgp_neg_%s(", helper_suffix(x->type));
        piece_c(c, b, o, rec, level + 1);
        sb(b, ")");
        break;
    }
    case E_BINARY: binary_c(c, b, x, rec, level); break;
    case E_CALL: call_c(c, b, x, rec, level); break;
    case E_IF:
        sb(b, "(");
        piece_c(c, b, x->u.cond.cond, rec, level + 1);
        sb(b, " ? ");
        operand_c(c, b, x->u.cond.then, x->optype, rec, level + 1);
        sb(b, " : ");
        operand_c(c, b, x->u.cond.otherwise, x->optype, rec, level + 1);
        sb(b, ")");
        break;
    }
}

void expr_c(sbuf *b, const ast_expr *x, const char *rec)
{
    if (x->depth < EXPR_CHUNK_LEVELS) { piece_c(NULL, b, x, rec, 0); return; }
    chunks c = {{0}, 0};
    sbuf rest = {0};
    piece_c(&c, &rest, x, rec, 0);
    sb(b, "({ %s%s; })", c.stmts.s, rest.s);
    free(c.stmts.s);
    free(rest.s);
}

/* Emits a C expression for x as one line: `prefix EXPR suffix`, mapped to x's line. */
void emit_user_expr(emitter *e, const ast_expr *x, const char *rec, const char *prefix, const char *suffix)
{
    sbuf b = {0};
    expr_c(&b, x, rec);
    line_to_rgp(e, x->loc);
    emit(e, "%s%s%s", prefix, b.s, suffix);
    free(b.s);
}

