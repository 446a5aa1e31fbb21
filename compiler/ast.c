/* AST constructors, called from the grammar actions, and the operator table. */
#include "ast.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lex.h"

const binop_info binops[] = {
#define X(id, text, c, fam) [BIN_##id] = {text, c, fam},
    RGP_BINOPS(X)
#undef X
};

srcloc ast_loc(const token *t) { return (srcloc){t->line, t->col, t->len}; }

srcloc ast_span(srcloc a, srcloc b)
{
    if (a.line == b.line && b.col >= a.col) a.len = b.col + b.len - a.col;
    return a;
}

const char *ast_name(arena *a, const token *t) { return arena_strndup(a, t->start, t->len); }

static ast_expr *expr_new(arena *a, expr_kind kind, srcloc loc)
{
    ast_expr *e = arena_alloc(a, sizeof *e);
    e->kind = kind;
    e->loc = loc;
    return e;
}

ast_expr *ast_int(arena *a, const token *t)
{
    ast_expr *e = expr_new(a, E_INT, ast_loc(t));
    e->text = ast_name(a, t);
    errno = 0;
    e->u.i.value = strtoull(e->text, NULL, 10);
    e->u.i.overflow = errno == ERANGE;
    return e;
}

ast_expr *ast_float(arena *a, const token *t)
{
    ast_expr *e = expr_new(a, E_FLOAT, ast_loc(t));
    e->text = ast_name(a, t);
    e->u.f = strtod(e->text, NULL);
    return e;
}

/* The lexer has checked the escapes; this only decodes them. */
ast_expr *ast_string(arena *a, const token *t)
{
    ast_expr *e = expr_new(a, E_STR, ast_loc(t));
    e->text = ast_name(a, t);
    char *out = arena_alloc(a, t->len);
    size_t n = 0;
    for (uint32_t i = 1; i + 1 < t->len; i++) {
        char c = t->start[i];
        if (c == '\\') {
            c = t->start[++i];
            c = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c;
        }
        out[n++] = c;
    }
    e->u.s.bytes = out;
    e->u.s.len = n;
    return e;
}

/* The text between the quotes of a text block. A first line that holds only
 * blanks, and a last one (the closing quotes' own), are not part of it; the
 * indent every other non-blank line shares is removed, so a block may be
 * indented with the code around it. Every line ends in LF. */
ast_expr *ast_text(arena *a, const token *t)
{
    ast_expr *e = expr_new(a, E_STR, ast_loc(t));
    e->text = ast_name(a, t);
    const char *p = t->start + 3, *end = t->start + t->len - 3;
    const char *q = p;
    while (q < end && (*q == ' ' || *q == '\t' || *q == '\r')) q++;
    if (q < end && *q == '\n') p = q + 1;                  /* """ then a line break */
    const char *last = end;
    while (last > p && (last[-1] == ' ' || last[-1] == '\t')) last--;
    if (last == p || last[-1] == '\n') end = last;         /* the closing quotes on a line of their own */
    size_t indent = (size_t)-1;
    for (const char *l = p; l < end;) {
        const char *nl = memchr(l, '\n', (size_t)(end - l)), *le = nl ? nl : end;
        size_t k = 0;
        while (l + k < le && (l[k] == ' ' || l[k] == '\t')) k++;
        if (l + k < le && !(l + k + 1 == le && l[k] == '\r') && k < indent) indent = k;
        l = nl ? nl + 1 : end;
    }
    if (indent == (size_t)-1) indent = 0;
    char *out = arena_alloc(a, (size_t)(end - p) + 2);
    size_t n = 0;
    for (const char *l = p; l < end;) {
        const char *nl = memchr(l, '\n', (size_t)(end - l)), *le = nl ? nl : end;
        if (le > l && le[-1] == '\r') le--;
        size_t skip = (size_t)(le - l) < indent ? (size_t)(le - l) : indent;
        memcpy(out + n, l + skip, (size_t)(le - l) - skip);
        n += (size_t)(le - l) - skip;
        out[n++] = '\n';
        l = nl ? nl + 1 : end;
    }
    e->u.s.bytes = out;
    e->u.s.len = n;
    return e;
}

ast_check *ast_check_new(arena *a, check_kind kind, const token *kw, const token *name, ast_expr *text, ast_expr *cond)
{
    ast_check *c = arena_alloc(a, sizeof *c);
    memset(c, 0, sizeof *c);
    c->kind = kind;
    c->loc = ast_loc(kw);
    if (name) c->name = ast_name(a, name), c->name_loc = ast_loc(name);
    c->text = text;
    c->cond = cond;
    return c;
}

ast_expr *ast_bool(arena *a, const token *t, bool v)
{
    ast_expr *e = expr_new(a, E_BOOL, ast_loc(t));
    e->text = ast_name(a, t);
    e->u.b = v;
    return e;
}

ast_expr *ast_ident(arena *a, const token *t)
{
    ast_expr *e = expr_new(a, E_NAME, ast_loc(t));
    e->text = ast_name(a, t);
    e->u.name.field = -1;
    return e;
}

int ast_depth_above(const ast_expr *a, const ast_expr *b)
{
    int d = b && b->depth > a->depth ? b->depth : a->depth;
    return d + 1;
}

ast_expr *ast_unary(arena *a, const token *op, unop kind, ast_expr *x)
{
    ast_expr *e = expr_new(a, E_UNARY, ast_loc(op));
    e->depth = ast_depth_above(x, NULL);
    e->u.un.op = kind;
    e->u.un.operand = x;
    return e;
}

ast_expr *ast_binary(arena *a, const token *op, binop kind, ast_expr *l, ast_expr *r)
{
    ast_expr *e = expr_new(a, E_BINARY, ast_loc(op));
    e->depth = ast_depth_above(l, r);
    e->u.bin.op = kind;
    e->u.bin.lhs = l;
    e->u.bin.rhs = r;
    return e;
}

ast_expr *ast_call(arena *a, const token *name, ast_arg *args, const token *close)
{
    ast_expr *e = expr_new(a, E_CALL, ast_span(ast_loc(name), ast_loc(close)));
    e->text = ast_name(a, name);
    e->u.call.args = args;
    int deepest = 0;
    for (ast_arg *g = args; g; g = g->next) {
        e->u.call.nargs++;
        if (g->value->depth > deepest) deepest = g->value->depth;
    }
    e->depth = args ? deepest + 1 : 0;
    return e;
}

ast_expr *ast_if(arena *a, const token *kw, ast_expr *cond, ast_expr *then, ast_expr *otherwise)
{
    ast_expr *e = expr_new(a, E_IF, ast_loc(kw));
    e->depth = ast_depth_above(then, otherwise);
    if (cond->depth >= e->depth) e->depth = cond->depth + 1;
    e->u.cond.cond = cond;
    e->u.cond.then = then;
    e->u.cond.otherwise = otherwise;
    return e;
}

ast_arg *ast_arg_new(arena *a, const token *name, ast_expr *value)
{
    ast_arg *g = arena_alloc(a, sizeof *g);
    if (name) {
        g->name = ast_name(a, name);
        g->name_loc = ast_loc(name);
    }
    g->value = value;
    return g;
}

ast_field *ast_field_new(arena *a, const token *name, const token *type)
{
    ast_field *f = arena_alloc(a, sizeof *f);
    f->name = ast_name(a, name);
    f->loc = ast_loc(name);
    f->type = ast_name(a, type);
    f->type_loc = ast_loc(type);
    return f;
}

ast_item *ast_item_new(arena *a, const token *name, ast_expr *value)
{
    ast_item *it = arena_alloc(a, sizeof *it);
    it->name = ast_name(a, name);
    it->loc = ast_loc(name);
    it->value = value;
    return it;
}

ast_item *ast_item_object(arena *a, const token *name, const token *brace, ast_item *members)
{
    ast_item *it = ast_item_new(a, name, NULL);
    it->object = true;
    it->members = members;
    it->brace = ast_loc(brace);
    return it;
}

ast_expr *ast_qualify(arena *a, ast_expr *path, const token *name)
{
    ast_expr *e = ast_ident(a, name);
    e->qual = arena_printf(a, "%s.%s", path->qual, path->text);
    e->loc = ast_span(path->loc, e->loc);
    return e;
}

ast_op *ast_where(arena *a, const token *kw, ast_expr *cond)
{
    ast_op *o = arena_alloc(a, sizeof *o);
    o->kind = OP_WHERE;
    o->loc = ast_loc(kw);
    o->cond = cond;
    return o;
}

ast_op *ast_select(arena *a, const token *kw, ast_item *items)
{
    ast_op *o = arena_alloc(a, sizeof *o);
    o->kind = OP_SELECT;
    o->loc = ast_loc(kw);
    o->items = items;
    return o;
}

ast_op *ast_keyed(arena *a, const token *kw, ast_arg *keys, ast_field *state, ast_stmt *body)
{
    ast_op *o = arena_alloc(a, sizeof *o);
    o->kind = OP_KEYED;
    o->loc = ast_loc(kw);
    o->keys = keys;
    o->state = state;
    o->body = body;
    return o;
}

ast_op *ast_group(arena *a, const token *kw, ast_arg *keys, ast_item *items)
{
    ast_op *o = arena_alloc(a, sizeof *o);
    o->kind = OP_GROUP;
    o->loc = ast_loc(kw);
    o->keys = keys;
    o->items = items;
    return o;
}

ast_op *ast_dedup(arena *a, const token *kw, ast_arg *keys, ast_arg *on)
{
    ast_op *o = arena_alloc(a, sizeof *o);
    o->kind = OP_DEDUP;
    o->loc = ast_loc(kw);
    o->keys = keys;
    o->on = on;
    return o;
}

static ast_duration duration(arena *a, const token *n, const token *unit)
{
    ast_duration d = {0};
    d.n = strtoll(ast_name(a, n), NULL, 10);   /* sema range-checks it: an overflow saturates */
    d.unit = unit ? ast_name(a, unit) : NULL;
    d.loc = unit ? ast_span(ast_loc(n), ast_loc(unit)) : ast_loc(n);
    d.unit_loc = unit ? ast_loc(unit) : ast_loc(n);
    return d;
}

ast_op *ast_window(arena *a, const token *kw, window_kind kind, const token *time, const token *n, const token *unit,
                   ast_wmod *mods, ast_arg *keys, ast_item *items)
{
    ast_op *o = ast_group(a, kw, keys, items);
    o->kind = OP_WINDOW;
    o->wkind = kind;
    o->time_field = time ? ast_ident(a, time) : NULL;
    o->size = duration(a, n, unit);
    o->wmods = mods;
    return o;
}

ast_wmod *ast_wmod_new(arena *a, const token *word, const token *n, const token *unit, const token *name)
{
    ast_wmod *m = arena_alloc(a, sizeof *m);
    m->word = ast_name(a, word);
    m->loc = ast_loc(word);
    if (n) m->d = duration(a, n, unit);
    if (name) {
        m->name = ast_name(a, name);
        m->name_loc = ast_loc(name);
    }
    return m;
}

void ast_dedup_within(ast_op *o, ast_wmod *within)
{
    o->wmods = within;
}

ast_op *ast_throttle(arena *a, const token *kw, const token *n, const token *m, const token *unit, ast_arg *keys, ast_expr *time)
{
    ast_op *o = ast_group(a, kw, keys, NULL);
    o->kind = OP_THROTTLE;
    o->limit = strtoull(ast_name(a, n), NULL, 10);
    o->word_loc = ast_loc(n);
    o->size = duration(a, m, unit);
    o->time_field = time;
    return o;
}

ast_op *ast_sample(arena *a, const token *kw, const token *every, const token *fraction, const token *seed_word, const token *seed)
{
    ast_op *o = ast_group(a, kw, NULL, NULL);
    o->kind = OP_SAMPLE;
    if (every) {
        o->sample_every = true;
        o->limit = strtoull(ast_name(a, every), NULL, 10);
        o->word_loc = ast_loc(every);
    } else {
        o->fraction = strtod(ast_name(a, fraction), NULL);
        o->word_loc = ast_loc(fraction);
    }
    if (seed_word) {
        o->word = ast_name(a, seed_word);
        o->word_loc = ast_loc(seed_word);
        o->seed = strtoull(ast_name(a, seed), NULL, 10);
    }
    return o;
}

ast_op *ast_limit(arena *a, const token *kw, const token *n)
{
    ast_op *o = ast_group(a, kw, NULL, NULL);
    o->kind = OP_LIMIT;
    o->limit = strtoull(ast_name(a, n), NULL, 10);
    o->word_loc = ast_loc(n);
    return o;
}

ast_op *ast_sort(arena *a, const token *kw, ast_arg *keys)
{
    ast_op *o = ast_group(a, kw, keys, NULL);
    o->kind = OP_SORT;
    return o;
}

/* join TABLE on KEYS [or WORD]: word names the table; WORD must be `default`
 * (sema says so), kept in wmods to point at. */
ast_op *ast_join(arena *a, const token *kw, const token *table, ast_arg *keys, const token *or_word)
{
    ast_op *o = ast_group(a, kw, keys, NULL);
    o->kind = OP_JOIN;
    o->word = ast_name(a, table);
    o->word_loc = ast_loc(table);
    if (or_word) {
        o->left = true;
        o->wmods = ast_wmod_new(a, or_word, NULL, NULL, NULL);
    }
    return o;
}

void ast_sort_order(arena *a, ast_arg *key, const token *word)
{
    key->order = ast_name(a, word);
    key->order_loc = ast_loc(word);
}

ast_stmt *ast_stmt_new(arena *a, stmt_kind kind, const token *at)
{
    ast_stmt *st = arena_alloc(a, sizeof *st);
    st->kind = kind;
    st->loc = ast_loc(at);
    return st;
}

ast_stmt *ast_assign(arena *a, const token *name, const token *op, binop kind, bool plain, ast_expr *value)
{
    ast_stmt *st = ast_stmt_new(a, S_ASSIGN, op);
    st->name = ast_name(a, name);
    st->name_loc = ast_loc(name);
    st->op = kind;
    st->plain = plain;
    st->value = value;
    return st;
}

void ast_field_map(arena *a, ast_field *f, const token *key, const token *value)
{
    f->key_type = ast_name(a, key);
    f->key_loc = ast_loc(key);
    f->value_type = ast_name(a, value);
    f->value_loc = ast_loc(value);
}

ast_expr *ast_index(arena *a, const token *map, ast_expr *key, const token *close)
{
    ast_expr *e = ast_call(a, map, ast_arg_new(a, NULL, ast_ident(a, map)), close);
    e->u.call.args->next = ast_arg_new(a, NULL, key);
    e->u.call.nargs = 2;
    e->u.call.index = true;
    e->depth = key->depth + 1;
    return e;
}

ast_stmt *ast_for(arena *a, const token *kw, const token *key, const token *value, const token *in, const token *map,
                  const token *order, const token *limit, ast_stmt *body)
{
    ast_stmt *st = ast_stmt_new(a, S_FOR, kw);
    st->name = ast_name(a, key);
    st->name_loc = ast_loc(key);
    st->name2 = ast_name(a, value);
    st->name2_loc = ast_loc(value);
    st->word = ast_name(a, in);
    st->word_loc = ast_loc(in);
    st->value = ast_ident(a, map);
    if (order) {
        st->order = ast_name(a, order);
        st->order_loc = ast_loc(order);
    }
    st->limit_loc = ast_loc(limit);
    st->limit = strtoull(ast_name(a, limit), NULL, 10);
    st->then = body;
    return st;
}

ast_decl *ast_decl_new(arena *a, decl_kind kind, const token *name)
{
    ast_decl *d = arena_alloc(a, sizeof *d);
    d->kind = kind;
    d->name = ast_name(a, name);
    d->loc = ast_loc(name);
    return d;
}

/* The lists being built and their last items, so that appending to a long list does
 * not walk it again: the grammar builds a few at a time (a call's arguments inside a
 * select's items). A list not here is walked, as any list is from its last known item. */
enum { RECENT_LISTS = 8 };
static struct { void *head, *tail; } recent[RECENT_LISTS];
static int recent_next;

void ast_append_reset(void)
{
    memset(recent, 0, sizeof recent);
    recent_next = 0;
}

void *ast_append_(void **list, void *item, size_t next_offset)
{
    int r = 0;
    while (r < RECENT_LISTS && (!*list || recent[r].head != *list)) r++;
    void **link = r < RECENT_LISTS ? (void **)((char *)recent[r].tail + next_offset) : list;
    while (*link) link = (void **)((char *)*link + next_offset);
    *link = item;
    if (r == RECENT_LISTS) r = recent_next++ % RECENT_LISTS;
    recent[r].head = *list;
    recent[r].tail = item;
    return *list;
}
