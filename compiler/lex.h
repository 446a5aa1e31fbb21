/* The lexer's interface: tokens are slices of the source with their position.
 * Token kinds are lemon's TK_* numbers (build/gen/grammar.h); 0 is end of input. */
#ifndef RGP_LEX_H
#define RGP_LEX_H
#include <stdint.h>
#include "diag.h"

enum { TK_EOF = 0, TK_LEX_ERROR = -1 };

struct token { int kind; const char *start; uint32_t len, line, col; };
typedef struct token token;

typedef struct lexer {
    const char *src, *end, *cur, *line_start;
    uint32_t line;
    diag *d;
} lexer;

void lex_init(lexer *L, const char *src, size_t len, diag *d);   /* src[len] must be '\0' */
token lex_next(lexer *L);                                        /* TK_LEX_ERROR after reporting */
const char *lex_token_name(int kind);                            /* "'{'", "identifier", ... */

#endif
