/* Parser driver: lexer → lemon parser → AST. Stops at the first syntax error,
 * since what follows one rarely parses into anything worth reporting. */
#include "parse.h"
#include <stdlib.h>
#include <string.h>
#include "grammar.h"

void *rgpParseAlloc(void *(*malloc_fn)(size_t), parse_state *ps);
void rgpParse(void *parser, int kind, token tok);
void rgpParseFree(void *parser, void (*free_fn)(void *));

static void track_brackets(parse_state *ps, const token *t)
{
    if (t->kind == TK_LBRACE || t->kind == TK_LPAREN || t->kind == TK_LBRACKET) {
        if (ps->nopen < PARSE_MAX_NESTING) ps->open[ps->nopen] = *t;
        ps->nopen++;
    } else if ((t->kind == TK_RBRACE || t->kind == TK_RPAREN || t->kind == TK_RBRACKET) && ps->nopen > 0) {
        ps->nopen--;
    }
}

/* A name longer than PARSE_MAX_NAME is an error here, before any pass sees it. */
static bool name_fits(parse_state *ps, const token *t)
{
    if (t->kind != TK_IDENT || t->len <= PARSE_MAX_NAME) return true;
    diag_error(ps->d, (srcloc){t->line, t->col, t->len}, "the name '%.16s...' is %u characters long; a name has at most %d",
               t->start, t->len, PARSE_MAX_NAME);
    return false;
}

void parse_add_decl(parse_state *ps, ast_decl *d)
{
    if (ps->last_decl) ps->last_decl->next = d;
    else ps->program->decls = d;
    ps->last_decl = d;
}

bool parse_starts_decl(int kind)
{
    return kind == TK_SCHEMA || kind == TK_SOURCE || kind == TK_STAGE || kind == TK_SINK || kind == TK_ROUTE || kind == TK_OPTIONS || kind == TK_TABLE || kind == TK_TEST;
}

void parse_syntax_error(parse_state *ps, const token *found, const int *expected, int nexpected)
{
    if (ps->failed) return;
    ps->failed = 1;
    srcloc at = {found->line, found->col, found->len ? found->len : 1};
    char what[128];
    if (found->kind == TK_EOF)
        snprintf(what, sizeof what, "end of file");
    else if (found->kind == TK_IDENT || found->kind == TK_INT || found->kind == TK_FLOAT)
        snprintf(what, sizeof what, "'%.*s'", (int)(found->len > 40 ? 40 : found->len), found->start);
    else
        snprintf(what, sizeof what, "%s", lex_token_name(found->kind));

    /* Lemon reduces before it notices an error, so after a finished-looking
     * declaration the only tokens it still expects start a new one; the
     * declaration might equally have gone on, so don't claim to know. */
    bool only_decls = nexpected > 0;
    for (int i = 0; i < nexpected; i++) only_decls &= parse_starts_decl(expected[i]);
    if (only_decls && ps->ntokens > 1) nexpected = 0;

    char msg[512];
    if (nexpected > 0 && (nexpected <= 6 || only_decls)) {   /* the declaration keywords are always listed */
        int n = snprintf(msg, sizeof msg, "expected ");
        for (int i = 0; i < nexpected; i++)
            n += snprintf(msg + n, sizeof msg - (size_t)n, "%s%s", i == 0 ? "" : i == nexpected - 1 ? " or " : ", ",
                          lex_token_name(expected[i]));
        snprintf(msg + n, sizeof msg - (size_t)n, ", found %s", what);
    } else {
        snprintf(msg, sizeof msg, "unexpected %s", what);
    }

    bool unclosed = ps->nopen > 0 && ps->nopen <= PARSE_MAX_NESTING &&
                    (found->kind == TK_EOF || found->kind == TK_RBRACE || found->kind == TK_RPAREN ||
                     parse_starts_decl(found->kind));
    if (unclosed) {
        const token *o = &ps->open[ps->nopen - 1];
        diag_error(ps->d, at, "%s (to close %s opened at line %u)", msg, lex_token_name(o->kind), o->line);
    } else if (found->kind == TK_ARROW) {
        diag_error(ps->d, at, "%s (for 'less than minus', write '< -' with a space)", msg);
    } else {
        diag_error(ps->d, at, "%s", msg);
    }
}

void parse_too_deep(parse_state *ps)
{
    if (!ps->failed)
        diag_error(ps->d, ps->at, "nested too deeply: more than %d brackets, operators and ifs open at once; "
                   "compute it in steps, naming the parts in a select", PARSE_STACK_DEPTH);
    ps->failed = 1;
}

ast_program *parse_program(arena *a, diag *d, const char *src, size_t len)
{
    parse_state ps = {.arena = a, .d = d, .program = arena_alloc(a, sizeof(ast_program))};
    ast_append_reset();
    lexer L;
    lex_init(&L, src, len, d);
    void *parser = rgpParseAlloc(malloc, &ps);
    if (!parser) { diag_plain(d, "out of memory"); return NULL; }
    for (;;) {
        token t = lex_next(&L);
        if (t.kind == TK_LEX_ERROR || !name_fits(&ps, &t)) { ps.failed = 1; break; }
        track_brackets(&ps, &t);
        ps.ntokens++;
        ps.at = (srcloc){t.line, t.col, t.len};
        rgpParse(parser, t.kind, t);
        if (ps.failed || t.kind == TK_EOF) break;
    }
    rgpParseFree(parser, free);
    ast_append_reset();   /* sema's appends walk: the lists it changes are short */
    return ps.failed || d->errors ? NULL : ps.program;
}
