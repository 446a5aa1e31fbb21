/* rgp fmt: the canonical layout of a .rgp file, computed from the lexer's tokens
 * and the comments between them, so every token and comment survives. */
#ifndef RGP_FMT_H
#define RGP_FMT_H
#include <stddef.h>
#include <stdio.h>

typedef enum fmt_mode {
    FMT_PRINT,   /* the canonical text to stdout */
    FMT_CHECK,   /* print nothing; "FILE: not formatted" to stderr when it is not canonical */
    FMT_WRITE,   /* rewrite the file in place (a temporary file renamed over it) when it changes */
} fmt_mode;

/* The canonical form of src (NUL-terminated at src[len]) in *out (malloc'd).
 * Returns 0; 1 after printing syntax errors to diag_out as `name:line:col: ...`;
 * 2 when the result would not keep the source's tokens and comments (a bug in fmt). */
int fmt_text(const char *name, const char *src, size_t len, FILE *diag_out, char **out);

/* Formats one file as mode says. Returns 0 when done (and, for FMT_CHECK, the
 * file was canonical), 1 for a bad or unreadable file or a non-canonical one
 * under FMT_CHECK, 2 for an internal error. */
int fmt_file(const char *path, fmt_mode mode);

#endif
