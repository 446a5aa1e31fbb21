/* Regular expressions at compile time: each literal pattern of matches(),
 * capture() and replace() is compiled with PCRE2 while the program is checked,
 * so a bad one is an error at its own column, and kept in the program's list
 * (one entry per distinct pattern) that the emitter compiles at start-up. */
#ifndef RGP_REGEX_CHECK_H
#define RGP_REGEX_CHECK_H
#include "arena.h"
#include "ast.h"
#include "diag.h"
#include "sema.h"

/* lit is the pattern argument of fn. Returns its index in p->regexes and sets
 * *groups to its number of capture groups, or -1 after reporting an error. */
int regex_pattern(arena *a, diag *d, program *p, const ast_expr *lit, const char *fn, uint32_t *groups);

/* replace()'s replacement literal: $N, ${N} (N up to groups) and $$. False after an error. */
bool regex_replacement(diag *d, const ast_expr *lit, uint32_t groups);

#endif
