/* The parser driver: feeds the lexer's tokens to the lemon parser and turns
 * syntax errors into diagnostics with what was expected and what was found. */
#ifndef RGP_PARSE_H
#define RGP_PARSE_H
#include "ast.h"
#include "lex.h"

#define PARSE_MAX_NESTING 64
/* Longest name: names become parts of C identifiers, which the emitter builds in
 * fixed buffers sized for names up to this long. */
#define PARSE_MAX_NAME 64
/* The grammar's stack: brackets, `not`s, unary minus and `if`s open at once take an entry
 * or two each. Deeper input is an error where it overflows. */
#define PARSE_STACK_DEPTH 1000

typedef struct parse_state {
    arena *arena;
    diag *d;
    ast_program *program;
    int failed;
    token open[PARSE_MAX_NESTING];    /* brackets not yet closed, for "(to close '{' opened at ...)" */
    int nopen;
    int ntokens;                      /* fed so far, including the one being parsed */
    srcloc at;                        /* the token being parsed */
    ast_decl *last_decl;              /* the program's last declaration: appends cost O(1) */
} parse_state;

/* Appends a declaration to the program (the grammar's action for each one). */
void parse_add_decl(parse_state *ps, ast_decl *d);

/* Parses a whole source text (NUL-terminated at src[len]). Returns NULL after reporting errors. */
ast_program *parse_program(arena *a, diag *d, const char *src, size_t len);

/* Does a token of this kind begin a declaration (schema, source, stage, ...)? */
bool parse_starts_decl(int kind);

/* Called from the grammar's %syntax_error and %stack_overflow. */
void parse_syntax_error(parse_state *ps, const token *found, const int *expected, int nexpected);
void parse_too_deep(parse_state *ps);

#endif
