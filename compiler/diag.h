/* Diagnostics: one sink that owns the error count and prints
 * `file:line:col: error: message`, the source line and a caret under the spot. */
#ifndef RGP_DIAG_H
#define RGP_DIAG_H
#include <stdio.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct srcloc { uint32_t line, col, len; } srcloc;   /* 1-based; len in bytes, may be 0 */

typedef struct diag {
    const char *file;      /* the path as the user gave it */
    const char *src;       /* whole source text, for quoting lines */
    size_t src_len;
    FILE *out;             /* where messages go (stderr, or a memstream in tests) */
    int errors, warnings;
    bool json;             /* one JSON object per message, comma-separated (rgp check --json) */
    uint32_t seen_line;    /* the last line quoted and where it starts: messages mostly come */
    const char *seen_at;   /* in line order, so finding the next line starts from there */
} diag;

void diag_init(diag *d, const char *file, const char *src, size_t len, FILE *out);
void diag_json_string(FILE *out, const char *s);   /* s as a JSON string, quotes included */
void diag_error(diag *d, srcloc at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void diag_warning(diag *d, srcloc at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* An error with no place in the source (missing file, bad option). */
void diag_plain(diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
