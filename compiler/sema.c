/* Semantic analysis: names, types and the pipeline graph. Keeps going after a
 * type error so one run reports them all; T_ERROR silences follow-on errors. */
#include "sema.h"
#include "pipeline_test.h"
#include "builtins.h"
#include "regex.h"
#include "../stdlib/rgp_time.h"
#include "../stdlib/rgp_fixed.h"
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* What names mean inside a keyed block, besides the record's fields. */
/* A `for` over a map, while its body is checked: the map cannot change there. */
typedef struct map_loop { const state_map *map; srcloc loc; struct map_loop *up; } map_loop;

typedef struct block_scope {
    const rectype *state;     /* the state variables */
    map_loop *loops;          /* the fors the statement being checked is in, innermost first */
    const rectype *prev;      /* a delta block: the previous record's type, else NULL */
    bool *state_read;         /* per state variable: read somewhere (for the unused warning) */
    const ast_expr *target;   /* the variable being assigned: its mentions there are not reads */
    ast_op *op;               /* its locals, all of them, in op->locals */
    int *visible;             /* indexes into op->locals that are in scope now */
    int nvisible, capvisible;
} block_scope;

/* Names to what they name, so that looking one up does not scan every declaration:
 * open addressing, kept at most half full. The first name put in stays. */
typedef struct name_map { const char **keys; void **vals; size_t cap, n; } name_map;

typedef struct sema {
    arena *a;
    diag *d;
    program *p;
    const char *base_dir;
    ast_decl *decls;
    block_scope *scope;       /* inside a keyed block, else NULL */
    node **pending;           /* streams the declaration being checked makes (late */
    int npending;             /* streams, route branches), added to the program after it */
    name_map schema_decls;    /* the first declaration of each name: schemas, */
    name_map other_decls;     /* and sources, stages, sinks and routes */
    name_map streams;         /* the sources and stages checked so far */
    name_map tables;          /* the lookup tables checked so far */
    bool faults_ok;           /* checking a where or select: parse_time without a fallback may reject the record */
    int faults;               /* such calls met since faults_ok was set */
} sema;

static size_t name_hash(const char *s)
{
    size_t h = 14695981039346656037u;   /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static size_t map_slot(const name_map *m, const char *key)
{
    size_t i = name_hash(key) & (m->cap - 1);
    while (m->keys[i] && strcmp(m->keys[i], key)) i = (i + 1) & (m->cap - 1);
    return i;
}

static void *map_get(const name_map *m, const char *key)
{
    return m->cap ? m->vals[map_slot(m, key)] : NULL;
}

static void map_put(arena *a, name_map *m, const char *key, void *val)
{
    if (2 * (m->n + 1) > m->cap) {
        name_map grown = {.cap = m->cap ? 2 * m->cap : 64};
        grown.keys = arena_alloc(a, sizeof *grown.keys * grown.cap);
        grown.vals = arena_alloc(a, sizeof *grown.vals * grown.cap);
        for (size_t i = 0; i < m->cap; i++) if (m->keys[i]) map_put(a, &grown, m->keys[i], m->vals[i]);
        *m = grown;
    }
    size_t i = map_slot(m, key);
    if (m->keys[i]) return;
    m->keys[i] = key;
    m->vals[i] = val;
    m->n++;
}

/* Appends to an arena array whose capacity is n rounded up to a power of two:
 * it doubles when n reaches one, so n pushes copy fewer than 2n elements. */
#define PUSH(a, arr, n, item) do { \
        if (((n) & ((n) - 1)) == 0) { \
            void *grown_ = arena_alloc((a), sizeof(*(arr)) * (size_t)((n) ? 2 * (n) : 1)); \
            if (n) memcpy(grown_, (arr), sizeof(*(arr)) * (size_t)(n)); \
            (arr) = grown_; \
        } \
        (arr)[(n)++] = (item); } while (0)

const char *decl_word(decl_kind k)
{
    return k == D_SCHEMA ? "schema" : k == D_SOURCE ? "source" : k == D_STAGE ? "stage" : k == D_SINK ? "sink"
         : k == D_ROUTE ? "route" : k == D_TABLE ? "table" : k == D_TEST ? "test" : "options";
}

const char *node_word(const node *n)
{
    return n->kind == D_SOURCE ? "source" : n->kind == D_SINK ? "sink" : n->kind == D_TABLE ? "table" : n->is_route ? "route"
         : n->owner ? (n->owner->is_route ? "branch" : "late stream") : "stage";
}

/* ---- did you mean ---------------------------------------------------------------- */

static int edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64) return 99;
    int row[65];
    for (size_t j = 0; j <= lb; j++) row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int diag_prev = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j], best = diag_prev + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            diag_prev = up;
            row[j] = best;
        }
    }
    return row[lb];
}

/* Keeps the closest candidate within a distance that still looks like a typo. */
typedef struct suggest { const char *best; int dist; const char *word; } suggest;
static void suggest_try(suggest *s, const char *cand)
{
    int d = edit_distance(s->word, cand), limit = strlen(s->word) < 4 ? 1 : 2;
    if (d <= limit && (!s->best || d < s->dist)) { s->best = cand; s->dist = d; }
}
static const char *hint(sema *S, const suggest *s)
{
    return s->best ? arena_printf(S->a, " (did you mean '%s'?)", s->best) : "";
}

/* ---- integer literals ------------------------------------------------------------ */

/* The value of an expression of type T_INTLIT: a literal, or minus a literal. */
static void intlit_value(const ast_expr *e, bool *neg, unsigned long long *mag)
{
    *neg = false;
    while (e->kind == E_UNARY) { *neg = !*neg; e = e->u.un.operand; }
    *mag = e->u.i.value;
    if (*mag == 0) *neg = false;
}

static bool intlit_fits(const ast_expr *e, type_id t)
{
    bool neg;
    unsigned long long mag;
    intlit_value(e, &neg, &mag);
    if (t == T_F64) return true;
    const scalar_info *s = &scalar_types[t];
    if (!s->is_signed) return !neg && (s->bits == 64 || mag <= 0xffffffffull);
    unsigned long long max = s->bits == 64 ? 0x7fffffffffffffffull : 0x7fffffffull;
    return neg ? mag <= max + 1 : mag <= max;
}

/* Gives an integer-literal expression the type its context asks for. */
static void settle(sema *S, ast_expr *e, type_id t)
{
    if (e->type != T_INTLIT || t == T_ERROR) return;
    if (t == T_INTLIT) t = T_I64;
    if (!intlit_fits(e, t)) {
        diag_error(S->d, e->loc, "integer literal out of range for %s", type_name(t));
        t = T_ERROR;
    }
    for (ast_expr *x = e; ; x = x->u.un.operand) {
        x->type = t;
        if (x->kind != E_UNARY) break;
    }
}

/* ---- expressions ----------------------------------------------------------------- */

/* The integer type that holds every value of both, or T_ERROR when none does. */
static type_id common_int(type_id a, type_id b)
{
    if (a == b) return a;
    const scalar_info *x = &scalar_types[a], *y = &scalar_types[b];
    if (x->is_signed == y->is_signed) return x->bits >= y->bits ? a : b;
    const scalar_info *s = x->is_signed ? x : y, *u = x->is_signed ? y : x;
    if (s->bits > u->bits) return x->is_signed ? a : b;
    return u->bits < 64 ? T_I64 : T_ERROR;
}

/* The type two numbers meet in: for arithmetic, comparison, min/max and the
 * branches of an if. `what` names the operation in the error when no integer
 * type holds both; NULL leaves that error to the caller. */
static type_id common_numeric(sema *S, ast_expr *l, ast_expr *r, srcloc at, const char *what)
{
    type_id a = l->type, b = r->type;
    if (a == T_INTLIT && b == T_INTLIT) { settle(S, l, T_I64); settle(S, r, T_I64); return l->type == T_ERROR || r->type == T_ERROR ? T_ERROR : T_I64; }
    if (a == T_INTLIT) { settle(S, l, b); return l->type == T_ERROR ? T_ERROR : b; }
    if (b == T_INTLIT) { settle(S, r, a); return r->type == T_ERROR ? T_ERROR : a; }
    if (a == T_F64 || b == T_F64) return T_F64;
    type_id c = common_int(a, b);
    if (c == T_ERROR && what)
        diag_error(S->d, at, "no integer type holds both %s and %s for '%s'", type_name(a), type_name(b), what);
    return c;
}

static type_id check_expr(sema *S, ast_expr *e, const rectype *rec);

static const char *fields_list(sema *S, const rectype *rec)
{
    size_t n = 0;
    for (int i = 0; i < rec->nfields; i++) n += strlen(rec->fields[i].name) + 2;
    char *out = arena_alloc(S->a, n + 1), *p = out;
    for (int i = 0; i < rec->nfields; i++) p += sprintf(p, "%s%s", i ? ", " : "", rec->fields[i].name);
    return out;
}

static bool check_table_field(sema *S, ast_expr *e, const rectype *rec, type_id *t);

/* The map state variable called name, or NULL. */
static const state_map *state_map_find(const rectype *state, const char *name)
{
    for (int i = 0; state && i < state->nmaps; i++)
        if (!strcmp(state->maps[i].name, name)) return &state->maps[i];
    return NULL;
}

static type_id check_map_call(sema *S, ast_expr *e, const rectype *rec, bool statement);

static type_id check_name(sema *S, ast_expr *e, const rectype *rec)
{
    block_scope *sc = S->scope;
    type_id joined;
    /* prev.FIELD, prev.OBJECT.FIELD: in a delta block, prev is the key's previous record */
    bool of_prev = e->qual && sc && sc->prev && (!strcmp(e->qual, "prev") || !strncmp(e->qual, "prev.", 5));
    if (e->qual && !of_prev && check_table_field(S, e, rec, &joined)) return joined;
    if (e->qual) {
        if (!of_prev && (!strcmp(e->qual, "prev") || !strncmp(e->qual, "prev.", 5))) {
            diag_error(S->d, e->loc, "'%s.%s': only prev.FIELD, in a delta block, reads a field through a dot", e->qual, e->text);
            return T_ERROR;
        }
        if (!of_prev) {
            diag_error(S->d, e->loc, "'%s.%s': no field of record %s; a dot reads a field of an object (OBJECT.FIELD), "
                       "of a joined table (TABLE.FIELD) or, in a delta block, of prev", e->qual, e->text, rec->name);
            return T_ERROR;
        }
        if (e->qual[4]) e->text = arena_printf(S->a, "%s.%s", e->qual + 5, e->text), e->qual = "prev";
        int i = rectype_find(sc->prev, e->text);
        if (i >= 0) { e->u.name.scope = SCOPE_PREV; e->u.name.field = i; return sc->prev->fields[i].type; }
        suggest s = {.word = e->text};
        for (int k = 0; k < sc->prev->nfields; k++) suggest_try(&s, sc->prev->fields[k].name);
        diag_error(S->d, e->loc, "unknown field '%s' in prev, a record %s%s; its fields are: %s", e->text, sc->prev->name,
                   hint(S, &s), fields_list(S, sc->prev));
        return T_ERROR;
    }
    for (int v = sc ? sc->nvisible - 1 : -1; v >= 0; v--) {
        int li = sc->visible[v];
        if (!strcmp(sc->op->locals[li], e->text)) {
            e->u.name.scope = SCOPE_LOCAL;
            e->u.name.field = li;
            return sc->op->local_types[li];
        }
    }
    if (sc && state_map_find(sc->state, e->text)) {
        diag_error(S->d, e->loc, "'%s' is a map, not one value: read a key's value as %s[KEY], or use len(%s), has(%s, KEY), "
                   "min_key(%s), max_key(%s) or nth_key(%s, K)", e->text, e->text, e->text, e->text, e->text, e->text, e->text);
        return T_ERROR;
    }
    int i = sc ? rectype_find(sc->state, e->text) : -1;
    if (i >= 0) {
        e->u.name.scope = SCOPE_STATE;
        e->u.name.field = i;
        if (!sc->target || strcmp(e->text, sc->target->text)) sc->state_read[i] = true;   /* `x = x + 1` reads nothing */
        return sc->state->fields[i].type;
    }
    i = rectype_find(rec, e->text);
    if (i >= 0) { e->u.name.scope = SCOPE_FIELD; e->u.name.field = i; return rec->fields[i].type; }
    if (sc && sc->prev && !strcmp(e->text, "has_prev")) { e->u.name.scope = SCOPE_HAS_PREV; return T_BOOL; }
    if (sc && sc->prev && !strcmp(e->text, "prev")) {
        diag_error(S->d, e->loc, "'prev' is the key's previous record: read its fields, as in prev.%s", rec->nfields ? rec->fields[0].name : "FIELD");
        return T_ERROR;
    }
    suggest s = {.word = e->text};
    for (int k = 0; k < rec->nfields; k++) suggest_try(&s, rec->fields[k].name);
    for (int k = 0; sc && k < sc->state->nfields; k++) suggest_try(&s, sc->state->fields[k].name);
    for (int v = 0; sc && v < sc->nvisible; v++) suggest_try(&s, sc->op->locals[sc->visible[v]]);
    diag_error(S->d, e->loc, "unknown field '%s' in record %s%s; its fields are: %s", e->text, rec->name,
               hint(S, &s), fields_list(S, rec));
    return T_ERROR;
}

static type_id check_unary(sema *S, ast_expr *e, const rectype *rec)
{
    ast_expr *x = e->u.un.operand;
    type_id t = check_expr(S, x, rec);
    if (t == T_ERROR) return T_ERROR;
    if (e->u.un.op == UN_NOT) {
        if (t == T_BOOL) return T_BOOL;
        diag_error(S->d, e->loc, "'not' needs a bool, found %s", type_name(t));
        return T_ERROR;
    }
    if (t == T_INTLIT || t == T_F64 || (type_is_int(t) && scalar_types[t].is_signed)) return t;
    diag_error(S->d, e->loc, "cannot negate a value of type %s", type_name(t));
    return T_ERROR;
}

static type_id check_binary(sema *S, ast_expr *e, const rectype *rec)
{
    ast_expr *l = e->u.bin.lhs, *r = e->u.bin.rhs;
    type_id a = check_expr(S, l, rec), b = check_expr(S, r, rec);
    if (a == T_ERROR || b == T_ERROR) return T_ERROR;
    const binop_info *op = &binops[e->u.bin.op];
    switch (op->family) {
    case OPF_LOGIC:
        if (a == T_BOOL && b == T_BOOL) return e->optype = T_BOOL;
        diag_error(S->d, e->loc, "'%s' needs bool operands, found %s and %s", op->text, type_name(a), type_name(b));
        return T_ERROR;
    case OPF_EQUALITY:
        if (a == T_BOOL && b == T_BOOL) return e->optype = T_BOOL;
        /* fall through */
    case OPF_ORDER:
        if (a == T_STR && b == T_STR) return (e->optype = T_STR), T_BOOL;
        if (a == T_TIME || b == T_TIME) {
            if (a == T_INTLIT) settle(S, l, T_TIME), a = l->type;
            if (b == T_INTLIT) settle(S, r, T_TIME), b = r->type;
            if (a == T_TIME && b == T_TIME) return (e->optype = T_TIME), T_BOOL;
            if (a == T_ERROR || b == T_ERROR) return T_ERROR;
        } else if (type_is_numeric(a) && type_is_numeric(b)) {
            e->optype = common_numeric(S, l, r, e->loc, binops[e->u.bin.op].text);
            return e->optype == T_ERROR ? T_ERROR : T_BOOL;
        }
        diag_error(S->d, e->loc, "cannot compare %s with %s", type_name(a), type_name(b));
        return T_ERROR;
    case OPF_ARITH:
        if (a == T_TIME || b == T_TIME) {
            /* time ± integer → time; time - time → i64 milliseconds */
            e->optype = T_I64;
            if (a == T_TIME && b == T_TIME && e->u.bin.op == BIN_SUB) return T_I64;
            bool plus = e->u.bin.op == BIN_ADD, minus = e->u.bin.op == BIN_SUB;
            ast_expr *other = a == T_TIME ? r : l;
            type_id ot = a == T_TIME ? b : a;
            if ((plus || (minus && a == T_TIME)) && (type_is_int(ot) || ot == T_INTLIT)) {
                settle(S, other, T_I64);
                if (other->type != T_ERROR && common_int(other->type, T_I64) == T_I64) return T_TIME;
            }
            diag_error(S->d, e->loc, "cannot apply '%s' to %s and %s (time takes + and - with integer milliseconds)",
                       op->text, type_name(a), type_name(b));
            return T_ERROR;
        }
        if (a == T_STR && b == T_STR && e->u.bin.op == BIN_ADD) return e->optype = T_STR;   /* concatenation */
        if (type_is_numeric(a) && type_is_numeric(b)) {
            type_id c = e->optype = common_numeric(S, l, r, e->loc, binops[e->u.bin.op].text);
            if (c == T_F64 && e->u.bin.op == BIN_MOD) {
                diag_error(S->d, e->loc, "'%%' needs integer operands, found %s and %s", type_name(a), type_name(b));
                return T_ERROR;
            }
            return c;
        }
        diag_error(S->d, e->loc, "cannot apply '%s' to %s and %s", op->text, type_name(a), type_name(b));
        return T_ERROR;
    }
    return T_ERROR;
}

/* A FORMAT literal of parse_time/format_time, checked with the runtime's own
 * rgp_time_format_check: a bad directive is an error at its column. */
static bool check_time_format(sema *S, const ast_expr *f, const char *fn)
{
    if (f->kind != E_STR) {
        diag_error(S->d, f->loc, "'%s' needs a FORMAT string literal, such as \"%%Y-%%m-%%d %%H:%%M:%%S\"", fn);
        return false;
    }
    long bad = rgp_time_format_check(f->u.s.bytes, f->u.s.len);
    if (bad < 0) return true;
    srcloc at = f->loc;
    at.col += (uint32_t)bad + 1, at.len = (size_t)bad + 1 < f->u.s.len ? 2 : 1;   /* past the opening quote */
    if ((size_t)bad + 1 < f->u.s.len)
        diag_error(S->d, at, "unknown time directive '%%%c' (known: %%Y %%y %%m %%d %%e %%j %%H %%M %%S %%f %%z %%b %%s %%T %%F %%%% %%:z)",
                   f->u.s.bytes[bad + 1]);
    else
        diag_error(S->d, at, "'%%' at the end of a time format (write %%%% for a percent sign)");
    return false;
}

/* parse_time(s, fallback), parse_time(s, "FORMAT", fallback): text to time, the
 * fallback when it does not match; format_time(t, "FORMAT"[, "+02:00"]): time to text. */
static type_id check_time_text(sema *S, ast_expr *e, const rectype *rec, int id)
{
    int n = e->u.call.nargs;
    bool parse = id == B_parse_time;
    ast_expr *a[3] = {0};
    type_id t[3] = {T_ERROR, T_ERROR, T_ERROR};
    int i = 0;
    for (ast_arg *g = e->u.call.args; g && i < 3; g = g->next, i++) {
        if (g->name) {
            diag_error(S->d, g->name_loc, "'%s' takes no named arguments", e->text);
            return T_ERROR;
        }
        a[i] = g->value;
    }
    if (parse ? n < 1 || n > 3 : n < 2 || n > 3) {
        diag_error(S->d, e->loc, parse ? "'parse_time' takes (text, fallback) or (text, \"FORMAT\", fallback), found %d argument%s"
                                       : "'format_time' takes (time, \"FORMAT\") or (time, \"FORMAT\", \"+HH:MM\"), found %d argument%s",
                   n, n == 1 ? "" : "s");
        return T_ERROR;
    }
    for (i = 0; i < n; i++) if ((t[i] = check_expr(S, a[i], rec)) == T_ERROR) return T_ERROR;
    if (parse) {
        if (t[0] != T_STR) {
            diag_error(S->d, a[0]->loc, "'parse_time' needs a str to read, found %s", type_name(t[0]));
            return T_ERROR;
        }
        ast_expr *fallback = a[n - 1];
        bool strict = n == 1 || (n == 2 && t[1] == T_STR);   /* parse_time(s), parse_time(s, "FORMAT"): no fallback */
        if (!strict && t[n - 1] != T_TIME) {
            diag_error(S->d, fallback->loc, "'parse_time' takes a fallback time last, for text that does not match, such as time(0), found %s",
                       type_name(t[n - 1]));
            return T_ERROR;
        }
        if (n == 3 && t[1] != T_STR) {
            diag_error(S->d, a[1]->loc, "'parse_time' takes (text, \"FORMAT\", fallback): the FORMAT is a string literal, found %s", type_name(t[1]));
            return T_ERROR;
        }
        if (n >= 2 && t[1] == T_STR && !check_time_format(S, a[1], e->text)) return T_ERROR;
        if (strict && !S->faults_ok) {
            diag_error(S->d, e->loc, "'parse_time' without a fallback rejects the record when the text does not match, which only a "
                       "where or a select can do; here give a fallback, such as parse_time(s, %stime(0))", n == 2 ? "\"FORMAT\", " : "");
            return T_ERROR;
        }
        S->faults += strict;
        return e->optype = T_TIME;
    }
    if (t[0] != T_TIME) {
        diag_error(S->d, a[0]->loc, "'format_time' needs a time, found %s", type_name(t[0]));
        return T_ERROR;
    }
    if (!check_time_format(S, a[1], e->text)) return T_ERROR;
    if (n == 3 && (a[2]->kind != E_STR || rgp_time_offset_of(a[2]->u.s.bytes, a[2]->u.s.len) == INT32_MIN)) {
        diag_error(S->d, a[2]->loc, "'format_time' needs a UTC offset literal last, such as \"+02:00\", \"-0530\" or \"Z\"");
        return T_ERROR;
    }
    return e->optype = T_STR;
}

/* parse_i64's third argument: the base, an integer literal 2, 8, 10 or 16. */
static bool check_parse_base(sema *S, const ast_arg *g)
{
    const ast_expr *v = g->value;
    if (!g->name && v->kind == E_INT && !v->u.i.overflow && !g->unit &&
        (v->u.i.value == 2 || v->u.i.value == 8 || v->u.i.value == 10 || v->u.i.value == 16))
        return true;
    diag_error(S->d, g->name ? g->name_loc : v->loc, "'parse_i64' takes its base as an integer literal: 2, 8, 10 or 16");
    return false;
}

/* matches(s, "RE"), capture(s, "RE", N), replace(s, "RE", "WITH"): s any str,
 * the pattern a literal compiled now (regex.c), N an integer literal naming
 * one of its groups (0: the whole match), WITH a literal with $N references. */
static type_id check_regex(sema *S, ast_expr *e, const rectype *rec, int id)
{
    const builtin_info *bi = &builtins[id];
    static const char *const shapes[] = {[B_matches] = "(text, \"PATTERN\")", [B_capture] = "(text, \"PATTERN\", GROUP)",
                                         [B_replace] = "(text, \"PATTERN\", \"REPLACEMENT\")"};
    if (e->u.call.nargs != bi->arity) {
        diag_error(S->d, e->loc, "'%s' takes %s, found %d argument%s", e->text, shapes[id], e->u.call.nargs,
                   e->u.call.nargs == 1 ? "" : "s");
        return T_ERROR;
    }
    ast_expr *a[3] = {0};
    int i = 0;
    for (ast_arg *g = e->u.call.args; g; g = g->next, i++) {
        if (g->name) {
            diag_error(S->d, g->name_loc, "'%s' takes no named arguments", e->text);
            return T_ERROR;
        }
        a[i] = g->value;
    }
    type_id t = check_expr(S, a[0], rec);
    if (t == T_ERROR) return T_ERROR;
    if (t != T_STR) {
        diag_error(S->d, a[0]->loc, "'%s' needs a str to search, found %s", e->text, type_name(t));
        return T_ERROR;
    }
    uint32_t groups = 0;
    if ((e->u.call.regex = regex_pattern(S->a, S->d, S->p, a[1], e->text, &groups)) < 0) return T_ERROR;
    a[1]->type = T_STR;
    if (id == B_capture) {
        if (a[2]->kind != E_INT || a[2]->u.i.value > groups) {
            if (a[2]->kind != E_INT) diag_error(S->d, a[2]->loc, "'capture' needs the group as an integer literal, 0 to %u", groups);
            else diag_error(S->d, a[2]->loc, "the pattern has %u group%s: 'capture' takes 0 (the whole match) to %u, found %llu", groups,
                            groups == 1 ? "" : "s", groups, a[2]->u.i.value);
            return T_ERROR;
        }
        a[2]->type = T_I64;
    }
    if (id == B_replace) {
        if (!regex_replacement(S->d, a[2], groups)) return T_ERROR;
        a[2]->type = T_STR;
    }
    e->optype = T_STR;
    return id == B_matches ? T_BOOL : T_STR;
}

/* fixed(x, N): x any number (made f64), N the decimals as an integer literal,
 * 0 to RGP_FIXED_MAX_DECIMALS, so each call site prints with one known width. */
static type_id check_fixed(sema *S, ast_expr *e, const rectype *rec)
{
    if (e->u.call.nargs != 2) {
        diag_error(S->d, e->loc, "'fixed' takes (number, DECIMALS), found %d argument%s", e->u.call.nargs,
                   e->u.call.nargs == 1 ? "" : "s");
        return T_ERROR;
    }
    ast_arg *x = e->u.call.args, *n = x->next;
    if (x->name || n->name) {
        diag_error(S->d, x->name ? x->name_loc : n->name_loc, "'fixed' takes no named arguments");
        return T_ERROR;
    }
    type_id t = check_expr(S, x->value, rec);
    if (t == T_ERROR) return T_ERROR;
    if (!type_is_numeric(t)) {
        diag_error(S->d, x->value->loc, "'fixed' needs a number, found %s", type_name(t));
        return T_ERROR;
    }
    const ast_expr *v = n->value;
    if (v->kind != E_INT || n->unit) {
        diag_error(S->d, v->loc, "'fixed' needs the number of decimals as an integer literal, 0 to %d", RGP_FIXED_MAX_DECIMALS);
        return T_ERROR;
    }
    if (v->u.i.overflow || v->u.i.value > RGP_FIXED_MAX_DECIMALS) {
        diag_error(S->d, v->loc, "'fixed' takes 0 to %d decimals, found %s", RGP_FIXED_MAX_DECIMALS, v->text);
        return T_ERROR;
    }
    settle(S, x->value, T_F64);
    n->value->type = T_I64;
    e->optype = T_STR;
    return T_STR;
}

/* env("NAME") or env("NAME", "default"): both string literals. Each distinct
 * pair is one entry of the program's envs, read once at start-up; the first use
 * is the place an unset variable's message names. Returns its index, or -1. */
static int check_env(sema *S, ast_expr *e, bool in_expr)
{
    if (e->u.call.nargs < 1 || e->u.call.nargs > 2) {
        diag_error(S->d, e->loc, "'env' takes (\"NAME\") or (\"NAME\", \"default\"), found %d argument%s", e->u.call.nargs,
                   e->u.call.nargs == 1 ? "" : "s");
        return -1;
    }
    for (ast_arg *g = e->u.call.args; g; g = g->next) {
        if (g->name) {
            diag_error(S->d, g->name_loc, "'env' takes no named arguments");
            return -1;
        }
        ast_expr *v = g->value;
        if (v->kind != E_STR || memchr(v->u.s.bytes, '\0', v->u.s.len)) {
            diag_error(S->d, v->loc, g == e->u.call.args ? "'env' needs the variable's name as a string literal, such as \"LOG_DIR\""
                                                         : "'env' needs its default as a string literal, such as \"/var/log\"");
            return -1;
        }
        if (g == e->u.call.args && (v->u.s.len == 0 || memchr(v->u.s.bytes, '=', v->u.s.len))) {
            diag_error(S->d, v->loc, "an environment variable's name is not empty and holds no '='");
            return -1;
        }
        v->type = T_STR;
    }
    const ast_expr *name = e->u.call.args->value, *dflt = e->u.call.nargs == 2 ? e->u.call.args->next->value : NULL;
    program *p = S->p;
    for (int i = 0; i < p->nenvs; i++) {
        const ast_expr *o = p->envs[i], *on = o->u.call.args->value, *od = o->u.call.nargs == 2 ? o->u.call.args->next->value : NULL;
        if (strcmp(on->u.s.bytes, name->u.s.bytes) || !od != !dflt || (od && strcmp(od->u.s.bytes, dflt->u.s.bytes))) continue;
        p->env_in_expr[i] |= in_expr;
        return e->u.call.env = i;
    }
    if (p->nenvs == p->env_cap) {   /* the arena does not grow in place: double and copy */
        int cap = p->env_cap ? p->env_cap * 2 : 8;
        const ast_expr **list = arena_alloc(S->a, sizeof *list * (size_t)cap);
        bool *used = arena_alloc(S->a, sizeof *used * (size_t)cap);
        if (p->nenvs) memcpy(list, p->envs, sizeof *list * (size_t)p->nenvs);
        if (p->nenvs) memcpy(used, p->env_in_expr, sizeof *used * (size_t)p->nenvs);
        p->envs = list;
        p->env_in_expr = used;
        p->env_cap = cap;
    }
    p->envs[p->nenvs] = e;
    p->env_in_expr[p->nenvs] = in_expr;
    return e->u.call.env = p->nenvs++;
}

/* Calls of the builtin functions in builtins.h; casts are calls named after a type. */
static type_id check_call(sema *S, ast_expr *e, const rectype *rec)
{
    int fn = map_fn_lookup(e->text);
    const ast_expr *first = e->u.call.nargs ? e->u.call.args->value : NULL;
    bool of_map = S->scope && first && first->kind == E_NAME && state_map_find(S->scope->state, first->text);
    if (e->u.call.index || (fn >= 0 && (fn != MF_LEN || of_map)))   /* len(s) of a str is the builtin */
        return check_map_call(S, e, rec, false);
    int id = builtin_lookup(e->text);
    if (id < 0) {
        suggest s = {.word = e->text};
        for (int k = 0; k < B_COUNT; k++) suggest_try(&s, builtins[k].name);
        diag_error(S->d, e->loc, "unknown function '%s'%s", e->text, hint(S, &s));
        return T_ERROR;
    }
    const builtin_info *bi = &builtins[id];
    e->u.call.builtin = id;
    if (bi->args == BA_TIMETEXT) return check_time_text(S, e, rec, id);
    if (bi->args == BA_REGEX) return check_regex(S, e, rec, id);
    if (bi->args == BA_FIXED) return check_fixed(S, e, rec);
    if (bi->args == BA_ENV) return check_env(S, e, true) < 0 ? T_ERROR : (e->optype = T_STR);
    bool based = id == B_parse_i64 && e->u.call.nargs == 3;   /* parse_i64(s, fallback, 16) */
    if (e->u.call.nargs != bi->arity && !based) {
        diag_error(S->d, e->loc, "'%s' takes %d argument%s%s, found %d", e->text, bi->arity, bi->arity > 1 ? "s" : "",
                   id == B_parse_i64 ? " (text, fallback), or 3 with a base" : "", e->u.call.nargs);
        return T_ERROR;
    }
    if (based && !check_parse_base(S, e->u.call.args->next->next)) return T_ERROR;
    type_id t[3] = {T_ERROR, T_ERROR, T_ERROR};
    int i = 0;
    for (ast_arg *g = e->u.call.args; g; g = g->next, i++) {
        if (g->name) {
            diag_error(S->d, g->name_loc, "'%s' takes no named arguments", e->text);
            return T_ERROR;
        }
        t[i] = check_expr(S, g->value, rec);
        if (t[i] == T_ERROR) return T_ERROR;
        /* what argument i must be */
        const char *want = bi->args == BA_NUM ? "a number" : bi->args == BA_STR ? "a str" : bi->args == BA_CAST ? "a number, bool or time"
                         : bi->args == BA_SUBSTR ? (i == 0 ? "a str" : "an integer")
                         : bi->args == BA_PART ? (i < 2 ? "a str" : "an integer")
                         : bi->args == BA_PARSE ? (i == 0 ? "a str" : id == B_parse_f64 ? "a number to use when the text is not one" : "an integer to use when the text is not one")
                         : bi->args == BA_TIME || i == 0 ? "a time"
                         : "a unit: \"millisecond\", \"second\", \"minute\", \"hour\" or \"day\"";
        bool ok = bi->args == BA_NUM ? type_is_numeric(t[i])
                : bi->args == BA_STR ? t[i] == T_STR
                : bi->args == BA_CAST ? t[i] != T_STR
                : bi->args == BA_SUBSTR ? (i == 0 ? t[i] == T_STR : type_is_int(t[i]) || t[i] == T_INTLIT)
                : bi->args == BA_PART ? (i < 2 ? t[i] == T_STR : type_is_int(t[i]) || t[i] == T_INTLIT)
                : bi->args == BA_PARSE ? (i == 0 ? t[i] == T_STR : id == B_parse_f64 ? type_is_numeric(t[i]) : type_is_int(t[i]) || t[i] == T_INTLIT)
                : bi->args == BA_TIME || (bi->args == BA_TRUNC && i == 0) ? t[i] == T_TIME
                : bi->args == BA_TRUNC ? g->value->kind == E_STR && time_unit_ms(g->value->u.s.bytes, g->value->u.s.len) > 0
                : true;
        if (!ok) {
            diag_error(S->d, g->value->loc, "'%s' needs %s, found %s", e->text, want,
                       bi->args == BA_TRUNC && i == 1 && t[i] == T_STR ? "another str" : type_name(t[i]));
            return T_ERROR;
        }
        if ((bi->args == BA_SUBSTR && i > 0) || (bi->args == BA_PART && i == 2) || (bi->args == BA_PARSE && i >= 1))
            settle(S, g->value, id == B_parse_f64 ? T_F64 : T_I64);
    }
    ast_expr *l = e->u.call.args->value, *r = e->u.call.args->next ? e->u.call.args->next->value : NULL;
    switch (bi->result) {
    case BR_F64:
        if (bi->args == BA_PARSE) return e->optype = T_F64;
        settle(S, l, T_F64);
        if (r) settle(S, r, T_F64);
        return e->optype = T_F64;
    case BR_I64: case BR_BOOL:
        e->optype = T_STR;
        return bi->result == BR_I64 ? T_I64 : T_BOOL;
    case BR_U64:
        settle(S, l, T_I64);
        e->optype = l->type;
        return T_U64;
    case BR_TEXT:   /* str(x): x as a sink writes it */
        settle(S, l, T_I64);
        e->optype = l->type;
        return T_STR;
    case BR_CAST: {
        type_id to;
        type_lookup(bi->name, &to);
        settle(S, l, to == T_F64 ? T_F64 : T_I64);
        e->optype = l->type;
        return to;
    }
    case BR_STR:
        return e->optype = T_STR;
    case BR_TIME:
        return e->optype = T_TIME;
    case BR_COMMON:
        break;
    }
    if (!r) {   /* abs */
        settle(S, l, T_I64);
        return e->optype = l->type;
    }
    return e->optype = common_numeric(S, l, r, e->loc, e->text);   /* min, max */
}

/* if C { A } else { B }: C is a bool; A and B meet in one type, as operands of == would. */
static type_id check_if(sema *S, ast_expr *e, const rectype *rec)
{
    ast_expr *a = e->u.cond.then, *b = e->u.cond.otherwise;
    type_id c = check_expr(S, e->u.cond.cond, rec), ta = check_expr(S, a, rec), tb = check_expr(S, b, rec);
    if (c != T_ERROR && c != T_BOOL) diag_error(S->d, e->u.cond.cond->loc, "'if' needs a bool condition, found %s", type_name(c));
    if (c != T_BOOL || ta == T_ERROR || tb == T_ERROR) return T_ERROR;
    if (ta == tb && ta != T_INTLIT) return e->optype = ta;
    if (type_is_numeric(ta) && type_is_numeric(tb)) {
        type_id m = common_numeric(S, a, b, e->loc, NULL);
        if (m != T_ERROR) return e->optype = m;
        if (a->type == T_ERROR || b->type == T_ERROR) return T_ERROR;   /* a literal out of range: reported */
    }
    if ((ta == T_TIME && tb == T_INTLIT) || (tb == T_TIME && ta == T_INTLIT)) {
        settle(S, ta == T_INTLIT ? a : b, T_TIME);
        return e->optype = T_TIME;
    }
    diag_error(S->d, e->loc, "the branches of 'if' differ: %s and %s", type_name(ta), type_name(tb));
    return T_ERROR;
}

static type_id check_expr(sema *S, ast_expr *e, const rectype *rec)
{
    type_id t = T_ERROR;
    if (e->depth > AST_MAX_DEPTH) {   /* reported at the outermost operator; its parts are not walked */
        diag_error(S->d, e->loc, "expression nested deeper than %d levels; compute it in steps, naming the parts in a select", AST_MAX_DEPTH);
        return e->type = T_ERROR;
    }
    switch (e->kind) {
    case E_INT:
        if (e->u.i.overflow) diag_error(S->d, e->loc, "integer literal too large (the largest is 18446744073709551615)");
        else t = T_INTLIT;
        break;
    case E_FLOAT:
        if (e->u.f > 1.7976931348623157e308) diag_error(S->d, e->loc, "number literal too large for f64");
        else t = T_F64;
        break;
    case E_STR: t = T_STR; break;
    case E_BOOL: t = T_BOOL; break;
    case E_NAME: t = check_name(S, e, rec); break;
    case E_UNARY: t = check_unary(S, e, rec); break;
    case E_BINARY: t = check_binary(S, e, rec); break;
    case E_CALL: t = check_call(S, e, rec); break;
    case E_IF: t = check_if(S, e, rec); break;
    }
    e->type = t;
    return t;
}

/* ---- declarations ---------------------------------------------------------------- */

/* The first declaration of name before `before` (NULL: anywhere) among schemas or the rest. */
static ast_decl *find_decl(sema *S, const char *name, bool schemas, ast_decl *before)
{
    ast_decl *first = map_get(schemas ? &S->schema_decls : &S->other_decls, name);
    return first == before ? NULL : first;
}

static bool storable(type_id from, type_id to);

/* A state variable's start or a schema field's default: a literal of its type. */
static void check_literal_init(sema *S, ast_field *f, type_id t, bool is_default)
{
    const rectype no_fields = {.name = "(none)"};
    bool literal = f->init->kind == E_INT || f->init->kind == E_FLOAT || f->init->kind == E_STR || f->init->kind == E_BOOL ||
                   (f->init->kind == E_UNARY && f->init->u.un.op == UN_NEG &&
                    (f->init->u.un.operand->kind == E_INT || f->init->u.un.operand->kind == E_FLOAT));
    if (!literal) {
        diag_error(S->d, f->init->loc, "%s a literal value, such as 0, 0.0, \"\" or false",
                   is_default ? "a default is" : "a state variable starts from");
    } else if (t != T_ERROR) {
        check_expr(S, f->init, &no_fields);
        settle(S, f->init, t == T_F64 ? T_F64 : t);
        if (f->init->type != T_ERROR && !storable(f->init->type, t))
            diag_error(S->d, f->init->loc, "cannot %s '%s', which is %s, %s %s", is_default ? "default" : "start", f->name, type_name(t),
                       is_default ? "to" : "from", type_name(f->init->type));
    }
}

/* How many keys a path may go down; below JSON's nesting limit, so that a
 * parser's descent never passes it. */
#define JSON_PATH_MAX 32
_Static_assert(JSON_PATH_MAX == 32, "the message below says 32");

/* `from "metrics.temp"`: the keys, split at dots; a key that holds a dot is
 * quoted, as in "a.\"b.c\".d".  NULL with *why for a path that names nothing. */
static const char **split_json_path(arena *a, const char *s, size_t len, int *n, const char **why)
{
    const char **keys = arena_alloc(a, JSON_PATH_MAX * sizeof *keys);
    size_t i = 0;
    *n = 0;
    if (len == 0) return *why = "the path is empty", NULL;
    for (;;) {
        size_t start = i, stop;
        if (*n == JSON_PATH_MAX) return *why = "a path goes at most 32 keys deep", NULL;
        if (i < len && s[i] == '"') {   /* a quoted key runs to the next quote */
            start = ++i;
            while (i < len && s[i] != '"') i++;
            if (i == len) return *why = "a quoted key in the path does not close", NULL;
            stop = i++;
            if (i < len && s[i] != '.') return *why = "a quoted key must be followed by '.' or the end of the path", NULL;
        } else {
            while (i < len && s[i] != '.' && s[i] != '"') i++;
            if (i < len && s[i] == '"') return *why = "a quote inside a key: quote the whole key, as in a.\"b.c\"", NULL;
            stop = i;
        }
        if (stop == start) return *why = "a path has an empty key (two dots, or a dot at an end)", NULL;
        for (size_t k = start; k < stop; k++)
            if ((unsigned char)s[k] < 0x20 || s[k] == '\\')
                return *why = "a key in a path may not hold a backslash or a control character", NULL;
        keys[(*n)++] = arena_strndup(a, s + start, stop - start);
        if (i == len) return keys;
        i++;   /* the dot */
        if (i == len) return *why = "a path has an empty key (two dots, or a dot at an end)", NULL;
    }
}

/* Two fields of a schema may not read the same member, nor one a member inside
 * the other's: each JSON member goes to at most one field.  f: the last field of r. */
static void check_path_clash(sema *S, const rectype *r, int f)
{
    const char *const *mine, *const *theirs;
    int n = rectype_json_keys(r, f, &mine);
    for (int i = 0; i < f; i++) {
        int m = rectype_json_keys(r, i, &theirs), k = 0;
        while (k < n && k < m && !strcmp(mine[k], theirs[k])) k++;
        if (k < n && k < m) continue;
        diag_error(S->d, r->paths[f].n ? r->paths[f].loc : r->fields[f].loc, "field '%s' reads %s member that field '%s' (line %u) reads",
                   r->fields[f].name, n == m ? "the same" : n < m ? "an object holding a" : "a member inside the", r->fields[i].name,
                   r->fields[i].loc.line);
        return;
    }
}

static rectype *check_schema(sema *S, ast_decl *d)
{
    rectype *r = arena_alloc(S->a, sizeof *r);
    r->name = d->name;
    r->cname = arena_printf(S->a, "rec_%s", d->name);
    r->loc = d->loc;
    int count = 0;
    for (ast_field *f = d->fields; f; f = f->next) count++;
    r->paths = arena_alloc(S->a, (size_t)count * sizeof *r->paths);
    for (ast_field *f = d->fields; f; f = f->next) {
        type_id t;
        if (f->key_type) {
            diag_error(S->d, f->type_loc, "a schema field holds one value, not a map; a map is a state variable of a keyed block: "
                       "by KEY state { %s: %s[%s]%s } { ... }", f->name, f->type, f->key_type, f->value_type);
            t = T_ERROR;
        } else if (!type_lookup(f->type, &t)) {
            /* names other languages use for the same types */
            static const char *const aliases[][2] = {{"int", "i64"}, {"long", "i64"}, {"uint", "u64"},
                {"float", "f64"}, {"double", "f64"}, {"string", "str"}, {"boolean", "bool"}, {"timestamp", "time"}};
            suggest s = {.word = f->type};
            for (int k = 0; k < T_COUNT; k++) suggest_try(&s, scalar_types[k].name);
            for (size_t k = 0; k < sizeof aliases / sizeof aliases[0]; k++)
                if (!strcmp(f->type, aliases[k][0])) s.best = aliases[k][1];
            diag_error(S->d, f->type_loc, "unknown type '%s'%s; types are bool, i32, i64, u32, u64, f64, str, time",
                       f->type, hint(S, &s));
            t = T_ERROR;
        }
        if (rectype_find(r, f->name) >= 0) diag_error(S->d, f->loc, "field '%s' is declared twice in schema %s", f->name, d->name);
        if (f->init) check_literal_init(S, f, t, true);
        field fl = {f->name, t, f->loc, f->init, 0};
        if (f->path) {
            json_path *jp = &r->paths[r->nfields];
            const char *why = NULL;
            jp->loc = f->path->loc;
            if (!(jp->keys = split_json_path(S->a, f->path->u.s.bytes, f->path->u.s.len, &jp->n, &why)))
                jp->n = 0, diag_error(S->d, f->path->loc, "bad path for field '%s': %s", f->name, why);
        }
        PUSH(S->a, r->fields, r->nfields, fl);
        check_path_clash(S, r, r->nfields - 1);
        r->has_str |= t == T_STR;
    }
    return r;
}

static const char *resolve_path(sema *S, const char *path)
{
    if (path[0] == '/' || !S->base_dir) return path;
    return arena_printf(S->a, "%s/%s", S->base_dir, path);
}

static bool check_journal_endpoint(sema *S, node *n, ast_expr *e, bool is_source);
static bool check_net_endpoint(sema *S, node *n, ast_expr *e, bool is_source);

/* file("PATH", append: true): a sink adds to the end of its file.
 * file("PATH", follow: true, state: "PATH"): a source follows appends, keeping its place. */
static bool check_file_options(sema *S, node *n, ast_arg *g, bool is_source)
{
    bool ok = true;
    const ast_arg *state = NULL;
    for (; g; g = g->next) {
        if (g->name && is_source && !strcmp(g->name, "follow")) {
            if (g->value->kind == E_BOOL) n->follow = g->value->u.b;
            else diag_error(S->d, g->value->loc, "'follow' takes true or false"), ok = false;
        } else if (g->name && is_source && !strcmp(g->name, "state")) {
            if (g->value->kind == E_STR && g->value->u.s.len && !memchr(g->value->u.s.bytes, 0, g->value->u.s.len))
                n->follow_state = g->value->u.s.bytes, state = g;   /* relative to the followed file (runtime/follow.h) */
            else diag_error(S->d, g->value->loc, "'state' takes the path of the file that keeps the source's place, as in state: \"app.log.state\""), ok = false;
        } else if (g->name && !strcmp(g->name, "append") && !is_source) {
            if (g->value->kind == E_BOOL) n->append = g->value->u.b;
            else {
                diag_error(S->d, g->value->loc, "'append' takes true or false");
                ok = false;
            }
        } else if (g->name && !strcmp(g->name, "append")) {
            diag_error(S->d, g->name_loc, "'append' is an option of file(\"PATH\") sinks, not sources");
            ok = false;
        } else if (g->name) {
            diag_error(S->d, g->name_loc, "unknown option '%s' of file(\"PATH\")%s", g->name, is_source ? "; a file source takes follow and state" : "; the option is append");
            ok = false;
        } else {
            diag_error(S->d, g->value->loc, "file(\"PATH\") takes one path%s", is_source ? ", then follow: and state:" : ", then append: true or false");
            ok = false;
        }
    }
    if (state && !n->follow) diag_error(S->d, state->name_loc, "'state' keeps the place of a followed file: add follow: true"), ok = false;
    return ok;
}

/* stdin / stdout / stderr / file("path") / journal("DIR", ...) */
static bool check_endpoint(sema *S, node *n, ast_expr *e, bool is_source)
{
    if (e->kind == E_NAME && !strcmp(e->text, is_source ? "stdin" : "stdout")) {
        n->endpoint = is_source ? EP_STDIN : EP_STDOUT;
        n->path = n->open_path = "-";
        return true;
    }
    if (!is_source && e->kind == E_NAME && !strcmp(e->text, "stderr")) {
        n->endpoint = EP_STDERR;
        n->path = "stderr";
        n->open_path = "/dev/stderr";   /* RGP_STDERR_PATH: the runtime writes to fd 2 itself */
        return true;
    }
    if (e->kind == E_CALL && !strcmp(e->text, "file") && e->u.call.nargs >= 1 && !e->u.call.args->name &&
        e->u.call.args->value->kind == E_STR) {
        ast_expr *s = e->u.call.args->value;
        if (s->u.s.len == 0 || memchr(s->u.s.bytes, '\0', s->u.s.len)) {
            diag_error(S->d, s->loc, "file path must be a non-empty string without NUL bytes");
            return false;
        }
        n->endpoint = EP_FILE;
        n->path = s->u.s.bytes;
        n->open_path = resolve_path(S, n->path);
        return check_file_options(S, n, e->u.call.args->next, is_source);
    }
    if (e->kind == E_CALL && !strcmp(e->text, "file") && e->u.call.nargs >= 1 && !e->u.call.args->name &&
        e->u.call.args->value->kind == E_CALL && !strcmp(e->u.call.args->value->text, "env")) {   /* file(env("IN", "a.csv")) */
        ast_expr *v = e->u.call.args->value;
        int k = check_env(S, v, false);
        if (k < 0) return false;
        n->endpoint = EP_FILE;
        n->path_env = k + 1;
        n->path = arena_printf(S->a, "env(\"%s\")", v->u.call.args->value->u.s.bytes);   /* what messages and --help show */
        n->open_path = arena_printf(S->a, "\x01env %s", n->path);   /* known at start-up only: never the same file as another at compile time */
        return check_file_options(S, n, e->u.call.args->next, is_source);
    }
    if (e->kind == E_CALL && !strcmp(e->text, "journal")) return check_journal_endpoint(S, n, e, is_source);
    if (e->kind == E_CALL && (!strcmp(e->text, "tcp") || !strcmp(e->text, "udp"))) return check_net_endpoint(S, n, e, is_source);
    if (e->kind == E_CALL && !strcmp(e->text, "nats")) {
        bool ok = sema_nats_endpoint(S->a, S->d, n, e, is_source);
        if (ok && n->nats.partition_env) {   /* partition: env("NAME"): read at start-up, as an expression's env() is */
            int k = check_env(S, n->nats.partition_env, true);
            if (k < 0) return false;
            n->nats.partition_env_index = k;
        }
        return ok;
    }
    if (!is_source && e->kind == E_CALL && (!strcmp(e->text, "stdout") || !strcmp(e->text, "stderr"))) {
        diag_error(S->d, e->loc, "%s takes no options; append: is an option of file(\"PATH\") (%s is never truncated)", e->text,
                   e->text);
        return false;
    }
    diag_error(S->d, e->loc, "expected %s, file(\"path\"), journal(\"DIR\")%s, tcp(\"HOST:PORT\") or nats(\"nats://HOST:PORT\", ...) for the %s of '%s'",
               is_source ? "stdin" : "stdout, stderr", is_source ? ", udp(\"HOST:PORT\")" : "", is_source ? "input" : "output", n->name);
    return false;
}

/* The units of a size such as max_row: 4 MiB (KB means KiB, as most tools take it). */
static const struct { const char *name; uint64_t bytes; } size_units[] = {
    {"B", 1}, {"bytes", 1}, {"KB", 1 << 10}, {"KiB", 1 << 10}, {"MB", 1 << 20}, {"MiB", 1 << 20},
    {"GB", 1 << 30}, {"GiB", 1 << 30},
};
#define RGP_MAX_ROW_DEFAULT ((uint64_t)1 << 20)
#define RGP_MAX_ROW_LIMIT ((uint64_t)1 << 40)   /* a row is held whole in memory */

static bool check_duration(sema *S, ast_duration *d, const char *what);

/* An option's N UNIT (an integer with a unit) as a length of time, into *ms; false after an error. */
static bool duration_arg(sema *S, const ast_arg *g, const char *what, long long *ms)
{
    const ast_expr *n = g->value;
    ast_duration d = {(long long)n->u.i.value, g->unit, n->loc, g->unit_loc, 0};
    if (n->u.i.value > 365ull * 86400000) d.n = 365LL * 86400000 + 1;   /* out of range either way */
    if (!check_duration(S, &d, what)) return false;
    *ms = d.ms;
    return true;
}

/* The bytes of a journal option's size unit (size_units, and TB), or 0. */
static uint64_t journal_unit_bytes(const char *unit)
{
    for (size_t k = 0; unit && k < sizeof size_units / sizeof size_units[0]; k++)
        if (!strcmp(size_units[k].name, unit)) return size_units[k].bytes;
    return unit && !strcmp(unit, "TB") ? 1ull << 40 : 0;
}

/* N UNIT as a size in bytes (KB means KiB), for journal options: false after an error. */
static bool size_arg(sema *S, const ast_arg *g, uint64_t *out)
{
    const ast_expr *v = g->value;
    uint64_t unit = journal_unit_bytes(g->unit);
    if (v->kind != E_INT || v->u.i.overflow || !unit || v->u.i.value == 0 || v->u.i.value > (UINT64_MAX >> 1) / unit) {
        diag_error(S->d, g->unit && !unit ? g->unit_loc : v->loc, "'%s' takes a size such as 10 GB (units B, KB, MB, GB, TB)",
                   g->name);
        return false;
    }
    *out = v->u.i.value * unit;
    return true;
}

/* N UNIT as a length of time, for journal options; false when the unit is not a time unit. */
static bool is_time_unit(const ast_arg *g) { return g->unit && time_unit_ms(g->unit, strlen(g->unit)) > 0; }

/* journal("DIR", option: value, ...): a sink takes sync, keep and segment; a source
 * from, follow, group and on_corrupt. */
static bool check_journal_endpoint(sema *S, node *n, ast_expr *e, bool is_source)
{
    ast_arg *a = e->u.call.args;
    if (!a || a->name || a->value->kind != E_STR || a->value->u.s.len == 0 || memchr(a->value->u.s.bytes, '\0', a->value->u.s.len)) {
        diag_error(S->d, a ? a->value->loc : e->loc, "journal(\"DIR\") takes the journal's directory first, a non-empty string");
        return false;
    }
    journal_options *j = &n->journal;
    *j = (journal_options){.sync = JSYNC_INTERVAL, .sync_ms = 100, .from = JFROM_START, .follow = true};
    n->endpoint = EP_JOURNAL;
    n->format = FMT_JOURNAL;
    n->path = a->value->u.s.bytes;
    n->open_path = resolve_path(S, n->path);
    bool ok = true;
    srcloc committed_at = {0};
    for (ast_arg *g = a->next; g; g = g->next) {
        ast_expr *v = g->value;
        if (!g->name) {
            diag_error(S->d, v->loc, "expected a named option such as %s", is_source ? "from: start" : "sync: 100 ms");
            ok = false;
        } else if (!is_source && !strcmp(g->name, "sync")) {
            if (v->kind == E_NAME && !strcmp(v->text, "always")) j->sync = JSYNC_ALWAYS;
            else if (v->kind == E_NAME && !strcmp(v->text, "never")) j->sync = JSYNC_NEVER;
            else if (v->kind == E_INT && g->unit) {
                long long ms;
                if (duration_arg(S, g, "'sync'", &ms)) j->sync_ms = (uint64_t)ms;
                else ok = false;
            } else {
                diag_error(S->d, v->loc, "'sync' takes always, never or a period such as 100 ms");
                ok = false;
            }
        } else if (!is_source && !strcmp(g->name, "keep")) {
            long long ms;
            if (v->kind == E_INT && is_time_unit(g)) {
                if (duration_arg(S, g, "'keep'", &ms)) j->keep_ms = (uint64_t)ms;
                else ok = false;
            } else if (v->kind == E_INT && journal_unit_bytes(g->unit)) {
                ok &= size_arg(S, g, &j->keep_bytes);
            } else {
                diag_error(S->d, g->unit ? g->unit_loc : v->loc, "'keep' takes a size such as 10 GB or an age such as 7 d");
                ok = false;
            }
        } else if (!is_source && !strcmp(g->name, "segment")) {
            if (!size_arg(S, g, &j->segment_bytes)) ok = false;
            else if (j->segment_bytes < 4096) {
                diag_error(S->d, v->loc, "'segment' must be at least 4 KB");
                ok = false;
            }
        } else if (is_source && !strcmp(g->name, "from")) {
            if (v->kind == E_NAME && !strcmp(v->text, "start")) j->from = JFROM_START;
            else if (v->kind == E_NAME && !strcmp(v->text, "end")) j->from = JFROM_END;
            else if (v->kind == E_NAME && !strcmp(v->text, "committed")) j->from = JFROM_COMMITTED, committed_at = v->loc;
            else if (v->kind == E_INT && !v->u.i.overflow && !g->unit) j->from = JFROM_OFFSET, j->from_offset = v->u.i.value;
            else {
                diag_error(S->d, v->loc, "'from' takes start, end, committed or an offset (a whole number)");
                ok = false;
            }
        } else if (is_source && !strcmp(g->name, "follow")) {
            if (v->kind == E_BOOL) j->follow = v->u.b;
            else {
                diag_error(S->d, v->loc, "'follow' takes true or false");
                ok = false;
            }
        } else if (is_source && !strcmp(g->name, "group")) {
            bool good = v->kind == E_STR && v->u.s.len > 0 && v->u.s.len <= 64;
            for (size_t k = 0; good && k < v->u.s.len; k++) {
                char c = v->u.s.bytes[k];
                good = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
            }
            if (good) j->group = v->u.s.bytes;
            else {
                diag_error(S->d, v->loc, "'group' takes a name of letters, digits, '_', '-' and '.', at most 64 long");
                ok = false;
            }
        } else if (is_source && !strcmp(g->name, "on_corrupt")) {
            if (v->kind == E_NAME && (!strcmp(v->text, "stop") || !strcmp(v->text, "skip"))) j->skip_corrupt = !strcmp(v->text, "skip");
            else {
                diag_error(S->d, v->loc, "'on_corrupt' takes stop or skip");
                ok = false;
            }
        } else {
            suggest sg = {.word = g->name};
            const char *const src_opts[] = {"from", "follow", "group", "on_corrupt"}, *const sink_opts[] = {"sync", "keep", "segment"};
            for (int k = 0; k < (is_source ? 4 : 3); k++) suggest_try(&sg, is_source ? src_opts[k] : sink_opts[k]);
            diag_error(S->d, g->name_loc, "unknown option '%s' of a journal %s%s; options are %s", g->name, is_source ? "source" : "sink",
                       hint(S, &sg), is_source ? "from, follow, group and on_corrupt" : "sync, keep and segment");
            ok = false;
        }
    }
    if (j->from == JFROM_COMMITTED && !j->group) {
        diag_error(S->d, committed_at, "'from: committed' resumes a reader group: add group: \"NAME\"");
        ok = false;
    }
    return ok;
}

const char *const framing_names[] = {
#define X(id, name) name,
    RGP_FRAMING_NAMES(X)
#undef X
};

/* "HOST:PORT": a name or IPv4 address, or [IPv6], or nothing (every address
 * of a listening source), then a port from 1 to 65535. NULL, or what is wrong. */
static const char *net_address_problem(const char *s, size_t len)
{
    const char *colon = len ? memrchr(s, ':', len) : NULL;
    if (!colon) return "no ':PORT'";
    const char *port = colon + 1, *end = s + len;
    unsigned long v = 0;
    if (port == end) return "no port after ':'";
    for (const char *q = port; q < end; q++) {
        if (*q < '0' || *q > '9') return "the port is not a number";
        if ((v = v * 10 + (unsigned long)(*q - '0')) > 65535) break;
    }
    if (v == 0 || v > 65535) return "the port is not from 1 to 65535";
    size_t hl = (size_t)(colon - s);
    if (hl >= 2 && s[0] == '[' && s[hl - 1] == ']') {
        for (size_t k = 1; k + 1 < hl; k++)
            if (!strchr("0123456789abcdefABCDEF:.", s[k])) return "the IPv6 address in [ ] has a character that is not hex, ':' or '.'";
        return hl > 2 ? NULL : "the [ ] hold no address";
    }
    for (size_t k = 0; k < hl; k++) {
        char c = s[k];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_'))
            return "the host has a character other than letters, digits, '.', '-' and '_' (write an IPv6 address in [ ])";
    }
    return NULL;
}

/* tcp("HOST:PORT", ...) and udp("HOST:PORT", ...): a tcp source listens and takes
 * framing, max_line and clients; a udp source max_line; a tcp sink connects and
 * takes framing and resend. */
static bool check_net_endpoint(sema *S, node *n, ast_expr *e, bool is_source)
{
    bool udp = !strcmp(e->text, "udp");
    ast_arg *a = e->u.call.args;
    n->endpoint = udp ? EP_UDP : EP_TCP;   /* even when wrong: no other error follows from it */
    n->path = n->open_path = "";
    if (udp && !is_source) {
        diag_error(S->d, e->loc, "udp(\"HOST:PORT\") is a source only; a sink can write tcp(\"HOST:PORT\")");
        return false;
    }
    bool ok = true;
    if (!a || a->name || a->value->kind != E_STR) {
        diag_error(S->d, a ? a->value->loc : e->loc, "%s(\"HOST:PORT\") takes the address first, a string such as \"127.0.0.1:9000\"", e->text);
        return false;
    }
    const char *why = net_address_problem(a->value->u.s.bytes, a->value->u.s.len);
    if (!why && !is_source && a->value->u.s.bytes[0] == ':') why = "a sink connects, so it needs a host";
    if (why || memchr(a->value->u.s.bytes, '\0', a->value->u.s.len)) {
        diag_error(S->d, a->value->loc, "expected an address HOST:PORT such as \"127.0.0.1:9000\" or \"[::1]:9000\"; %s", why ? why : "it holds a NUL byte");
        ok = false;
    } else {
        n->path = n->open_path = a->value->u.s.bytes;
    }
    net_options *o = &n->net;
    *o = (net_options){.framing = FRAMING_NEWLINE, .max_len = udp ? 65507 : RGP_MAX_ROW_DEFAULT, .resend = 1 << 20};
    for (ast_arg *g = a->next; g; g = g->next) {
        ast_expr *v = g->value;
        if (!g->name) {
            diag_error(S->d, v->loc, "expected a named option such as %s", udp ? "max_line: 64 KB" : "framing: length32");
            ok = false;
        } else if (!udp && !strcmp(g->name, "framing")) {
            int k = -1;
            for (int i = 0; v->kind == E_NAME && i < (int)(sizeof framing_names / sizeof framing_names[0]); i++)
                if (!strcmp(v->text, framing_names[i])) k = i;
            if (k >= 0) o->framing = (framing_kind)k;
            else {
                diag_error(S->d, v->loc, "'framing' takes newline, length8, length16, length32, length64 or octets");
                ok = false;
            }
        } else if (is_source && !strcmp(g->name, "max_line")) {
            uint64_t unit = g->unit ? journal_unit_bytes(g->unit) : 1;
            if (v->kind != E_INT || v->u.i.overflow || !unit || v->u.i.value == 0 || v->u.i.value > (udp ? 65507 : RGP_MAX_ROW_LIMIT) / unit) {
                diag_error(S->d, g->unit && !unit ? g->unit_loc : v->loc, "'max_line' takes a size from 1 byte to %s, such as 64 KB",
                           udp ? "65507 bytes (a UDP datagram)" : "1 TB");
                ok = false;
            } else {
                o->max_len = v->u.i.value * unit;
            }
        } else if (is_source && !udp && !strcmp(g->name, "clients")) {
            if (v->kind == E_INT && !v->u.i.overflow && !g->unit && v->u.i.value > 0) o->clients = v->u.i.value;
            else {
                diag_error(S->d, v->loc, "'clients' takes a number of connections from 1 up: the stream ends when that many have closed");
                ok = false;
            }
        } else if (!is_source && !strcmp(g->name, "resend")) {
            if (!size_arg(S, g, &o->resend)) ok = false;
            else if (o->resend > ((uint64_t)1 << 32)) {
                diag_error(S->d, v->loc, "'resend' is at most 4 GB");
                ok = false;
            }
        } else {
            const char *const opts[3][3] = {{"framing", "max_line", "clients"}, {"max_line"}, {"framing", "resend"}};
            int which = udp ? 1 : is_source ? 0 : 2, nopt = udp ? 1 : is_source ? 3 : 2;
            suggest sg = {.word = g->name};
            for (int k = 0; k < nopt; k++) suggest_try(&sg, opts[which][k]);
            diag_error(S->d, g->name_loc, "unknown option '%s' of a %s %s%s; options are %s", g->name, e->text, is_source ? "source" : "sink",
                       hint(S, &sg), udp ? "max_line (one datagram is one record)" : is_source ? "framing, max_line and clients" : "framing and resend");
            ok = false;
        }
    }
    return ok;
}

/* max_row: N [UNIT], the longest csv row a source accepts: from 1 byte to 1 TiB. */
static bool check_max_row(sema *S, node *n, ast_arg *g)
{
    ast_expr *v = g->value;
    uint64_t unit = 1;
    if (v->kind != E_INT) {
        diag_error(S->d, v->loc, "'max_row' takes a size in bytes, such as 4 MiB or 65536");
        return false;
    }
    if (g->unit) {
        unit = 0;
        for (size_t k = 0; k < sizeof size_units / sizeof size_units[0]; k++)
            if (!strcmp(size_units[k].name, g->unit)) unit = size_units[k].bytes;
        if (!unit) {
            char list[128] = "";
            for (size_t k = 0; k < sizeof size_units / sizeof size_units[0]; k++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", k ? ", " : "", size_units[k].name);
            diag_error(S->d, g->unit_loc, "unknown size unit '%s'; units are %s", g->unit, list);
            return false;
        }
    }
    if (v->u.i.overflow || v->u.i.value == 0 || v->u.i.value > RGP_MAX_ROW_LIMIT / unit) {
        diag_error(S->d, v->loc, "'max_row' must be from 1 byte to 1 TiB");
        return false;
    }
    n->max_row = v->u.i.value * unit;
    return true;
}

/* floats: N on a csv or jsonl sink: every f64 field with exactly N decimals, as fixed(x, N). */
static bool check_floats_option(sema *S, node *n, ast_arg *g)
{
    const ast_expr *v = g->value;
    if (v->kind == E_INT && !v->u.i.overflow && !g->unit && v->u.i.value <= RGP_FIXED_MAX_DECIMALS) {
        n->floats = (int)v->u.i.value;
        return true;
    }
    diag_error(S->d, v->loc, "'floats' takes the number of decimals, an integer literal from 0 to %d", RGP_FIXED_MAX_DECIMALS);
    return false;
}

/* Options shared by csv sources and sinks: header: bool, delimiter: "c"; sinks also floats: N. */
static bool check_csv_option(sema *S, node *n, ast_arg *g)
{
    if (!strcmp(g->name, "header")) {
        if (g->value->kind == E_BOOL) { n->header = g->value->u.b; return true; }
        diag_error(S->d, g->value->loc, "'header' takes true or false");
        return false;
    }
    if (!strcmp(g->name, "delimiter")) {
        ast_expr *v = g->value;
        if (v->kind == E_STR && v->u.s.len == 1 && v->u.s.bytes[0] != '"' && v->u.s.bytes[0] != '\n' &&
            v->u.s.bytes[0] != '\r') {
            n->delim = v->u.s.bytes[0];
            return true;
        }
        diag_error(S->d, v->loc, "'delimiter' takes a one-character string other than a quote or newline");
        return false;
    }
    bool source = n->kind == D_SOURCE;
    if (!strcmp(g->name, "floats") && !source) return check_floats_option(S, n, g);
    if (!strcmp(g->name, "floats")) {
        diag_error(S->d, g->name_loc, "'floats' is an option of csv and jsonl sinks, not sources");
        return false;
    }
    if (!strcmp(g->name, "max_row") && source) return check_max_row(S, n, g);
    if (!strcmp(g->name, "max_row")) {
        diag_error(S->d, g->name_loc, "'max_row' is an option of csv sources, not sinks");
        return false;
    }
    suggest s = {.word = g->name};
    suggest_try(&s, "header"), suggest_try(&s, "delimiter");
    suggest_try(&s, source ? "max_row" : "floats");
    diag_error(S->d, g->name_loc, "unknown csv option '%s'%s; options are %s", g->name, hint(S, &s),
               source ? "header, delimiter and max_row" : "header, delimiter and floats");
    return false;
}

/* The schema a source reads, by name at `sch`; NULL after an error. */
static rectype *source_schema(sema *S, const ast_expr *sch)
{
    ast_decl *sd = find_decl(S, sch->text, true, NULL);
    if (!sd || !sd->fields) {
        diag_error(S->d, sch->loc, "unknown schema '%s'", sch->text);
        return NULL;
    }
    if (!sd->schema_type) {   /* declarations are read in order */
        diag_error(S->d, sch->loc, "schema '%s' is declared later, at line %u; declare it before the source that reads it",
                   sch->text, sd->loc.line);
        return NULL;
    }
    return sd->schema_type;
}

/* `from "NAME"` on a field of a CSV source names its header column. */
static void check_csv_columns(sema *S, const node *n, const char *schema)
{
    for (int i = 0; !n->header && n->type->paths && i < n->type->nfields; i++)
        if (n->type->paths[i].n)
            diag_error(S->d, n->type->paths[i].loc, "field '%s' names a column with `from`, but source '%s' reads CSV without a header; "
                       "columns are named by the header: write csv(%s, header: true)", n->type->fields[i].name, n->name, schema);
}

static void check_source(sema *S, node *n, ast_decl *d)
{
    ast_expr *f = d->format;
    if (!check_endpoint(S, n, d->endpoint, true) && n->endpoint == EP_JOURNAL) return;
    if (n->endpoint == EP_JOURNAL) {
        /* records, not text: the schema names the journal's fields and types */
        if (f->kind != E_NAME) {
            const ast_arg *a0 = f->kind == E_CALL ? f->u.call.args : NULL;
            diag_error(S->d, f->loc, "a journal source reads records, not text: write `as SCHEMA`, as in: source %s = journal(\"%s\") as %s",
                       n->name, n->path, a0 && !a0->name && a0->value->kind == E_NAME ? a0->value->text : "Reading");
            return;
        }
        n->type = source_schema(S, f);
        return;
    }
    n->format = FMT_CSV;
    n->delim = ',';
    n->header = false;
    n->max_row = RGP_MAX_ROW_DEFAULT;
    bool lines = f->kind == E_CALL && !strcmp(f->text, "lines"), jsonl = f->kind == E_CALL && !strcmp(f->text, "jsonl");
    bool syslog = f->kind == E_CALL && !strcmp(f->text, "syslog");
    if (f->kind != E_CALL || (strcmp(f->text, "csv") && !lines && !jsonl && !syslog) || !f->u.call.args || f->u.call.args->name ||
        f->u.call.args->value->kind != E_NAME) {
        diag_error(S->d, f->loc, "expected csv(Schema, header: true|false), jsonl(Schema), lines(Schema) or syslog(Schema) as the format of source '%s'",
                   n->name);
        return;
    }
    ast_expr *sch = f->u.call.args->value;
    if (!(n->type = source_schema(S, sch))) return;
    if (syslog) {   /* the schema's fields named like the parts of a message (sema_syslog.c) */
        n->format = FMT_SYSLOG;
        sema_check_syslog(S->d, n, f);
        return;
    }
    for (int i = 0; lines && n->type->paths && i < n->type->nfields; i++)
        if (n->type->paths[i].n)
            diag_error(S->d, n->type->paths[i].loc, "field '%s' has a JSON path, but source '%s' reads %s: "
                       "paths name members of JSON objects, read with jsonl(%s)", n->type->fields[i].name, n->name,
                       lines ? "lines" : "CSV", sch->text);
    if (jsonl) {
        /* one JSON object per line; members named like the schema's fields are read */
        n->format = FMT_JSONL;
        if (f->u.call.nargs > 1) diag_error(S->d, f->u.call.args->next->value->loc, "jsonl(Schema) takes no options");
        return;
    }
    if (lines) {
        /* each line of text, whole, is one record */
        n->format = FMT_LINES;
        if (n->type->nfields != 1 || n->type->fields[0].type != T_STR)
            diag_error(S->d, sch->loc, "lines(%s) needs a schema of one str field, such as: schema Line { text: str }", sch->text);
        if (f->u.call.nargs > 1) diag_error(S->d, f->u.call.args->next->value->loc, "lines(Schema) takes no options");
        return;
    }
    for (ast_arg *g = f->u.call.args->next; g; g = g->next) {
        if (!g->name) diag_error(S->d, g->value->loc, "expected a named option such as header: true");
        else check_csv_option(S, n, g);
    }
    if ((n->endpoint == EP_TCP || n->endpoint == EP_UDP || n->endpoint == EP_NATS) && n->header)   /* each frame is one row: no connection starts with names */
        diag_error(S->d, f->loc, "a %s source reads one row per record, with no header line: drop header: true",
                   n->endpoint == EP_TCP ? "tcp" : n->endpoint == EP_UDP ? "udp" : "nats");
    if (n->follow && n->header)   /* a rotated file would start with it again */
        diag_error(S->d, f->loc, "a followed file is read row by row with no header line: drop header: true or follow: true");
    check_csv_columns(S, n, sch->text);
}

static void check_sink(sema *S, node *n, ast_decl *d)
{
    n->floats = -1;
    check_endpoint(S, n, d->endpoint, false);
    ast_expr *f = d->format;
    if (n->endpoint == EP_JOURNAL || !f) {
        if (n->endpoint == EP_JOURNAL && f)
            diag_error(S->d, f->loc, "a journal sink writes records as they are, in no text format: drop `as ...`, as in: sink %s = journal(\"%s\") <- %s",
                       n->name, n->path, d->input);
        else if (!(d->endpoint->kind == E_CALL && !strcmp(d->endpoint->text, "journal")))   /* else said already */
            diag_error(S->d, d->endpoint->loc, "sink '%s' needs a format, as in: sink %s = stdout as csv <- %s", n->name, n->name, d->input);
        return;
    }
    n->delim = ',';
    n->header = true;
    if (f->kind == E_NAME && !strcmp(f->text, "jsonl")) { n->format = FMT_JSONL; return; }
    if (f->kind == E_CALL && !strcmp(f->text, "jsonl")) {   /* jsonl(floats: 2) */
        n->format = FMT_JSONL;
        for (ast_arg *g = f->u.call.args; g; g = g->next) {
            if (!g->name) diag_error(S->d, g->value->loc, "expected a named option such as floats: 2");
            else if (!strcmp(g->name, "floats")) check_floats_option(S, n, g);
            else diag_error(S->d, g->name_loc, "unknown jsonl option '%s'; the option of a jsonl sink is floats", g->name);
        }
        return;
    }
    if ((f->kind == E_NAME || f->kind == E_CALL) && !strcmp(f->text, "csv")) {
        n->format = FMT_CSV;
        if (n->endpoint == EP_TCP || n->endpoint == EP_NATS) n->header = false;   /* a reconnect would need it again: records only */
        if (f->kind == E_CALL)
            for (ast_arg *g = f->u.call.args; g; g = g->next) {
                if (!g->name) diag_error(S->d, g->value->loc, "expected a named option such as header: false");
                else check_csv_option(S, n, g);
            }
        if ((n->endpoint == EP_TCP || n->endpoint == EP_NATS) && n->header)
            diag_error(S->d, f->loc, "a %s sink sends records only, with no header line (a reconnect would need it again): drop header: true",
                       n->endpoint == EP_TCP ? "tcp" : "nats");
        return;
    }
    diag_error(S->d, f->loc, "expected csv, csv(header: ..., delimiter: ...) or jsonl as the format of sink '%s'", n->name);
}

const char *const wait_names[] = {
#define X(id, name) [WAIT_##id] = name,
    RGP_WAIT_NAMES(X)
#undef X
};
const char *const policy_names[] = {
#define X(id, name) [POLICY_##id] = name,
    RGP_POLICY_NAMES(X)
#undef X
};

/* ---- with { ... } and options { ... } ------------------------------------- */

enum { OPT_RING = 1, OPT_WAIT = 2, OPT_POLICY = 4, OPT_CPU = 8, OPT_IDLE = 16, OPT_THREAD = 32, OPT_THREADS = 64, OPT_METRICS = 128,
       OPT_CHECKPOINT = 256, OPT_EVERY = 512 };
static const struct { const char *name; int bit; } option_keys[] = {
    {"ring", OPT_RING}, {"wait", OPT_WAIT}, {"policy", OPT_POLICY}, {"cpu", OPT_CPU}, {"idle", OPT_IDLE},
    {"thread", OPT_THREAD}, {"threads", OPT_THREADS}, {"metrics", OPT_METRICS}, {"checkpoint", OPT_CHECKPOINT}, {"every", OPT_EVERY},
};

static bool int_option(sema *S, ast_expr *v, const char *key, uint64_t lo, uint64_t hi, uint64_t *out)
{
    if (v->kind == E_INT && !v->u.i.overflow && v->u.i.value >= lo && v->u.i.value <= hi) {
        *out = v->u.i.value;
        return true;
    }
    diag_error(S->d, v->loc, "'%s' takes an integer from %llu to %llu", key, (unsigned long long)lo, (unsigned long long)hi);
    return false;
}

static int name_in(const char *name, const char *const *names, int n)
{
    for (int i = 0; i < n; i++) if (!strcmp(name, names[i])) return i;
    return -1;
}

/* idle: N UNIT: from 1 ms to 365 days. */
static void idle_option(sema *S, node_options *o, const ast_arg *g)
{
    const ast_expr *n = g->value;
    if (!g->unit || n->kind != E_INT || n->u.i.overflow) {
        diag_error(S->d, n->loc, "'idle' takes a length of time, as in idle: 5 s");
        return;
    }
    long long ms;
    if (duration_arg(S, g, "'idle'", &ms)) o->idle_ms = ms;
}

static const char *net_address_problem(const char *s, size_t len);

/* metrics: "HOST:PORT": where the metrics server listens (runtime/metrics.h). */
static void metrics_option(sema *S, node_options *o, const ast_expr *v)
{
    const char *why = v->kind != E_STR ? "it is not a string in quotes" : net_address_problem(v->u.s.bytes, v->u.s.len);
    if (!why && memchr(v->u.s.bytes, '\0', v->u.s.len)) why = "it holds a NUL byte";
    if (why) diag_error(S->d, v->loc, "'metrics' takes an address HOST:PORT to serve /metrics on, such as \"127.0.0.1:9598\"; %s", why);
    else o->metrics = v->u.s.bytes;
}

/* checkpoint: "DIR": where the pipeline keeps its checkpoint (runtime/checkpoint.h). */
static void checkpoint_option(sema *S, node_options *o, const ast_expr *v)
{
    if (v->kind != E_STR || !v->u.s.len || memchr(v->u.s.bytes, '\0', v->u.s.len))
        diag_error(S->d, v->loc, "'checkpoint' takes the directory to keep checkpoints in, as a string: checkpoint: \"state/ckpt\"");
    else o->checkpoint = v->u.s.bytes;
}

/* every: N UNIT: how often a checkpoint is taken, from 10 ms to a day. */
static void every_option(sema *S, node_options *o, const ast_arg *g)
{
    const ast_expr *n = g->value;
    long long ms;
    if (!g->unit || n->kind != E_INT || n->u.i.overflow) {
        diag_error(S->d, n->loc, "'every' takes a length of time, as in every: 10 s");
        return;
    }
    if (!duration_arg(S, g, "'every'", &ms)) return;
    if (ms < 10 || ms > 86400000) diag_error(S->d, n->loc, "'every' takes from 10 ms to 1 d; found %lld ms", ms);
    else o->every_ms = ms;
}

/* Checks `with { ... }` (or `options { ... }`) against the keys `allowed` for this kind of declaration. */
static void check_options(sema *S, node_options *o, ast_arg *opts, int allowed, const char *what, int *threads)
{
    o->wait = WAIT_INHERIT;
    o->metrics = NULL;
    o->checkpoint = NULL;
    o->every_ms = 0;
    o->policy = POLICY_BLOCK;
    o->cpu = -1;
    int seen = 0;
    for (ast_arg *g = opts; g; g = g->next) {
        int bit = 0;
        for (size_t k = 0; k < sizeof option_keys / sizeof option_keys[0]; k++)
            if (!strcmp(option_keys[k].name, g->name)) bit = option_keys[k].bit;
        if (!(bit & allowed)) {
            char list[128] = "";
            for (size_t k = 0; k < sizeof option_keys / sizeof option_keys[0]; k++)
                if (option_keys[k].bit & allowed)
                    snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", list[0] ? ", " : "", option_keys[k].name);
            diag_error(S->d, g->name_loc, "%s option '%s' for %s; %s takes: %s", bit ? "no" : "unknown", g->name, what, what, list);
            continue;
        }
        if (seen & bit) diag_error(S->d, g->name_loc, "option '%s' is given twice", g->name);
        seen |= bit;
        ast_expr *v = g->value;
        if (g->unit && bit != OPT_IDLE && bit != OPT_EVERY) {
            diag_error(S->d, g->unit_loc, "'%s' takes a plain number, without a unit", g->name);
            continue;
        }
        if (bit == OPT_RING) {
            uint64_t n;
            if (int_option(S, v, "ring", 2, 1u << 30, &n)) {
                if (n & (n - 1)) diag_error(S->d, v->loc, "'ring' must be a power of two, such as %llu", 1ull << (64 - __builtin_clzll(n)));
                else o->ring_slots = n;
            }
        } else if (bit == OPT_CPU) {
            uint64_t n;
            if (int_option(S, v, "cpu", 0, 1023, &n)) o->cpu = (int)n;
        } else if (bit == OPT_IDLE) {
            idle_option(S, o, g);
        } else if (bit == OPT_THREAD) {
            if (v->kind == E_NAME && !strcmp(v->text, "own")) o->own_thread = true;
            else diag_error(S->d, v->loc, "'thread' takes own: thread: own runs this reader on a thread of its own");
        } else if (bit == OPT_THREADS) {
            uint64_t n;
            if (int_option(S, v, "threads", 1, 1024, &n)) *threads = (int)n;
        } else if (bit == OPT_METRICS) {
            metrics_option(S, o, v);
        } else if (bit == OPT_CHECKPOINT) {
            checkpoint_option(S, o, v);
        } else if (bit == OPT_EVERY) {
            every_option(S, o, g);
        } else if (bit == OPT_WAIT) {
            int w = v->kind == E_NAME ? name_in(v->text, wait_names, WAIT_ADAPTIVE + 1) : -1;
            if (w < 0) diag_error(S->d, v->loc, "'wait' takes spin, yield, blocking or adaptive");
            else o->wait = (wait_kind)w;
        } else {
            /* policy: block | drop_oldest | drop_newest, optionally with a limit: drop_oldest(1024) */
            const char *name = v->kind == E_NAME || v->kind == E_CALL ? v->text : "";
            int pk = name_in(name, policy_names, POLICY_DROP_NEWEST + 1);
            bool ok = pk >= 0 && (v->kind == E_NAME || (pk != POLICY_BLOCK && v->u.call.nargs == 1 && !v->u.call.args->name));
            if (!ok) {
                diag_error(S->d, v->loc, "'policy' takes block, drop_oldest, drop_newest, drop_oldest(N) or drop_newest(N)");
                continue;
            }
            o->policy = (policy_kind)pk;
            o->policy_loc = v->loc;
            if (v->kind == E_CALL) int_option(S, v->u.call.args->value, name, 1, 1u << 30, &o->limit);
        }
    }
}

static node *find_stream(sema *S, const char *name) { return map_get(&S->streams, name); }

static const char *branch_list(sema *S, const node *route)
{
    size_t n = 1;
    for (int i = 0; i < route->nsides; i++) n += strlen(route->sides[i]->name) + 2;
    char *out = arena_alloc(S->a, n), *p = out;
    for (int i = 0; i < route->nsides; i++) p += sprintf(p, "%s%s", i ? ", " : "", route->sides[i]->name);
    return out;
}

/* The input of a stage or sink must be a source or stage declared above it. */
static node *resolve_input(sema *S, ast_decl *d)
{
    node *in = find_stream(S, d->input);
    if (in && in->is_route) {
        diag_error(S->d, d->input_loc, "'%s' is a route; read one of its branches: %s", d->input, branch_list(S, in));
        return NULL;
    }
    if (in) { in->used = true; return in; }
    ast_decl *later = find_decl(S, d->input, false, NULL);
    if (later && later->kind == D_SINK) {
        diag_error(S->d, d->input_loc, "'%s' is a sink; only sources and stages can be read", d->input);
    } else if (later && later->kind == D_TABLE) {
        diag_error(S->d, d->input_loc, "'%s' is a table, not a stream; join it in a stage, as in: stage x = STREAM | join %s on KEY",
                   d->input, d->input);
    } else if (later) {
        diag_error(S->d, d->input_loc, "'%s' is declared later, at line %u; declare a stream before reading it",
                   d->input, later->loc.line);
    } else {
        suggest s = {.word = d->input};
        for (int i = 0; i < S->p->nsources; i++) suggest_try(&s, S->p->sources[i]->name);
        for (int i = 0; i < S->p->nstages; i++) suggest_try(&s, S->p->stages[i]->name);
        diag_error(S->d, d->input_loc, "unknown stream '%s'%s", d->input, hint(S, &s));
    }
    return NULL;
}

static node *side_stream(sema *S, node *owner, const char *name, srcloc at, rectype *type);

/* Objects belong to select and emit: one anywhere else is reported. */
static void object_refused(sema *S, const ast_item *it, const char *what, const char *instead)
{
    diag_error(S->d, it->brace, "'%s: { ... }' is an object, which only a select or an emit makes; %s takes %s", it->name, what, instead);
}


/* route NAME = INPUT { BRANCH: COND, ..., default: BRANCH }: each branch is a
 * stream of the input's records, those for which its condition is the first to hold. */
static void check_route(sema *S, node *n, ast_decl *d)
{
    n->is_route = true;
    node *in = n->input = resolve_input(S, d);
    if (!in || !in->type) return;
    n->type = in->type;
    bool has_default = false;
    for (ast_item *it = d->branches; it; it = it->next) {
        if (has_default) {
            diag_error(S->d, it->loc, "the default branch comes last: no record would reach '%s' after it", it->name);
            break;
        }
        const char *name = it->name;
        srcloc at = it->loc;
        ast_expr *cond = it->value;
        if (it->object) {
            object_refused(S, it, "a route", "BRANCH: CONDITION items");
            continue;
        }
        if (!strcmp(it->name, "default")) {
            if (!cond || cond->kind != E_NAME || cond->qual) {
                diag_error(S->d, cond ? cond->loc : it->loc, "'default:' names the branch that takes the records no condition takes, as in default: other");
                continue;
            }
            name = cond->text;
            at = cond->loc;
            cond = NULL;
            has_default = true;
        } else if (!cond) {
            diag_error(S->d, it->loc, "branch '%s' needs a condition: %s: COND (or default: %s for the rest)", it->name, it->name, it->name);
            continue;
        } else {
            type_id t = check_expr(S, cond, in->type);
            if (t != T_ERROR && t != T_BOOL)
                diag_error(S->d, cond->loc, "a route's condition must be bool, found %s", type_name(t));
        }
        node *b = side_stream(S, n, name, at, in->type);
        if (!b) continue;
        b->branch_cond = cond;
    }
    if (!has_default)
        diag_error(S->d, n->loc, "route '%s' needs a default branch for the records no condition takes: end it with default: NAME", n->name);
}

static bool same_record(const rectype *a, const rectype *b)
{
    if (a->nfields != b->nfields) return false;
    for (int i = 0; i < a->nfields; i++)
        if (strcmp(a->fields[i].name, b->fields[i].name) || a->fields[i].type != b->fields[i].type) return false;
    return true;
}

static const char *record_text(sema *S, const rectype *r)
{
    size_t n = strlen(r->name) + 4;
    for (int i = 0; i < r->nfields; i++) n += strlen(r->fields[i].name) + 12;
    char *out = arena_alloc(S->a, n), *p = out;
    p += sprintf(p, "%s { ", r->name);
    for (int i = 0; i < r->nfields; i++)
        p += sprintf(p, "%s%s: %s", i ? ", " : "", r->fields[i].name, type_name(r->fields[i].type));
    sprintf(p, " }");
    return out;
}

/* merge(a, b, ...): streams of one record type, joined into one. */
static rectype *check_merge(sema *S, node *n, ast_expr *m)
{
    if (m->kind != E_CALL || strcmp(m->text, "merge") || m->u.call.nargs < 2) {
        diag_error(S->d, m->loc, "expected a stream name or merge(a, b, ...) as the input of stage '%s'", n->name);
        return NULL;
    }
    rectype *type = NULL;
    for (ast_arg *g = m->u.call.args; g; g = g->next) {
        if (g->name || g->value->kind != E_NAME) {
            diag_error(S->d, g->value->loc, "merge takes stream names");
            return NULL;
        }
        ast_decl probe = {.input = g->value->text, .input_loc = g->value->loc};
        node *in = resolve_input(S, &probe);
        if (!in || !in->type) return NULL;
        for (int i = 0; i < n->ninputs; i++)
            if (n->inputs[i] == in) diag_error(S->d, g->value->loc, "'%s' is merged twice", in->name);
        PUSH(S->a, n->inputs, n->ninputs, in);
        if (!type) {
            type = in->type;
        } else if (!same_record(type, in->type)) {
            diag_error(S->d, g->value->loc, "merge needs records of one type: '%s' has %s, but '%s' has %s (a select can make them alike)",
                       n->inputs[0]->name, record_text(S, type), in->name, record_text(S, in->type));
            return NULL;
        }
    }
    return type;
}

/* ---- keyed state -------------------------------------------------------------------- */

/* Whether a value of type `from` may be stored where `to` is kept: the same
 * type, or an integer where a float goes. */
static bool storable(type_id from, type_id to)
{
    return from == to || (to == T_F64 && type_is_int(from)) || (to == T_TIME && from == T_I64) || (to == T_I64 && from == T_TIME);
}

static rectype *emit_type(sema *S, const char *stage, ast_op *o, int k, int nrecs)
{
    rectype *out = arena_alloc(S->a, sizeof *out);
    out->name = nrecs > 1 ? arena_printf(S->a, "%s#%d", stage, k) : stage;
    out->cname = nrecs > 1 ? arena_printf(S->a, "rec_%s_%d", stage, k) : arena_printf(S->a, "rec_%s", stage);
    out->loc = o->loc;
    return out;
}

static bool name_taken(sema *S, const rectype *rec, const char *name, srcloc at)
{
    block_scope *sc = S->scope;
    const char *what = rectype_find(rec, name) >= 0 ? "a field of the record"
                     : rectype_find(sc->state, name) >= 0 || state_map_find(sc->state, name) ? "a state variable" : NULL;
    for (int v = 0; !what && v < sc->nvisible; v++)
        if (!strcmp(sc->op->locals[sc->visible[v]], name)) what = "a variable already";
    if (what) diag_error(S->d, at, "'%s' is %s; pick another name", name, what);
    return what != NULL;
}

static void check_stmts(sema *S, ast_stmt *list, const rectype *rec, ast_op *o, rectype **out);

/* A new local of the block (a let, a for's key or value), in scope until its block ends; its slot. */
static int add_local(sema *S, ast_op *o, const char *name, type_id t)
{
    block_scope *sc = S->scope;
    const char **names = arena_alloc(S->a, sizeof *names * (size_t)(o->nlocals + 1));
    type_id *types = arena_alloc(S->a, sizeof *types * (size_t)(o->nlocals + 1));
    if (o->nlocals) {
        memcpy(names, o->locals, sizeof *names * (size_t)o->nlocals);
        memcpy(types, o->local_types, sizeof *types * (size_t)o->nlocals);
    }
    names[o->nlocals] = name;
    types[o->nlocals] = t;
    o->locals = names;
    o->local_types = types;
    if (sc->nvisible == sc->capvisible) {
        int cap = sc->capvisible ? sc->capvisible * 2 : 8;
        int *grown = arena_alloc(S->a, sizeof *grown * (size_t)cap);
        if (sc->nvisible) memcpy(grown, sc->visible, sizeof *grown * (size_t)sc->nvisible);
        sc->visible = grown;
        sc->capvisible = cap;
    }
    sc->visible[sc->nvisible++] = o->nlocals;
    return o->nlocals++;
}

/* ---- map-valued state ----------------------------------------------------------- */

/* The map a map function, MAP[KEY] or a for names, or NULL after saying why. */
static const state_map *map_named(sema *S, const char *name, srcloc at, const char *use)
{
    const state_map *m = S->scope ? state_map_find(S->scope->state, name) : NULL;
    if (!m) diag_error(S->d, at, "%s needs a map state variable (state { %s: map[KEY]VALUE }); '%s' is %s", use,
                       S->scope ? name : "NAME", name, S->scope ? "not one" : "outside a keyed block, where there are none");
    return m;
}

/* A map cannot change inside a for over it: the for walks its keys by rank. */
static bool map_changes_in_loop(sema *S, const state_map *m, srcloc at)
{
    for (const map_loop *l = S->scope->loops; l; l = l->up)
        if (l->map == m) {
            diag_error(S->d, at, "'%s' cannot change inside the for over it (line %u): the for walks its keys in order; "
                       "change it after the loop", m->name, l->loc.line);
            return true;
        }
    return false;
}

/* A key for map m: of its key type (an integer goes where f64 or time keys are). */
static bool check_map_key(sema *S, const state_map *m, ast_expr *k, const rectype *rec)
{
    type_id t = check_expr(S, k, rec);
    settle(S, k, m->key);
    t = k->type;
    if (t == T_ERROR) return false;
    if (storable(t, m->key) && !(m->key == T_F64 && t == T_U64)) return true;
    diag_error(S->d, k->loc, "'%s' has %s keys, found %s", m->name, type_name(m->key), type_name(t));
    return false;
}

/* MAP[KEY], has, len, min_key, max_key, nth_key, and delete as a statement. */
static type_id check_map_call(sema *S, ast_expr *e, const rectype *rec, bool statement)
{
    int fn = e->u.call.index ? MF_GET : map_fn_lookup(e->text);
    const map_fn_info *mi = &map_fns[fn];
    ast_arg *first = e->u.call.args;
    if (e->u.call.nargs != mi->arity || !first || first->value->kind != E_NAME || first->value->qual) {
        diag_error(S->d, e->loc, "'%s' takes a map state variable%s%s, as in %s(book%s)", mi->name, mi->arity > 1 ? " and " : "",
                   mi->what, mi->name, fn == MF_NTH_KEY ? ", 0" : mi->arity > 1 ? ", price" : "");
        return T_ERROR;
    }
    for (ast_arg *g = first; g; g = g->next)
        if (g->name) {
            diag_error(S->d, g->name_loc, "'%s' takes no named arguments", mi->name);
            return T_ERROR;
        }
    char use[48];
    snprintf(use, sizeof use, fn == MF_GET ? "[KEY]" : "'%s'", mi->name);
    const state_map *m = map_named(S, first->value->text, first->value->loc, use);
    if (!m) return T_ERROR;
    first->value->u.name.scope = SCOPE_MAP;
    first->value->type = m->value;
    e->u.call.mapfn = fn;
    e->u.call.map = m;
    e->u.call.builtin = -1;
    if (fn == MF_DELETE && !statement) {
        diag_error(S->d, e->loc, "delete(...) is a statement and gives no value: write it on a line of its own");
        return T_ERROR;
    }
    if (fn == MF_DELETE && map_changes_in_loop(S, m, e->loc)) return T_ERROR;
    ast_expr *arg = first->next ? first->next->value : NULL;
    if (fn == MF_NTH_KEY) {
        type_id t = check_expr(S, arg, rec);
        settle(S, arg, T_I64);
        if (t != T_ERROR && !type_is_int(arg->type)) {
            diag_error(S->d, arg->loc, "nth_key needs an integer rank (0 is the smallest key), found %s", type_name(arg->type));
            return T_ERROR;
        }
    } else if (arg && !check_map_key(S, m, arg, rec)) {
        return T_ERROR;
    }
    switch ((map_fn)fn) {
    case MF_GET: return m->value;
    case MF_HAS: return T_BOOL;
    case MF_LEN: return T_I64;
    case MF_MIN_KEY: case MF_MAX_KEY: case MF_NTH_KEY: return m->key;
    default: return T_BOOL;   /* delete: a statement, never read */
    }
}

/* MAP[KEY] = V, += V, ...: the key, then the value (`op=` is checked as MAP[KEY] op V). */
static void check_map_assign(sema *S, ast_stmt *st, const rectype *rec)
{
    const state_map *m = map_named(S, st->name, st->name_loc, "[KEY]");
    if (!m || map_changes_in_loop(S, m, st->name_loc) || !check_map_key(S, m, st->index, rec)) return;
    st->map = m;
    if (!st->plain) {   /* the read of the key's value: MAP[KEY] */
        ast_expr *get = arena_alloc(S->a, sizeof *get);
        *get = (ast_expr){.kind = E_CALL, .loc = st->name_loc, .text = st->name, .type = m->value, .depth = st->index->depth + 1};
        get->u.call.args = arena_alloc(S->a, sizeof(ast_arg));
        get->u.call.args->value = arena_alloc(S->a, sizeof(ast_expr));
        *get->u.call.args->value = (ast_expr){.kind = E_NAME, .loc = st->name_loc, .text = st->name, .type = m->value};
        get->u.call.args->value->u.name.scope = SCOPE_MAP;
        get->u.call.args->next = arena_alloc(S->a, sizeof(ast_arg));
        get->u.call.args->next->value = st->index;
        get->u.call.nargs = 2;
        get->u.call.index = true;
        get->u.call.in_place = true;   /* the emitter's *mslot: the node op= stores to */
        get->u.call.mapfn = MF_GET;
        get->u.call.map = m;
        get->u.call.builtin = -1;
        ast_expr *bin = arena_alloc(S->a, sizeof *bin);
        *bin = (ast_expr){.kind = E_BINARY, .loc = st->loc, .depth = ast_depth_above(get, st->value)};
        bin->u.bin.op = st->op;
        bin->u.bin.lhs = get;
        bin->u.bin.rhs = st->value;
        st->value = bin;
    }
    check_expr(S, st->value, rec);   /* op=: checks the key again, quietly, as it passed once */
    settle(S, st->value, m->value == T_F64 ? T_F64 : m->value);
    type_id vt = st->value->type;
    if (vt != T_ERROR && !storable(vt, m->value))
        diag_error(S->d, st->value->loc, "cannot store %s in '%s', whose values are %s", type_name(vt), m->name, type_name(m->value));
}

/* for KEY, VALUE in MAP [desc] limit N { ... }: the map's first N keys in order
 * (desc: its last N, largest first), each with its value, as two locals. */
static void check_for(sema *S, ast_stmt *st, const rectype *rec, ast_op *o, rectype **out)
{
    block_scope *sc = S->scope;
    if (strcmp(st->word, "in")) {
        diag_error(S->d, st->word_loc, "expected 'in' after 'for %s, %s', found '%s'", st->name, st->name2, st->word);
        return;
    }
    if (st->order && strcmp(st->order, "desc")) {
        diag_error(S->d, st->order_loc, "expected 'desc' or 'limit' after the map, found '%s'", st->order);
        return;
    }
    if (st->limit_missing) {
        diag_error(S->d, st->limit_loc, "a for over a map needs a bound before '{': for %s, %s in %s%s%s limit N { ... }", st->name,
                   st->name2, st->value->text, st->order ? " " : "", st->order ? st->order : "");
        return;
    }
    if (st->limit < 1 || st->limit > 1000000) {
        diag_error(S->d, st->limit_loc, "a for's limit is from 1 to 1000000 entries, found %llu", st->limit);
        return;
    }
    const state_map *m = map_named(S, st->value->text, st->value->loc, "'for ... in'");
    if (!m) return;
    st->map = m;
    if (!strcmp(st->name, st->name2)) {
        diag_error(S->d, st->name2_loc, "the key and the value need two names; both are '%s'", st->name);
        return;
    }
    int depth = sc->nvisible;
    if (name_taken(S, rec, st->name, st->name_loc) || name_taken(S, rec, st->name2, st->name2_loc)) return;
    st->slot = add_local(S, o, st->name, m->key);
    add_local(S, o, st->name2, m->value);   /* slot + 1 */
    map_loop here = {m, st->loc, sc->loops};
    sc->loops = &here;
    check_stmts(S, st->then, rec, o, out);
    sc->loops = here.up;
    sc->nvisible = depth;
}

/* A select's or emit's items with their objects flattened, in order: each leaf is
 * named by its path (`device: { id }` gives `device.id`, which copies `id`), and
 * nest is the number of objects it sits in; a lone NAME of an object of the
 * record copies the whole object. Reports an empty object and a name
 * given twice in one object; a name given twice at the top, both plain fields,
 * is the caller's to report, and the second of two is left out. */
static bool names_variable(sema *S, const char *name)
{
    const block_scope *sc = S->scope;
    if (!sc) return false;
    for (int v = 0; v < sc->nvisible; v++)
        if (!strcmp(sc->op->locals[sc->visible[v]], name)) return true;
    return rectype_find(sc->state, name) >= 0;
}

static ast_item *flat_leaf(sema *S, const ast_item *it, const char *name, int nest, ast_item ***tail)
{
    ast_item *leaf = arena_alloc(S->a, sizeof *leaf);
    *leaf = *it;
    leaf->name = name;
    leaf->nest = nest;
    leaf->next = NULL;
    **tail = leaf;
    *tail = &leaf->next;
    return leaf;
}

/* A lone NAME that names an object of the record (or a joined table's row):
 * a leaf for each of its fields, under the same name. False when it names none. */
static bool copy_object(sema *S, const ast_item *it, const rectype *rec, const char *path, int nest, ast_item ***tail)
{
    size_t n = strlen(it->name);
    if (it->value || it->object || rectype_find(rec, it->name) >= 0 || names_variable(S, it->name)) return false;
    bool any = false;
    for (int k = 0; k < rec->nfields; k++) {
        const field *f = &rec->fields[k];
        if (strncmp(f->name, it->name, n) || f->name[n] != '.') continue;
        ast_item *leaf = flat_leaf(S, it, nest ? arena_printf(S->a, "%s.%s", path, f->name) : f->name, nest + (f->nest ? f->nest : 1), tail);
        leaf->value = arena_alloc(S->a, sizeof(ast_expr));
        *leaf->value = (ast_expr){.kind = E_NAME, .loc = it->loc, .text = f->name};
        any = true;
    }
    return any;
}

static void flatten_object(sema *S, ast_item *items, const rectype *rec, const char *path, int nest, const char *what, ast_item ***tail)
{
    int nobjects = 0;
    for (ast_item *it = items; it; it = it->next) {
        bool twice = false;
        for (ast_item *p = items; p != it && !twice && (nest || it->object || nobjects); p = p->next)
            twice = !strcmp(p->name, it->name) && (nest || it->object || p->object);
        nobjects += it->object;
        if (twice) {
            if (nest) diag_error(S->d, it->loc, "key '%s' appears twice in object '%s'", it->name, path);
            else diag_error(S->d, it->loc, "field '%s' appears twice in this %s", it->name, what);
            continue;
        }
        const char *name = nest ? arena_printf(S->a, "%s.%s", path, it->name) : it->name;
        if (it->object) {
            if (!it->members)
                diag_error(S->d, it->brace, "object '%s' is empty; an object holds one field or more, as in %s: { id: device_id }", name,
                           it->name);
            flatten_object(S, it->members, rec, name, nest + 1, what, tail);
            continue;
        }
        if (copy_object(S, it, rec, path, nest, tail)) continue;
        ast_item *leaf = flat_leaf(S, it, name, nest, tail);
        if (!leaf->value) {   /* `name` alone copies the field (or, in an emit, the variable) of that name */
            leaf->value = arena_alloc(S->a, sizeof(ast_expr));
            *leaf->value = (ast_expr){.kind = E_NAME, .loc = it->loc, .text = it->name};
        }
    }
}

static ast_item *flatten_items(sema *S, ast_item *items, const rectype *rec, const char *what)
{
    ast_item *flat = NULL, **tail = &flat;
    flatten_object(S, items, rec, NULL, 0, what, &tail);
    return flat;
}

static void check_emit(sema *S, ast_stmt *st, const rectype *rec, ast_op *o, rectype **out)
{
    rectype *r = *out;
    bool first = r->nfields == 0 && !r->loc.line;
    if (first) r->loc = st->loc;
    int i = 0;
    st->items = flatten_items(S, st->items, rec, "emit");
    for (ast_item *it = st->items; it; it = it->next, i++) {
        check_expr(S, it->value, rec);
        settle(S, it->value, T_I64);
        type_id t = it->value->type;
        if (first) {
            if (rectype_find(r, it->name) >= 0) diag_error(S->d, it->loc, "field '%s' appears twice in this emit", it->name);
            field fl = {it->name, t, it->loc, NULL, it->nest};
            PUSH(S->a, r->fields, r->nfields, fl);
            r->has_str |= t == T_STR;
        } else if (i >= r->nfields) {
            diag_error(S->d, it->loc, "every emit of a block makes the same record: this emit has more fields than the one at line %u (%d)",
                       r->loc.line, r->nfields);
            return;
        } else if (strcmp(r->fields[i].name, it->name) ||
                   (t != T_ERROR && r->fields[i].type != T_ERROR && r->fields[i].type != t)) {
            diag_error(S->d, it->loc, "every emit of a block makes the same record: this is field %d, '%s: %s'; the emit at line %u has '%s: %s'",
                       i + 1, it->name, type_name(t), r->loc.line, r->fields[i].name, type_name(r->fields[i].type));
            return;
        }
    }
    if (!first && i != r->nfields)
        diag_error(S->d, st->loc, "every emit of a block makes the same record: this emit has %d fields, the one at line %u has %d",
                   i, r->loc.line, r->nfields);
    (void)o;
}

static void check_stmt(sema *S, ast_stmt *st, const rectype *rec, ast_op *o, rectype **out)
{
    block_scope *sc = S->scope;
    switch (st->kind) {
    case S_IF: {
        type_id c = check_expr(S, st->value, rec);
        if (c != T_ERROR && c != T_BOOL) diag_error(S->d, st->value->loc, "'if' needs a bool condition, found %s", type_name(c));
        check_stmts(S, st->then, rec, o, out);
        check_stmts(S, st->otherwise, rec, o, out);
        break;
    }
    case S_EMIT:
        check_emit(S, st, rec, o, out);
        break;
    case S_LET:
        check_expr(S, st->value, rec);
        settle(S, st->value, T_I64);
        if (name_taken(S, rec, st->name, st->name_loc)) break;
        st->slot = add_local(S, o, st->name, st->value->type);
        st->is_local = true;
        break;
    case S_CALL:
        if (!strcmp(st->value->text, "delete")) {
            check_map_call(S, st->value, rec, true);
            break;
        }
        diag_error(S->d, st->value->loc, "'%s(...)' is a value, not a statement: use it in a let, an emit or an assignment "
                   "(delete(MAP, KEY) is the one call that stands alone)", st->value->text);
        break;
    case S_FOR:
        check_for(S, st, rec, o, out);
        break;
    case S_ASSIGN: {
        if (st->index) {
            check_map_assign(S, st, rec);
            break;
        }
        /* only state variables and lets can change; `x op= v` is checked as `x op v` */
        if (state_map_find(sc->state, st->name)) {
            diag_error(S->d, st->name_loc, "'%s' is a map: assign one key's value, as in %s[KEY] %s%s V", st->name, st->name,
                       st->plain ? "" : binops[st->op].text, "=");
            break;
        }
        ast_expr *target = arena_alloc(S->a, sizeof *target);
        *target = (ast_expr){.kind = E_NAME, .loc = st->name_loc, .text = st->name};
        sc->target = target;
        type_id tt = check_name(S, target, rec);
        if (tt == T_ERROR) {
            sc->target = NULL;
            break;
        }
        if (target->u.name.scope == SCOPE_FIELD) {
            diag_error(S->d, st->name_loc, "'%s' is a field of the record, which a block cannot change; state variables and lets can be", st->name);
            break;
        }
        st->is_local = target->u.name.scope == SCOPE_LOCAL;
        st->slot = target->u.name.field;
        if (!st->plain) {
            ast_expr *bin = arena_alloc(S->a, sizeof *bin);
            *bin = (ast_expr){.kind = E_BINARY, .loc = st->loc};
            bin->u.bin.op = st->op;
            bin->u.bin.lhs = target;
            bin->u.bin.rhs = st->value;
            bin->depth = ast_depth_above(target, st->value);
            st->value = bin;
        }
        type_id vt = check_expr(S, st->value, rec);
        sc->target = NULL;
        settle(S, st->value, tt == T_F64 ? T_F64 : tt);
        vt = st->value->type;
        if (vt != T_ERROR && !storable(vt, tt))
            diag_error(S->d, st->value->loc, "cannot store %s in '%s', which is %s", type_name(vt), st->name, type_name(tt));
        break;
    }
    }
}

static void check_stmts(sema *S, ast_stmt *list, const rectype *rec, ast_op *o, rectype **out)
{
    int depth = S->scope->nvisible;   /* lets end with their block */
    for (ast_stmt *st = list; st; st = st->next) check_stmt(S, st, rec, o, out);
    S->scope->nvisible = depth;
}

static bool block_emits(const ast_stmt *list)
{
    for (; list; list = list->next)
        if (list->kind == S_EMIT || ((list->kind == S_IF || list->kind == S_FOR) && (block_emits(list->then) || block_emits(list->otherwise))))
            return true;
    return false;
}

/* by K, ...: each key names a field of the input, and none twice (a group
 * would write the column twice). */
static void check_keys(sema *S, const ast_op *o, const rectype *rec)
{
    for (ast_arg *g = o->keys; g; g = g->next) {
        g->value->type = check_name(S, g->value, rec);
        for (const ast_arg *h = o->keys; h != g; h = h->next)
            if (!strcmp(h->value->text, g->value->text)) {
                diag_error(S->d, g->value->loc, "key '%s' is named twice", g->value->text);
                break;
            }
    }
}

/* NAME: map[K]V in a state block: K one of the types that order (not bool or a
 * 32-bit integer: they would add nothing), V any scalar type. */
static void check_state_map(sema *S, const ast_field *f, const rectype *rec, rectype *state)
{
    type_id k = T_ERROR, v = T_ERROR;
    if (strcmp(f->type, "map")) {
        diag_error(S->d, f->type_loc, "'%s[...]': the one type with brackets is map[KEY]VALUE", f->type);
        return;
    }
    if (!type_lookup(f->key_type, &k) || !(k == T_I64 || k == T_U64 || k == T_F64 || k == T_TIME || k == T_STR)) {
        diag_error(S->d, f->key_loc, "a map's keys are i64, u64, f64, time or str, found '%s'", f->key_type);
        return;
    }
    if (!type_lookup(f->value_type, &v)) {
        diag_error(S->d, f->value_loc, "unknown type '%s' for a map's values; types are bool, i32, i64, u32, u64, f64, str, time",
                   f->value_type);
        return;
    }
    if (rectype_find(rec, f->name) >= 0 || rectype_find(state, f->name) >= 0 || state_map_find(state, f->name)) {
        diag_error(S->d, f->loc, "'%s' is %s; pick another name", f->name,
                   rectype_find(rec, f->name) >= 0 ? "a field of the record" : "a state variable already");
        return;
    }
    state_map m = {f->name, k, v, f->loc, arena_printf(S->a, "%s_%s", state->cname, f->name)};
    PUSH(S->a, state->maps, state->nmaps, m);
}

/* by KEY, ... state { v: T = init, ... } { statements }: per key, state that the
 * block reads and changes for each record, and the records it emits. */
static rectype *check_keyed(sema *S, node *n, ast_op *o, const rectype *rec, rectype *out)
{
    check_keys(S, o, rec);
    rectype *state = arena_alloc(S->a, sizeof *state);
    state->name = arena_printf(S->a, "state of %s", n->name);
    state->cname = arena_printf(S->a, "state_%s", out->cname + 4);
    state->loc = o->loc;
    for (ast_field *f = o->state; f; f = f->next) {
        if (f->key_type) {
            check_state_map(S, f, rec, state);
            continue;
        }
        type_id t;
        if (!type_lookup(f->type, &t)) {
            diag_error(S->d, f->type_loc, "unknown type '%s'; types are bool, i32, i64, u32, u64, f64, str, time", f->type);
            t = T_ERROR;
        }
        if (rectype_find(rec, f->name) >= 0 || rectype_find(state, f->name) >= 0 || state_map_find(state, f->name))
            diag_error(S->d, f->loc, "'%s' is %s; pick another name", f->name,
                       rectype_find(rec, f->name) >= 0 ? "a field of the record" : "a state variable already");
        check_literal_init(S, f, t, false);
        field fl = {f->name, t, f->loc, NULL, 0};
        PUSH(S->a, state->fields, state->nfields, fl);
        state->has_str |= t == T_STR;
    }
    o->state_type = state;
    if (!block_emits(o->body)) diag_error(S->d, o->loc, "this block never emits a record; add emit { ... }");
    block_scope sc = {.state = state, .op = o, .prev = o->kind == OP_DELTA ? rec : NULL};
    sc.state_read = arena_alloc(S->a, sizeof *sc.state_read * (size_t)(state->nfields + 1));
    S->scope = &sc;
    check_stmts(S, o->body, rec, o, &out);
    S->scope = NULL;
    for (int i = 0; i < state->nfields; i++)
        if (!sc.state_read[i])
            diag_warning(S->d, state->fields[i].loc, "state variable '%s' is never read: it only changes", state->fields[i].name);
    if (state->nfields || state->nmaps) PUSH(S->a, S->p->types, S->p->ntypes, state);
    return out;
}

static rectype *check_group(sema *S, node *n, ast_op *o, const rectype *rec, rectype *out);

/* N UNIT, from 1 ms to 365 days; sets d->ms. */
static bool check_duration(sema *S, ast_duration *d, const char *what)
{
    long long unit = d->unit ? time_unit_ms(d->unit, strlen(d->unit)) : 0;
    if (unit <= 0) {
        diag_error(S->d, d->unit_loc, "%s takes a unit: ms, s, m, h or d", what);
        return false;
    }
    if (d->n <= 0 || d->n > 365LL * 86400000 / unit) {
        diag_error(S->d, d->loc, "%s is from 1 ms to 365 days", what);
        return false;
    }
    d->ms = d->n * unit;
    return true;
}

static void check_time_field(sema *S, ast_expr *f, const rectype *rec, const char *what)
{
    type_id tt = check_name(S, f, rec);
    if (tt != T_ERROR && tt != T_TIME)
        diag_error(S->d, f->loc, "%s needs a time field, and '%s' is %s", what, f->text, type_name(tt));
}

/* throttle N every M UNIT [by K, ...] [on TIME]: per key, at most N records in
 * each span of M UNIT (aligned to multiples of it), of event time TIME or, without
 * `on`, of the clock; the rest are held back and counted. */
static void check_throttle(sema *S, ast_op *o, const rectype *rec)
{
    check_keys(S, o, rec);
    if (o->limit == 0 || o->limit > UINT32_MAX)
        diag_error(S->d, o->word_loc, "throttle lets from 1 to %u records through per span", UINT32_MAX);
    check_duration(S, &o->size, "a throttle's span");
    if (o->time_field) check_time_field(S, o->time_field, rec, "'on'");
}

/* sample every N, or sample FRACTION [seed S]: deterministic thinning. */
static void check_sample(sema *S, ast_op *o)
{
    if (o->word && strcmp(o->word, "seed"))
        diag_error(S->d, o->word_loc, "expected 'seed' after the fraction, as in: sample 0.1 seed 42");
    if (o->sample_every && !o->limit)
        diag_error(S->d, o->word_loc, "sample every N needs N of 1 or more");
    if (!o->sample_every && (o->fraction <= 0.0 || o->fraction > 1.0))
        diag_error(S->d, o->word_loc, "a sampled fraction lies above 0 and at most 1, such as 0.1");
}

/* limit N: it counts the records of each set a group or window sends (a
 * group's whole table, a window's closing together), so one must come before
 * it in the stage: a stream without such sets never ends to be counted. */
static void check_limit(sema *S, const ast_decl *d, const ast_op *o)
{
    const ast_op *batch = NULL;
    for (const ast_op *p = d->ops; p && p != o; p = p->next)
        if (p->kind == OP_GROUP || p->kind == OP_WINDOW) batch = p;
    if (!batch)
        diag_error(S->d, o->loc, "'limit' needs a group or window before it in this stage: it keeps the first N records "
                                 "of each set they send, and an unbounded stream has no such set");
    else if (!o->limit)
        diag_error(S->d, o->word_loc, "limit N needs N of 1 or more");
}

/* sort by FIELD [desc], ...: it holds each set a group or window sends, whose
 * strings live in the group's or window's table until the set is sent; so
 * only where, limit or another sort may come between. */
static void check_sort(sema *S, const ast_decl *d, ast_op *o, const rectype *rec)
{
    bool after_batch = false;
    for (const ast_op *p = d->ops; p && p != o; p = p->next) {
        if (p->kind == OP_GROUP || p->kind == OP_WINDOW) after_batch = true;
        else if (p->kind != OP_WHERE && p->kind != OP_LIMIT && p->kind != OP_SORT) after_batch = false;
    }
    if (!after_batch)
        diag_error(S->d, o->loc, "'%s' needs a group or window before it in this stage (with only where, limit or sort "
                                 "between): it orders each set of records they send, and an unbounded stream cannot be sorted",
                   o->word ? "top" : "sort");
    if (o->word && !o->limit) diag_error(S->d, o->word_loc, "top N needs N of 1 or more");
    if (!o->word && o->next && o->next->kind == OP_LIMIT) o->limit = o->next->limit;   /* sort | limit N: hold at most 2N */
    for (ast_arg *g = o->keys; g; g = g->next) {
        g->value->type = check_name(S, g->value, rec);
        if (!g->order) continue;
        if (!strcmp(g->order, "desc")) g->desc = true;
        else if (strcmp(g->order, "asc"))
            diag_error(S->d, g->order_loc, "expected 'desc' or 'asc' after the sort key '%s', found '%s'", g->value->text, g->order);
    }
}

/* A stream a route or a window makes: its name must be new among streams and sinks. */
static bool new_stream_name(sema *S, const char *name, srcloc at)
{
    node *old = find_stream(S, name);
    ast_decl *d = find_decl(S, name, false, NULL);
    if (old || d) {
        diag_error(S->d, at, "'%s' is already declared as a %s at line %u", name, old ? node_word(old) : decl_word(d->kind),
                   old ? old->loc.line : d->loc.line);
        return false;
    }
    return true;
}

/* A stream fed from inside `owner`'s operators (a window's late records, a
 * route's branch), of records `type`; added to the program after its owner. */
static node *side_stream(sema *S, node *owner, const char *name, srcloc at, rectype *type)
{
    if (!new_stream_name(S, name, at)) return NULL;
    node *s = arena_alloc(S->a, sizeof *s);
    s->kind = D_STAGE;
    s->name = name;
    s->loc = at;
    s->decl = owner->decl;
    s->input = owner;
    s->owner = owner;
    s->type = type;
    s->opt.wait = WAIT_INHERIT;
    s->opt.cpu = -1;
    PUSH(S->a, S->pending, S->npending, s);
    map_put(S->a, &S->streams, name, s);   /* known at once: two branches may not share a name */
    PUSH(S->a, owner->sides, owner->nsides, s);
    return s;
}

/* window T every N UNIT [slide M UNIT], window T gap N UNIT or window count N,
 * then [lateness N UNIT] [late STREAM] [by K, ...] { aggregates }. T `now` (when
 * the record has no field of that name) is processing time. The output: the
 * keys, window_start and window_end (not for count windows), the aggregates. */
static rectype *check_window(sema *S, node *n, ast_op *o, const rectype *rec, rectype *out)
{
    const char *kinds = "window TIME every N UNIT, window TIME gap N UNIT or window count N";
    if (o->wkind == W_COUNT) {
        if (strcmp(o->word, "count"))
            diag_error(S->d, o->word_loc, "expected 'every' or 'gap' after the time field, or 'count N': %s", kinds);
        else if (o->size.n <= 0 || o->size.n > (1LL << 32))
            diag_error(S->d, o->size.loc, "a count window holds from 1 to %lld records", 1LL << 32);
    } else {
        if (o->wkind == W_SESSION && strcmp(o->word, "gap"))
            diag_error(S->d, o->word_loc, "expected 'every' or 'gap' after the time field: %s", kinds);
        if (!strcmp(o->time_field->text, "now") && rectype_find(rec, "now") < 0) o->time_field = NULL;   /* processing time */
        else check_time_field(S, o->time_field, rec, "a window");
        check_duration(S, &o->size, o->wkind == W_SESSION ? "a session's gap" : "a window's length");
    }
    o->slide_ms = o->size.ms;
    /* the options, by their place in `words`; only `late` names a stream */
    static const char *const words[] = {"slide", "lateness", "late", "ahead"}, *const what[] = {"a window's slide",
                                        "a window's lateness", NULL, "a window's 'ahead' bound"};
    enum { MOD_SLIDE, MOD_LATENESS, MOD_LATE, MOD_AHEAD, NMODS };
    const ast_wmod *seen[NMODS] = {0};
    for (ast_wmod *m = o->wmods; m; m = m->next) {
        int k = 0;
        while (k < NMODS && strcmp(m->word, words[k])) k++;
        if (k == NMODS || (k == MOD_LATE) != (m->name != NULL)) {
            diag_error(S->d, m->loc, "expected a window option: slide N UNIT, lateness N UNIT, ahead N UNIT or late STREAM");
            continue;
        }
        if (seen[k]) {
            diag_error(S->d, m->loc, "a second '%s' for this window; the first is at column %u", m->word, seen[k]->loc.col);
            continue;
        }
        seen[k] = m;
        if (k != MOD_LATE && !check_duration(S, &m->d, what[k])) continue;
        if (k == MOD_SLIDE) {
            if (o->wkind != W_TUMBLING)
                diag_error(S->d, m->loc, "only 'every' windows slide: window TIME every N UNIT slide M UNIT");
            else if (m->d.ms > o->size.ms || o->size.ms % m->d.ms)
                diag_error(S->d, m->d.loc, "a window's slide must divide its length (%lld ms) evenly", o->size.ms);
            else if (o->size.ms / m->d.ms > 1024)
                diag_error(S->d, m->d.loc, "a record would fall in %lld windows; a slide makes at most 1024 windows overlap",
                           o->size.ms / m->d.ms);
            else {
                o->slide_ms = m->d.ms;
                if (o->slide_ms < o->size.ms) o->wkind = W_SLIDING;
            }
        } else if (o->wkind == W_COUNT || !o->time_field) {
            diag_error(S->d, m->loc, "%s windows have no late records; '%s' needs event time",
                       o->wkind == W_COUNT ? "count" : "processing-time", m->word);
        } else if (k == MOD_LATENESS) {
            o->lateness_ms = m->d.ms;
        } else if (k == MOD_AHEAD) {
            o->ahead = m->d;
        } else {
            o->late = side_stream(S, n, m->name, m->name_loc, (rectype *)rec);
        }
    }
    /* keys first, then the window's bounds, then the aggregates: reuse group's check */
    rectype *keys_only = arena_alloc(S->a, sizeof *keys_only);
    *keys_only = *out;
    ast_item *items = o->items;
    o->items = NULL;
    check_group(S, n, o, rec, keys_only);
    o->items = items;
    *out = *keys_only;
    field start = {"window_start", T_TIME, o->loc, NULL, 0}, end = {"window_end", T_TIME, o->loc, NULL, 0};
    if (o->wkind != W_COUNT) {
        PUSH(S->a, out->fields, out->nfields, start);
        PUSH(S->a, out->fields, out->nfields, end);
    }
    rectype *aggs = arena_alloc(S->a, sizeof *aggs);
    aggs->name = out->name;
    ast_arg *keys = o->keys;
    o->keys = NULL;
    check_group(S, n, o, rec, aggs);
    o->keys = keys;
    rectype keys_and_bounds = *out;   /* an aggregate named like another is check_group's to report */
    for (int i = 0; i < aggs->nfields; i++) {
        if (rectype_find(&keys_and_bounds, aggs->fields[i].name) >= 0)
            diag_error(S->d, aggs->fields[i].loc, "field '%s' appears twice in this window", aggs->fields[i].name);
        PUSH(S->a, out->fields, out->nfields, aggs->fields[i]);
    }
    out->has_str |= aggs->has_str;
    return out;
}

/* dedup by K, ... [on F, ...]: the record passes unchanged when its `on` fields
 * (by default all fields but the keys) differ from the last record of its key. */
static void check_dedup(sema *S, ast_op *o, const rectype *rec)
{
    check_keys(S, o, rec);
    for (ast_arg *g = o->on; g; g = g->next) g->value->type = check_name(S, g->value, rec);
    ast_wmod *w = o->wmods;
    if (w) {
        /* within N UNIT [of TIME]: the grammar keeps `of` as a second modifier */
        if (strcmp(w->word, "within"))
            diag_error(S->d, w->loc, "expected 'within N UNIT' after a dedup, as in: dedup by host on status within 5 m");
        else if (w->next && strcmp(w->next->word, "of"))
            diag_error(S->d, w->next->loc, "expected 'of TIME' after the span, as in: within 5 m of ts");
        else if (check_duration(S, &w->d, "a dedup's span")) {
            o->size = w->d;
            if (w->next) {
                o->time_field = arena_alloc(S->a, sizeof *o->time_field);
                *o->time_field = (ast_expr){.kind = E_NAME, .loc = w->name_loc, .text = w->name};
                check_time_field(S, o->time_field, rec, "'of'");
            }
        }
    }
    if (o->on) return;
    for (int i = 0; i < rec->nfields; i++) {
        bool is_key = false;
        for (ast_arg *g = o->keys; g; g = g->next) is_key |= !strcmp(g->value->text, rec->fields[i].name);
        if (is_key || (strchr(rec->fields[i].name, '.') && !rec->fields[i].nest)) continue;   /* a joined row's fields follow from the join's key */
        ast_expr *ref = arena_alloc(S->a, sizeof *ref);
        *ref = (ast_expr){.kind = E_NAME, .loc = o->loc, .text = rec->fields[i].name, .type = rec->fields[i].type};
        ref->u.name.field = i;
        ast_arg *arg = arena_alloc(S->a, sizeof *arg);
        arg->value = ref;
        AST_APPEND(ast_arg, o->on, arg);
    }
}

/* group [by K, ...] { name: aggregate(expr), ... }: the output has the key
 * fields first, then one field per aggregate, one record per key. */
static rectype *check_group(sema *S, node *n, ast_op *o, const rectype *rec, rectype *out)
{
    check_keys(S, o, rec);
    for (ast_arg *g = o->keys; g; g = g->next) {
        type_id t = g->value->type;
        field fl = {g->value->text, t, g->value->loc, NULL, 0};
        PUSH(S->a, out->fields, out->nfields, fl);
        out->has_str |= t == T_STR;
    }
    for (ast_item *it = o->items; it; it = it->next) {
        if (it->object) {
            object_refused(S, it, o->kind == OP_WINDOW ? "a window" : "a group", "NAME: AGGREGATE(EXPR) items");
            continue;
        }
        ast_expr *call = it->value;
        type_id t = T_ERROR;
        int id = call && call->kind == E_CALL ? aggregate_lookup(call->text) : -1;
        if (rectype_find(out, it->name) >= 0)
            diag_error(S->d, it->loc, "field '%s' appears twice in this %s", it->name, o->kind == OP_WINDOW ? "window" : "group");
        if (id < 0) {
            suggest sg = {.word = call && call->kind == E_CALL ? call->text : ""};
            for (int k = 0; k < A_COUNT; k++) suggest_try(&sg, aggregates[k].name);
            diag_error(S->d, call ? call->loc : it->loc, "expected an aggregate: count(), sum, avg, min, max, first, last, var, stddev, p50, p90, p95, p99 or p999 of a value%s",
                       hint(S, &sg));
        } else if (call->u.call.nargs != aggregates[id].arity) {
            diag_error(S->d, call->loc, "'%s' takes %d argument%s, found %d", call->text, aggregates[id].arity,
                       aggregates[id].arity == 1 ? "" : "s", call->u.call.nargs);
        } else {
            call->u.call.builtin = id;
            type_id at = T_U64;
            if (aggregates[id].arity) {
                ast_expr *arg = call->u.call.args->value;
                at = check_expr(S, arg, rec);
                settle(S, arg, T_I64);
                at = arg->type;
                /* min, max, first and last keep a value of the argument's type: a str too (its own copy) */
                bool same = aggregates[id].result == AR_SAME;
                bool ok = type_is_numeric(at) || (same && (at == T_TIME || at == T_STR)) ||
                          (at == T_BOOL && (id == A_first || id == A_last));
                if (at != T_ERROR && !ok)
                    diag_error(S->d, arg->loc, "'%s' needs a number%s, found %s", call->text,
                               !same ? "" : id == A_first || id == A_last ? ", time, bool or str" : ", time or str", type_name(at));
                if (!ok) at = T_ERROR;
            }
            switch (aggregates[id].result) {
            case AR_U64: t = T_U64; break;
            case AR_F64: t = at == T_ERROR ? T_ERROR : T_F64; break;
            case AR_SAME: t = at; break;
            case AR_SUM: t = at == T_ERROR ? T_ERROR : at == T_F64 ? T_F64 : scalar_types[at].is_signed ? T_I64 : T_U64; break;
            }
            call->type = t;
        }
        field fl = {it->name, t, it->loc, NULL, 0};
        PUSH(S->a, out->fields, out->nfields, fl);
        out->has_str |= t == T_STR;
    }
    return out;
}

/* What a merge-stage error calls each operator that keeps state across records. */
static const char *const stateful_op_words[] = {
    [OP_SAMPLE] = "sample", [OP_KEYED] = "keyed state", [OP_DELTA] = "delta", [OP_GROUP] = "group",
    [OP_DEDUP] = "dedup", [OP_WINDOW] = "window", [OP_THROTTLE] = "throttle", [OP_JOIN] = "join",   /* its counters */
};

/* A merge's operators run on each input's thread, so one with state would be split. */
static void check_stateless_in_merge(sema *S, const node *n, const ast_op *o)
{
    size_t nwords = sizeof stateful_op_words / sizeof stateful_op_words[0];
    const char *word = (size_t)o->kind < nwords ? stateful_op_words[o->kind] : NULL;
    if (n->ninputs > 0 && word)
        diag_error(S->d, o->loc, "%s in a merge would be split between its inputs' threads; keep it in a stage that reads '%s'",
                   word, n->name);
}

/* ---- lookup tables and joins ------------------------------------------------------ */

static void check_table_keys(sema *S, node *n, ast_decl *d);

/* table NAME = file("PATH") as csv(Schema, ...) | jsonl(Schema) by KEY | by (KEY, ...):
 * read whole before any stream starts; its key fields are found in the schema. */
static void check_table(sema *S, node *n, ast_decl *d)
{
    char what[160];
    snprintf(what, sizeof what, "table '%s'", d->name);
    check_options(S, &n->opt, d->options, 0, what, NULL);
    PUSH(S->a, S->p->tables, S->p->ntables, n);
    map_put(S->a, &S->tables, n->name, n);
    ast_expr *f = d->format;
    if (f->kind != E_CALL || (strcmp(f->text, "csv") && strcmp(f->text, "jsonl")) || !f->u.call.args || f->u.call.args->name ||
        f->u.call.args->value->kind != E_NAME) {
        diag_error(S->d, f->loc, "expected csv(Schema, header: true|false) or jsonl(Schema) as the format of table '%s'%s", d->name,
                   f->kind == E_CALL && !strcmp(f->text, "lines") ? ", not lines" : "");
        return;
    }
    check_source(S, n, d);
    if (n->endpoint != EP_FILE || n->path_env)
        diag_error(S->d, d->endpoint->loc, "a table is read whole from a file before the streams start: write file(\"PATH\") "
                   "as the input of table '%s'", d->name);
    check_table_keys(S, n, d);
}

/* table NAME = stream STREAM by KEY, ...: each key's latest record of the
 * stream. It is kept by the thread that computes the stream, and only joins
 * in that thread read it (plan.c says so where they cannot). */
static void check_stream_table(sema *S, node *n, ast_decl *d)
{
    char what[160];
    snprintf(what, sizeof what, "table '%s'", d->name);
    check_options(S, &n->opt, d->options, 0, what, NULL);
    PUSH(S->a, S->p->stream_tables, S->p->nstream_tables, n);
    map_put(S->a, &S->tables, n->name, n);
    if (strcmp(d->endpoint->text, "stream")) {
        diag_error(S->d, d->endpoint->loc, "expected `stream STREAM` (each key's latest record) or file(\"PATH\") as FORMAT as the "
                   "input of table '%s', found '%s'", d->name, d->endpoint->text);
        return;
    }
    node *in = n->input = resolve_input(S, d);
    if (!in || !in->type) return;
    n->type = in->type;
    check_table_keys(S, n, d);
}

/* A table's `by` fields, found in its record type. */
static void check_table_keys(sema *S, node *n, ast_decl *d)
{
    if (!n->type) return;
    for (ast_arg *g = d->keys; g; g = g->next) {
        int i = rectype_find(n->type, g->value->text);
        if (i < 0) {
            suggest s = {.word = g->value->text};
            for (int k = 0; k < n->type->nfields; k++) suggest_try(&s, n->type->fields[k].name);
            diag_error(S->d, g->value->loc, "table '%s' is keyed by '%s', which is no field of %s%s; its fields are: %s", d->name,
                       g->value->text, n->type->name, hint(S, &s), fields_list(S, n->type));
            g->value->type = T_ERROR;
            continue;
        }
        for (ast_arg *h = d->keys; h != g; h = h->next)
            if (!strcmp(h->value->text, g->value->text)) diag_error(S->d, g->value->loc, "key '%s' appears twice in table '%s'", g->value->text, d->name);
        g->value->u.name.scope = SCOPE_FIELD;
        g->value->u.name.field = i;
        g->value->type = n->type->fields[i].type;
    }
}

/* users.FIELD after `join users`: the field "users.FIELD" of the joined record.
 * The name is rewritten to that field's, so the emitter reads rec->users.FIELD.
 * False when the qualifier names no table: the caller reports it. */
static bool check_table_field(sema *S, ast_expr *e, const rectype *rec, type_id *t)
{
    size_t ql = strlen(e->qual);
    const char *full = arena_printf(S->a, "%s.%s", e->qual, e->text);
    int i = rectype_find(rec, full);
    if (i >= 0) {
        e->text = full;
        e->qual = NULL;
        e->u.name.scope = SCOPE_FIELD;
        e->u.name.field = i;
        *t = rec->fields[i].type;
        return true;
    }
    node *tab = map_get(&S->tables, e->qual);
    bool joined = false, object = false;
    suggest s = {.word = e->text};
    const char *under = "";   /* the object's fields (an error's text: built once) */
    for (int k = 0; k < rec->nfields; k++)
        if (!strncmp(rec->fields[k].name, e->qual, ql) && rec->fields[k].name[ql] == '.') {
            joined = true;
            object |= rec->fields[k].nest > 0;
            suggest_try(&s, rec->fields[k].name + ql + 1);
            under = arena_printf(S->a, "%s%s%s", under, *under ? ", " : "", rec->fields[k].name + ql + 1);
        }
    if (!joined && !tab) return false;
    *t = T_ERROR;
    if (object)
        diag_error(S->d, e->loc, "unknown field '%s' in object '%s' of record %s%s; its fields are: %s", e->text, e->qual, rec->name,
                   hint(S, &s), under);
    else if (joined)
        diag_error(S->d, e->loc, "unknown field '%s' in table '%s'%s; its fields are: %s", e->text, e->qual, hint(S, &s),
                   tab && tab->type ? fields_list(S, tab->type) : "");
    else
        diag_error(S->d, e->loc, "'%s.%s': table '%s' is not joined into record %s here; add `| join %s on KEY` before this",
                   e->qual, e->text, e->qual, rec->name, e->qual);
    return true;
}

static bool key_types_match(type_id a, type_id b)
{
    return a == b || (a == T_TIME && b == T_I64) || (a == T_I64 && b == T_TIME) || (type_is_int(a) && type_is_int(b));
}

/* join TABLE on KEY, ... [or default]: the record, then the table's fields as
 * TABLE.FIELD. Keys match the table's by position and type. */
static rectype *check_join(sema *S, ast_op *o, const rectype *rec, rectype *out)
{
    out->fields = NULL;
    out->nfields = 0;
    for (int i = 0; i < rec->nfields; i++) PUSH(S->a, out->fields, out->nfields, rec->fields[i]);
    out->has_str = rec->has_str;
    if (o->left && strcmp(o->wmods->word, "default"))
        diag_error(S->d, o->wmods->loc, "expected 'default' after 'or' (a left join: `join %s on KEY or default`), found '%s'",
                   o->word, o->wmods->word);
    node *tab = map_get(&S->tables, o->word);
    if (!tab) {
        ast_decl *other = find_decl(S, o->word, false, NULL);
        suggest s = {.word = o->word};
        for (int k = 0; k < S->p->ntables; k++) suggest_try(&s, S->p->tables[k]->name);
        if (other && other->kind == D_TABLE)
            diag_error(S->d, o->word_loc, "table '%s' is declared later, at line %u; declare it before the stage that joins it", o->word,
                       other->loc.line);
        else if (other)
            diag_error(S->d, o->word_loc, "'%s' is a %s, not a table; join reads a table, declared as: table NAME = file(\"PATH\") as csv(Schema, header: true) by KEY",
                       o->word, decl_word(other->kind));
        else
            diag_error(S->d, o->word_loc, "unknown table '%s'%s", o->word, hint(S, &s));
        return out;
    }
    tab->used = true;
    o->table = tab;
    if (!tab->type) return out;
    int nkeys = 0, ntab = 0;
    for (ast_arg *g = o->keys; g; g = g->next) nkeys++;
    for (ast_arg *g = tab->decl->keys; g; g = g->next) ntab++;
    char tkeys[512];
    size_t tk = 0;
    tkeys[0] = 0;
    for (ast_arg *g = tab->decl->keys; g && tk < sizeof tkeys - 80; g = g->next)
        tk += (size_t)snprintf(tkeys + tk, sizeof tkeys - tk, "%s%s: %s", tk ? ", " : "", g->value->text, type_name(g->value->type));
    if (nkeys != ntab) {
        diag_error(S->d, o->keys->value->loc, "join %s: %d key%s given, but table '%s' is keyed by %d field%s (%s); give one key for each, in that order",
                   o->word, nkeys, nkeys == 1 ? "" : "s", o->word, ntab, ntab == 1 ? "" : "s", tkeys);
    } else {
        ast_arg *h = tab->decl->keys;
        for (ast_arg *g = o->keys; g; g = g->next, h = h->next) {
            type_id t = check_name(S, g->value, rec);
            g->value->type = t;
            if (t == T_ERROR || h->value->type == T_ERROR || key_types_match(t, h->value->type)) continue;
            diag_error(S->d, g->value->loc, "join key '%s' is %s, but table '%s' is keyed by %s: %s; keys match the table's by position and type",
                       g->value->text, type_name(t), o->word, h->value->text, type_name(h->value->type));
        }
    }
    size_t ql = strlen(o->word);
    for (int i = 0; i < rec->nfields; i++)
        if (!strncmp(rec->fields[i].name, o->word, ql) && rec->fields[i].name[ql] == '.') {
            if (rec->fields[i].nest)
                diag_error(S->d, o->word_loc, "table '%s' would add its fields as %s.FIELD, but the record has an object '%s' (field '%s', line %u:%u); "
                           "name the object otherwise", o->word, o->word, o->word, rec->fields[i].name, rec->fields[i].loc.line, rec->fields[i].loc.col);
            else
                diag_error(S->d, o->word_loc, "table '%s' is joined into this record already (field '%s'); select what you need from it first",
                           o->word, rec->fields[i].name);
            return out;
        }
    for (int i = 0; i < tab->type->nfields; i++) {
        field f = tab->type->fields[i];
        f.name = arena_printf(S->a, "%s.%s", o->word, f.name);
        f.def = NULL;
        f.nest = 0;   /* a joined row is written flat, "users.name", whatever objects its record had */
        f.loc = o->loc;
        PUSH(S->a, out->fields, out->nfields, f);
    }
    out->has_str |= tab->type->has_str;
    return out;
}

/* merge(a, b, ...) on TIME [lateness: N UNIT]: TIME a time field of what the
 * merge sends on (its operators run before the reader orders the records). */
static void check_merge_order(sema *S, node *n, ast_decl *d)
{
    const ast_expr *on = d->merge_on;
    if (!n->ninputs) {
        diag_error(S->d, on->loc, "`on %s` orders the inputs of a merge, but stage '%s' reads one stream; write merge(a, b, ...) on %s",
                   on->text, n->name, on->text);
        return;
    }
    if (!n->type) return;
    int i = rectype_find(n->type, on->text);
    if (i < 0) {
        suggest s = {.word = on->text};
        for (int k = 0; k < n->type->nfields; k++) suggest_try(&s, n->type->fields[k].name);
        diag_error(S->d, on->loc, "merge on '%s': no field of %s%s; its fields are: %s", on->text, n->type->name, hint(S, &s),
                   fields_list(S, n->type));
        return;
    }
    if (n->type->fields[i].type != T_TIME) {
        diag_error(S->d, on->loc, "merge on '%s': the field is %s, but a merge orders by event time: a field of type time", on->text,
                   type_name(n->type->fields[i].type));
        return;
    }
    long long ms = 0;
    const ast_arg *g = d->merge_lateness;
    if (g && !duration_arg(S, g, "'lateness'", &ms)) return;
    n->ordered = true;
    n->order_field = i;
    n->order_lateness_ms = ms;
}

static void check_stage(sema *S, node *n, ast_decl *d)
{
    n->ops = d->ops;
    rectype *rec;
    if (d->input_spec->kind == E_NAME) {
        d->input = d->input_spec->text;
        d->input_loc = d->input_spec->loc;
        node *in = n->input = resolve_input(S, d);
        if (!in || !in->type) return;
        rec = in->type;
    } else {
        rec = check_merge(S, n, d->input_spec);
        if (!rec) return;
    }
    int nselect = 0;
    for (ast_op *o = d->ops; o; o = o->next)
        nselect += o->kind != OP_WHERE && o->kind != OP_DEDUP && o->kind != OP_THROTTLE && o->kind != OP_SAMPLE && o->kind != OP_LIMIT && o->kind != OP_SORT;
    int k = 0;
    for (ast_op *o = d->ops; o; o = o->next) {
        o->in = rec;
        check_stateless_in_merge(S, n, o);
        S->faults_ok = o->kind == OP_WHERE || o->kind == OP_SELECT, S->faults = 0;
        if (o->kind == OP_WHERE) {
            type_id t = check_expr(S, o->cond, rec);
            if (t != T_ERROR && t != T_BOOL)
                diag_error(S->d, o->cond->loc, "'where' needs a bool condition, found %s", type_name(t));
            o->faults = S->faults > 0;
            S->faults_ok = false;
        } else if (o->kind == OP_WINDOW) {
            rectype *out = check_window(S, n, o, rec, emit_type(S, d->name, o, ++k, nselect));
            PUSH(S->a, S->p->types, S->p->ntypes, out);
            rec = out;
        } else if (o->kind == OP_JOIN) {
            rectype *out = check_join(S, o, rec, emit_type(S, d->name, o, ++k, nselect));
            PUSH(S->a, S->p->types, S->p->ntypes, out);
            rec = out;
        } else if (o->kind == OP_DEDUP) {
            check_dedup(S, o, rec);
        } else if (o->kind == OP_GROUP) {
            rectype *out = check_group(S, n, o, rec, emit_type(S, d->name, o, ++k, nselect));
            PUSH(S->a, S->p->types, S->p->ntypes, out);
            rec = out;
        } else if (o->kind == OP_THROTTLE) {
            check_throttle(S, o, rec);
        } else if (o->kind == OP_SAMPLE) {
            check_sample(S, o);
        } else if (o->kind == OP_LIMIT) {
            check_limit(S, d, o);
        } else if (o->kind == OP_SORT) {
            check_sort(S, d, o, rec);
        } else if (o->kind == OP_KEYED || o->kind == OP_DELTA) {
            rectype *out = emit_type(S, d->name, o, ++k, nselect);
            out->loc = (srcloc){0, 0, 0};   /* the first emit sets it */
            out = check_keyed(S, n, o, rec, out);
            if (!out->loc.line) out->loc = o->loc;
            PUSH(S->a, S->p->types, S->p->ntypes, out);
            rec = out;
        } else {
            rectype *out = emit_type(S, d->name, o, ++k, nselect);
            o->items = flatten_items(S, o->items, rec, "select");
            for (ast_item *it = o->items; it; it = it->next) {
                check_expr(S, it->value, rec);
                settle(S, it->value, T_I64);
                type_id t = it->value->type;
                if (rectype_find(out, it->name) >= 0)
                    diag_error(S->d, it->loc, "field '%s' appears twice in this select", it->name);
                field fl = {it->name, t, it->loc, NULL, it->nest};
                PUSH(S->a, out->fields, out->nfields, fl);
                out->has_str |= t == T_STR;
            }
            o->faults = S->faults > 0;
            S->faults_ok = false;
            PUSH(S->a, S->p->types, S->p->ntypes, out);
            rec = out;
        }
        o->out = rec;
    }
    n->type = rec;
    if (d->merge_on) check_merge_order(S, n, d);
}


/* The path with "//" and "/./" taken out: "out/./x" and "out//x" are "out/x". */
static void lexical_path(const char *path, char *out, size_t cap)
{
    size_t k = 0;
    for (const char *c = path; *c && k + 1 < cap; c++) {
        if (*c == '/' && k && out[k - 1] == '/') continue;
        if (*c == '.' && (c == path || c[-1] == '/') && (c[1] == '/' || !c[1]) && (c != path || c[1])) {
            if (c[1]) c++;   /* "./": skip both */
            continue;
        }
        out[k++] = *c;
    }
    out[k] = 0;
}

/* Two paths name one file: the same device and inode when both exist (hard
 * links too), else the same text once "//" and "/./" are taken out. */
static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (stat(a, &sa) == 0 && stat(b, &sb) == 0) return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    char na[4096], nb[4096];
    lexical_path(a, na, sizeof na);
    lexical_path(b, nb, sizeof nb);
    return !strcmp(na, nb);
}

/* What cannot run, said at compile time: stdin read by two sources, and a
 * sink that would truncate a source's file before it is read. Sinks may
 * share a file, or stdout, with each other: they get one writer. */
static void check_endpoints_apart(sema *S, const program *p)
{
    const node *stdin_reader = NULL;   /* the first source on stdin */
    for (int i = 0; i < p->nsources; i++) {
        if (p->sources[i]->endpoint != EP_STDIN) continue;
        if (stdin_reader)
            diag_error(S->d, p->sources[i]->loc, "sources '%s' and '%s' both read stdin; only one source can",
                       stdin_reader->name, p->sources[i]->name);
        else
            stdin_reader = p->sources[i];
    }
    for (int i = 0; i < p->nsinks; i++) {
        const node *a = p->sinks[i];
        for (int j = 0; a->endpoint == EP_JOURNAL && j < i; j++)
            if (p->sinks[j]->endpoint == EP_JOURNAL && same_file(a->open_path, p->sinks[j]->open_path))
                diag_error(S->d, a->loc, "sinks '%s' (line %u) and '%s' both write journal \"%s\"; a journal has one writer",
                           p->sinks[j]->name, p->sinks[j]->loc.line, a->name, a->path);
        for (int j = 0; a->endpoint == EP_JOURNAL && j < p->nsources; j++)
            if (p->sources[j]->endpoint == EP_JOURNAL && same_file(a->open_path, p->sources[j]->open_path))
                diag_error(S->d, a->loc, "sink '%s' writes journal \"%s\", which source '%s' (line %u) reads: the pipeline would read its own output",
                           a->name, a->path, p->sources[j]->name, p->sources[j]->loc.line);
    }
    for (int i = 0; i < p->nsinks; i++)
        for (int j = 0; j < i; j++) {
            const node *a = p->sinks[j], *b = p->sinks[i];
            if (a->endpoint == EP_FILE && b->endpoint == EP_FILE && a->append != b->append && same_file(a->open_path, b->open_path))
                diag_error(S->d, b->loc, "sinks '%s' (line %u) and '%s' share \"%s\" but only one appends; give both append: %s",
                           a->name, a->loc.line, b->name, b->path, a->append ? "true" : "false");
        }
    for (int i = 0; i < p->nsinks; i++)
        for (int j = 0; j < p->nsources; j++) {
            const node *sink = p->sinks[i], *src = p->sources[j];
            if (sink->endpoint == EP_FILE && src->endpoint == EP_FILE && same_file(sink->open_path, src->open_path))
                diag_error(S->d, sink->loc, "sink '%s' would overwrite \"%s\", which source '%s' (line %u) reads; give the sink another file",
                           sink->name, sink->path, src->name, src->loc.line);
        }
}

program *sema_check(arena *a, diag *d, ast_program *ast, const char *file, const char *base_dir)
{
    sema S = {.a = a, .d = d, .base_dir = base_dir, .decls = ast->decls};
    program *p = S.p = arena_alloc(a, sizeof *p);
    p->file = file;
    const char *slash = strrchr(file, '/');
    const char *base = slash ? slash + 1 : file;
    size_t len = strlen(base);
    if (len > 4 && !strcmp(base + len - 4, ".rgp")) len -= 4;
    p->name = arena_strndup(a, base, len);
    p->c_name = arena_printf(a, "%s.c", p->name);

    p->wait = WAIT_ADAPTIVE;
    for (ast_decl *dc = ast->decls; dc; dc = dc->next)
        if (dc->kind != D_OPTIONS && dc->kind != D_TEST) map_put(a, dc->kind == D_SCHEMA ? &S.schema_decls : &S.other_decls, dc->name, dc);
    ast_decl *options_decl = NULL;
    for (ast_decl *dc = ast->decls; dc; dc = dc->next) {
        if (dc->kind == D_OPTIONS) {
            if (options_decl) {
                diag_error(d, dc->loc, "a second options block; the first is at line %u", options_decl->loc.line);
                continue;
            }
            options_decl = dc;
            node_options o;
            check_options(&S, &o, dc->options, OPT_RING | OPT_WAIT | OPT_THREADS | OPT_METRICS | OPT_CHECKPOINT | OPT_EVERY,
                          "options", &p->threads);
            p->ring_slots = o.ring_slots;
            p->metrics = o.metrics;
            p->checkpoint = o.checkpoint;
            p->checkpoint_every_ms = o.every_ms ? o.every_ms : 10000;
            if (o.every_ms && !o.checkpoint) {
                for (ast_arg *g = dc->options; g; g = g->next)
                    if (!strcmp(g->name, "every"))
                        diag_error(d, g->name_loc, "'every' is how often a checkpoint is taken; give 'checkpoint: \"DIR\"' too");
            }
            if (o.wait != WAIT_INHERIT) p->wait = o.wait;
            continue;
        }
        if (dc->kind == D_TEST) {   /* checked once every source and sink is known (pipeline_test.c) */
            PUSH(a, p->tests, p->ntests, dc);
            continue;
        }
        /* schemas have their own namespace; sources, stages and sinks share one (they are
         * the names a user passes on the command line) */
        ast_decl *prev = find_decl(&S, dc->name, dc->kind == D_SCHEMA, dc);
        if (prev) {
            diag_error(d, dc->loc, "'%s' is already declared as a %s at line %u", dc->name, decl_word(prev->kind), prev->loc.line);
            continue;
        }
        if (dc->kind == D_SCHEMA) {
            dc->schema_type = check_schema(&S, dc);
            PUSH(a, p->types, p->ntypes, dc->schema_type);
            continue;
        }
        node *n = arena_alloc(a, sizeof *n);
        n->kind = dc->kind;
        n->name = dc->name;
        n->loc = dc->loc;
        n->decl = dc;
        if (dc->kind == D_TABLE) {
            if (dc->input) check_stream_table(&S, n, dc);
            else check_table(&S, n, dc);
            continue;
        }
        static const int allowed[] = {[D_SOURCE] = OPT_RING | OPT_WAIT | OPT_CPU | OPT_IDLE,
                                      [D_STAGE] = OPT_RING | OPT_WAIT | OPT_CPU | OPT_POLICY | OPT_THREAD,
                                      [D_SINK] = OPT_POLICY | OPT_CPU | OPT_THREAD, [D_ROUTE] = 0};
        char what[160];
        snprintf(what, sizeof what, "%s '%s'", decl_word(dc->kind), dc->name);
        check_options(&S, &n->opt, dc->options, allowed[dc->kind], what, NULL);
        if (dc->kind == D_SOURCE) {
            check_source(&S, n, dc);
            PUSH(a, p->sources, p->nsources, n);
            map_put(a, &S.streams, n->name, n);
        } else if (dc->kind == D_STAGE || dc->kind == D_ROUTE) {
            n->kind = D_STAGE;   /* a route is a stage whose records go to its branches */
            if (dc->kind == D_ROUTE) check_route(&S, n, dc);
            else check_stage(&S, n, dc);
            PUSH(a, p->stages, p->nstages, n);
            map_put(a, &S.streams, n->name, n);
            for (int i = 0; i < S.npending; i++) PUSH(a, p->stages, p->nstages, S.pending[i]);
            S.npending = 0;
        } else {
            check_sink(&S, n, dc);
            n->input = resolve_input(&S, dc);
            if (n->input) n->type = n->input->type;
            for (int i = 0; n->format == FMT_CSV && n->header && n->delim == '.' && n->type && i < n->type->nfields; i++)
                if (strchr(n->type->fields[i].name, '.')) {   /* device.id would read as two columns */
                    diag_error(S.d, dc->format->loc, "sink '%s' writes the column '%s', whose name holds its delimiter '.'; "
                               "choose another delimiter", n->name, n->type->fields[i].name);
                    break;
                }
            if (n->endpoint == EP_NATS && n->type) sema_nats_subject(a, d, n);   /* "alerts.{sensor_id}": its fields */
            PUSH(a, p->sinks, p->nsinks, n);
        }
    }

    check_endpoints_apart(&S, p);
    pipeline_tests_check(d, p);
    if (!d->errors && p->nsinks == 0)
        diag_error(d, (srcloc){1, 1, 0}, "the pipeline has no sink; add one such as: sink out = stdout as csv <- STREAM");
    for (int i = 0; i < p->ntables && !d->errors; i++)
        if (!p->tables[i]->used) diag_warning(d, p->tables[i]->loc, "table '%s' is never joined", p->tables[i]->name);
    for (int i = 0; i < p->nstream_tables && !d->errors; i++)
        if (!p->stream_tables[i]->used) diag_warning(d, p->stream_tables[i]->loc, "table '%s' is never joined", p->stream_tables[i]->name);
    for (int i = 0; i < p->nsources && !d->errors; i++)
        if (!p->sources[i]->used) diag_warning(d, p->sources[i]->loc, "source '%s' is never read", p->sources[i]->name);
    for (int i = 0; i < p->nstages && !d->errors; i++) {
        const node *st = p->stages[i];
        if (st->used || (st->is_route && st->nsides)) continue;   /* a route's branches speak for it */
        if (st->owner && st->owner->is_route)
            diag_warning(d, st->loc, "branch '%s' of route '%s' is never read; its records are dropped", st->name, st->owner->name);
        else if (st->owner)
            diag_warning(d, st->loc, "late stream '%s' is never read; late records are only counted", st->name);
        else
            diag_warning(d, st->loc, "stage '%s' is never read", st->name);
    }
    return d->errors ? NULL : p;
}
