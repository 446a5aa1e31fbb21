/* rgp lsp: a Language Server Protocol server over stdio (Content-Length framed
 * JSON-RPC 2.0). It runs the compiler's own parser, sema, planner and fmt on each
 * open document: diagnostics, hover, definition, completion and formatting. */
#ifndef RGP_LSP_H
#define RGP_LSP_H
#include <stdio.h>

/* Serves until `exit` or the end of in. Returns 0 after shutdown then exit, 1 otherwise. */
int lsp_serve(FILE *in, FILE *out);

#endif
