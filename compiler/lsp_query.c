/* What rgp lsp says about a place in a document: the hover text, the
 * declaration a name refers to, the completions. It reads the tokens (the text
 * being typed rarely parses) and the AST and program of a compile. */
#include "lsp_query.h"
#include <stdlib.h>
#include <string.h>
#include "grammar.h"
#include "lex.h"
#include "lsp_json.h"
#include "parse.h"

enum { ITEM_FIELD = 5, ITEM_MODULE = 9 };   /* CompletionItemKind */

/* A lexer over a unit's text whose messages go nowhere: the diagnostics have them already. */
typedef struct quiet_lexer { lexer L; diag d; char *buf; size_t len; FILE *sink; } quiet_lexer;

static void quiet_open(quiet_lexer *q, const lsp_unit *u)
{
    q->buf = NULL;
    q->sink = open_memstream(&q->buf, &q->len);
    diag_init(&q->d, "", u->src, u->len, q->sink ? q->sink : stderr);
    lex_init(&q->L, u->src, u->len, &q->d);
}

static void quiet_close(quiet_lexer *q)
{
    if (q->sink) fclose(q->sink);
    free(q->buf);
}

static bool covers(srcloc at, uint32_t line, uint32_t col)
{
    return at.line == line && col >= at.col && col < at.col + (at.len ? at.len : 1);
}

/* The token at 1-based (line, col), or one that ends right there (a name being
 * typed); kind 0 when there is none. Lexing stops at a lexical error. */
static token token_at(const lsp_unit *u, uint32_t line, uint32_t col)
{
    quiet_lexer q;
    quiet_open(&q, u);
    token found = {0};
    for (;;) {
        token t = lex_next(&q.L);
        if (t.kind == TK_EOF || t.kind == TK_LEX_ERROR) break;
        if (t.line > line || (t.line == line && t.col > col)) break;
        if (t.line == line && col <= t.col + t.len) {
            found = t;
            if (col < t.col + t.len) break;   /* inside it; else one starting at col would be better */
        }
    }
    quiet_close(&q);
    return found;
}

static bool tok_is(const token *t, const char *name) { return t->start && t->len == strlen(name) && !memcmp(t->start, name, t->len); }

/* The innermost typed expression at the cursor, or the select item, emit item or
 * state field named there. */
typedef struct finder {
    uint32_t line, col;
    const ast_expr *expr;
    const ast_item *item;
    const ast_field *field;
    const ast_expr *key;     /* a field an operator names (by KEY, on FIELD, a window's time): typed by in */
    const rectype *in;
} finder;

/* Field names that are not expressions: their type is the field's in the operator's input. */
static void find_keys(finder *f, const ast_op *o)
{
    const ast_arg *lists[] = {o->keys, o->on};
    for (int l = 0; l < 2; l++)
        for (const ast_arg *a = lists[l]; a; a = a->next)
            if (a->value && a->value->kind == E_NAME && covers(a->value->loc, f->line, f->col)) f->key = a->value, f->in = o->in;
    if (o->time_field && o->time_field->kind == E_NAME && covers(o->time_field->loc, f->line, f->col)) f->key = o->time_field, f->in = o->in;
}

static void find_expr(finder *f, const ast_expr *e)
{
    if (!e) return;
    if (covers(e->loc, f->line, f->col) && (!f->expr || e->loc.len <= f->expr->loc.len)) f->expr = e;
    switch (e->kind) {
    case E_UNARY: find_expr(f, e->u.un.operand); break;
    case E_BINARY: find_expr(f, e->u.bin.lhs); find_expr(f, e->u.bin.rhs); break;
    case E_CALL: for (const ast_arg *a = e->u.call.args; a; a = a->next) find_expr(f, a->value); break;
    case E_IF: find_expr(f, e->u.cond.cond); find_expr(f, e->u.cond.then); find_expr(f, e->u.cond.otherwise); break;
    default: break;
    }
}

static void find_items(finder *f, const ast_item *it)
{
    for (; it; it = it->next) {
        if (covers(it->loc, f->line, f->col)) f->item = it;
        find_expr(f, it->value);
    }
}

static void find_stmts(finder *f, const ast_stmt *st)
{
    for (; st; st = st->next) {
        find_expr(f, st->value);
        find_items(f, st->items);
        find_stmts(f, st->then);
        find_stmts(f, st->otherwise);
    }
}

static void find_in(finder *f, const ast_program *ast)
{
    for (const ast_decl *d = ast->decls; d; d = d->next) {
        if (d->kind == D_ROUTE)   /* `default: NAME` names a branch: no expression, no type */
            for (const ast_item *it = d->branches; it; it = it->next) if (strcmp(it->name, "default")) find_expr(f, it->value);
        if (d->kind == D_SCHEMA)
            for (const ast_field *fl = d->fields; fl; fl = fl->next) if (covers(fl->loc, f->line, f->col)) f->field = fl;
        for (const ast_op *o = d->kind == D_STAGE ? d->ops : NULL; o; o = o->next) {
            find_expr(f, o->cond);
            find_items(f, o->items);
            find_stmts(f, o->body);
            find_keys(f, o);
            for (const ast_field *fl = o->state; fl; fl = fl->next) if (covers(fl->loc, f->line, f->col)) f->field = fl;
        }
    }
}

static void write_rectype(FILE *o, const rectype *r)
{
    fputs("{ ", o);
    for (int i = 0; r && i < r->nfields; i++) fprintf(o, "%s%s: %s", i ? ", " : "", r->fields[i].name, type_name(r->fields[i].type));
    fputs(" }", o);
}

static const node *find_node(const program *p, const char *name, size_t len)
{
    node **lists[] = {p->sources, p->stages, p->sinks, p->tables};
    int counts[] = {p->nsources, p->nstages, p->nsinks, p->ntables};
    for (int l = 0; l < 4; l++)
        for (int i = 0; i < counts[l]; i++)
            if (strlen(lists[l][i]->name) == len && !memcmp(lists[l][i]->name, name, len)) return lists[l][i];
    return NULL;
}

static const ast_decl *find_schema(const ast_program *ast, const char *name, size_t len)
{
    for (const ast_decl *d = ast->decls; d; d = d->next)
        if (d->kind == D_SCHEMA && strlen(d->name) == len && !memcmp(d->name, name, len)) return d;
    return NULL;
}

bool lsp_hover(const lsp_unit *u, uint32_t line, uint32_t col, FILE *o)
{
    if (!u->prog) return false;   /* types are only whole when the program checked */
    finder f = {.line = line, .col = col};
    find_in(&f, u->ast);
    if (f.field) { fprintf(o, "%s: %s", f.field->name, f.field->type); return true; }
    int k = f.key && f.in ? rectype_find(f.in, f.key->text) : -1;
    if (k >= 0) { fprintf(o, "%s: %s", f.in->fields[k].name, type_name(f.in->fields[k].type)); return true; }
    if (f.item && f.item->value && f.item->value->type < T_ERROR) {
        fprintf(o, "%s: %s", f.item->name, type_name(f.item->value->type));
        return true;
    }
    if (f.expr && f.expr->type < T_ERROR) {
        const ast_expr *e = f.expr;
        if (e->kind == E_NAME) fprintf(o, "%s%s%s: %s", e->qual ? e->qual : "", e->qual ? "." : "", e->text, type_name(e->type));
        else if (e->kind == E_CALL) fprintf(o, "%s(...): %s", e->text, type_name(e->type));
        else if (e->kind == E_INT || e->kind == E_FLOAT || e->kind == E_STR || e->kind == E_BOOL) fprintf(o, "literal: %s", type_name(e->type));
        else fprintf(o, "expression: %s", type_name(e->type));
        return true;
    }
    token t = token_at(u, line, col);
    if (t.kind != TK_IDENT || col >= t.col + t.len) return false;
    const node *n = find_node(u->prog, t.start, t.len);
    if (n) {
        fprintf(o, "%s %s: ", node_word(n), n->name);
        write_rectype(o, n->type);
        return true;
    }
    const ast_decl *sc = find_schema(u->ast, t.start, t.len);
    if (sc) {
        fprintf(o, "schema %s ", sc->name);
        write_rectype(o, sc->schema_type);
        return true;
    }
    return false;
}

/* The declaration of a stream, schema or table named t, or a route's branch. */
static bool definition_of(const ast_program *ast, const token *t, srcloc *at)
{
    for (const ast_decl *d = ast->decls; d; d = d->next) {
        if (d->kind == D_ROUTE)
            for (const ast_item *it = d->branches; it; it = it->next) {
                const char *name = it->name;
                srcloc loc = it->loc;
                if (!strcmp(name, "default") && it->value && it->value->kind == E_NAME) name = it->value->text, loc = it->value->loc;
                if (tok_is(t, name)) { *at = loc; return true; }
            }
        bool named = d->kind == D_SCHEMA || d->kind == D_SOURCE || d->kind == D_STAGE || d->kind == D_SINK ||
                     d->kind == D_TABLE || d->kind == D_ROUTE;
        if (named && d->name && tok_is(t, d->name)) { *at = d->loc; return true; }
    }
    return false;
}

/* ---- completion: which stage and which of its operators the cursor is in,
 * read from the tokens (the text being typed rarely parses) --------------- */

typedef struct place {
    bool in_stage;        /* in a stage's or a route's declaration */
    bool after_dot;
    char qual[PARSE_MAX_NAME + 1];   /* after_dot: the name before the '.' (prev, or a joined table) */
    char name[PARSE_MAX_NAME + 1];
    int op;               /* operators begun before the cursor, less one: -1 before the first '|' */
} place;

static place place_at(const lsp_unit *u, uint32_t line, uint32_t col)
{
    quiet_lexer q;
    quiet_open(&q, u);
    place p = {.op = -1};
    int depth = 0, decl_kind = 0;
    bool want_name = false;
    token prev = {0}, prev2 = {0};
    for (;;) {
        token t = lex_next(&q.L);
        if (t.kind == TK_EOF || t.kind == TK_LEX_ERROR) break;
        if (t.line > line || (t.line == line && t.col >= col)) break;
        prev2 = prev;
        if (depth == 0 && parse_starts_decl(t.kind)) {
            decl_kind = t.kind;
            p = (place){.op = -1, .in_stage = t.kind == TK_STAGE || t.kind == TK_ROUTE};
            want_name = true;
        } else if (want_name && t.kind == TK_IDENT) {
            snprintf(p.name, sizeof p.name, "%.*s", (int)t.len, t.start);
            want_name = false;
        } else if (t.kind == TK_LBRACE || t.kind == TK_LPAREN) {
            depth++;
        } else if ((t.kind == TK_RBRACE || t.kind == TK_RPAREN) && depth > 0) {
            depth--;
        } else if (t.kind == TK_PIPE && depth == 0 && decl_kind == TK_STAGE) {
            p.op++;
        }
        prev = t;
    }
    p.after_dot = prev.kind == TK_DOT && prev.line == line && prev.col + 1 == col;
    if (p.after_dot && prev2.kind == TK_IDENT) snprintf(p.qual, sizeof p.qual, "%.*s", (int)prev2.len, prev2.start);
    quiet_close(&q);
    return p;
}

static void write_item(FILE *o, bool *first, const char *label, int kind, const char *detail)
{
    fputs(*first ? "" : ",", o);
    *first = false;
    fputs("{\"label\":", o);
    json_write_string(o, label, strlen(label));
    fprintf(o, ",\"kind\":%d,\"detail\":", kind);
    json_write_string(o, detail, strlen(detail));
    fputc('}', o);
}

void lsp_complete(const lsp_unit *now, const lsp_unit *good, uint32_t line, uint32_t col, FILE *o)
{
    place p = place_at(now, line, col);
    const program *prog = good ? good->prog : NULL;
    bool first = true;
    fputs("{\"isIncomplete\":false,\"items\":[", o);
    const node *n = prog && p.in_stage ? find_node(prog, p.name, strlen(p.name)) : NULL;
    if (n && (p.op >= 0 || n->is_route)) {
        const rectype *r = n->input ? n->input->type : NULL;
        const ast_op *op = n->decl ? n->decl->ops : NULL;
        bool past = false;   /* an operator being added after the last one that checked: it reads that one's output */
        for (int i = 0; op && i < p.op && !past; i++) {
            if (op->next) op = op->next;
            else past = true;
        }
        if (op && op->in) r = past && op->out ? op->out : op->in;
        if (past) op = NULL;
        /* after TABLE. the joined table's fields (named TABLE.FIELD in the record); after prev. the others */
        size_t ql = strlen(p.qual);
        bool joined = false;
        for (int i = 0; r && p.after_dot && i < r->nfields; i++)
            joined |= !strncmp(r->fields[i].name, p.qual, ql) && r->fields[i].name[ql] == '.';
        for (int i = 0; r && i < r->nfields; i++) {
            const char *name = r->fields[i].name;
            if (joined && (strncmp(name, p.qual, ql) || name[ql] != '.')) continue;
            if (p.after_dot && !joined && strchr(name, '.')) continue;
            write_item(o, &first, joined ? name + ql + 1 : name, ITEM_FIELD, type_name(r->fields[i].type));
        }
        for (const ast_field *f = op && !p.after_dot ? op->state : NULL; f; f = f->next) write_item(o, &first, f->name, ITEM_FIELD, f->type);
    } else if (prog && !p.after_dot) {   /* elsewhere: the streams a stage or sink can read */
        node **lists[] = {prog->sources, prog->stages, prog->tables};
        int counts[] = {prog->nsources, prog->nstages, prog->ntables};
        for (int l = 0; l < 3; l++)
            for (int i = 0; i < counts[l]; i++) write_item(o, &first, lists[l][i]->name, ITEM_MODULE, node_word(lists[l][i]));
    }
    fputs("]}", o);
}

bool lsp_definition(const lsp_unit *now, const lsp_unit *parsed, uint32_t line, uint32_t col, srcloc *at)
{
    token t = token_at(now, line, col);
    return t.kind == TK_IDENT && parsed->ast && definition_of(parsed->ast, &t, at);
}
