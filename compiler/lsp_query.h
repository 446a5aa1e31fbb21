/* rgp lsp's answers about a place in a document: hover, definition and
 * completion, over one compile of its text. Lines and columns are rgp's:
 * 1-based, columns in bytes (lsp.c converts LSP positions). */
#ifndef RGP_LSP_QUERY_H
#define RGP_LSP_QUERY_H
#include <stdio.h>
#include "sema.h"

/* One compile of one version of a document. Tokens and locations point into src. */
typedef struct lsp_unit {
    arena arena;
    diag diag;
    char *src;
    size_t len;
    ast_program *ast;     /* NULL after a syntax error */
    program *prog;        /* NULL after any error */
    struct json *diags;   /* the diagnostics as `rgp check --json` prints them */
} lsp_unit;

/* The type of what is at (line, col), as text into o: `value: f64`,
 * `stage hot: { ... }`. False when there is nothing to say (or u did not check). */
bool lsp_hover(const lsp_unit *u, uint32_t line, uint32_t col, FILE *o);

/* Where the stream, schema, table or route branch named at (line, col) of now
 * is declared, looked up in parsed (now, or the last text that parsed). */
bool lsp_definition(const lsp_unit *now, const lsp_unit *parsed, uint32_t line, uint32_t col, srcloc *at);

/* A CompletionList into o: the fields in scope at (line, col) of now, from the
 * program of good (the last text that checked, or NULL), or the streams. */
void lsp_complete(const lsp_unit *now, const lsp_unit *good, uint32_t line, uint32_t col, FILE *o);

#endif
