/* The compilation pipeline shared by every command: read the .rgp file, parse,
 * check, plan. Each command then emits, JIT-runs or builds the result. */
#ifndef RGP_DRIVER_H
#define RGP_DRIVER_H
#include <stdio.h>
#include "plan.h"

typedef struct compilation {
    arena arena;
    diag diag;
    char *src;
    size_t len;
    program *prog;
    plan *plan;
} compilation;

/* Returns 0 when the program is good; otherwise 1, after printing diagnostics to `out`. */
int driver_compile(compilation *c, const char *path, FILE *out);
/* The same, with diagnostics as comma-separated JSON objects when json is set. */
int driver_compile_as(compilation *c, const char *path, FILE *out, bool json);
/* The same for source text already in memory (tests); base_dir may be NULL. */
int driver_compile_text(compilation *c, const char *name, const char *text, const char *base_dir, FILE *out);
void driver_free(compilation *c);

#endif
