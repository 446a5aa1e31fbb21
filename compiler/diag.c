/* Diagnostics printing: message header, quoted source line, caret and underline.
 * Tabs in the quoted line are kept under the caret so it lines up in any terminal. */
#include "diag.h"
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void diag_init(diag *d, const char *file, const char *src, size_t len, FILE *out)
{
    memset(d, 0, sizeof *d);
    d->file = file;
    d->src = src;
    d->src_len = len;
    d->out = out ? out : stderr;
}

/* Start and length of 1-based line `line` in the source, or NULL when it is past the end. */
static const char *line_span(diag *d, uint32_t line, size_t *len)
{
    const char *p = d->src, *end = d->src + d->src_len;
    uint32_t l = 1;
    if (d->seen_at && d->seen_line <= line) p = d->seen_at, l = d->seen_line;
    for (; l < line; l++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) return NULL;
        p = nl + 1;
    }
    d->seen_line = line;
    d->seen_at = p;
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    *len = (size_t)((nl ? nl : end) - p);
    if (*len && p[*len - 1] == '\r') (*len)--;
    return p;
}

static void quote_line(diag *d, FILE *out, srcloc at)
{
    size_t len;
    const char *p = d->src ? line_span(d, at.line, &len) : NULL;
    if (!p) return;
    fprintf(out, "%5u | ", at.line);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        fputc(c == '\t' || c >= 0x20 ? c : '?', out);
    }
    fputs("\n      | ", out);
    size_t col = at.col ? at.col - 1 : 0;
    for (size_t i = 0; i < col; i++) fputc(i < len && p[i] == '\t' ? '\t' : ' ', out);
    fputc('^', out);
    size_t span = at.len;
    if (col + span > len) span = len > col ? len - col : 1;
    for (size_t i = 1; i < span; i++) fputc('~', out);
    fputc('\n', out);
}

void diag_json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(out, "\\%c", c);
        else if (c < 0x20) fprintf(out, "\\u%04x", c);
        else fputc(c, out);
    }
    fputc('"', out);
}

/* For editors and CI: {"file", "line", "column", "length", "severity", "message"}. */
static void report_json(diag *d, srcloc at, const char *kind, const char *fmt, va_list ap)
{
    char small[2048], *msg = small;
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    if (n >= (int)sizeof small && (msg = malloc((size_t)n + 1)) != NULL) vsnprintf(msg, (size_t)n + 1, fmt, again);
    if (!msg) msg = small;   /* out of memory: the message cut short is still a message */
    va_end(again);
    fprintf(d->out, "%s{\"file\": ", d->errors + d->warnings ? ",\n " : "");
    diag_json_string(d->out, d->file);
    fprintf(d->out, ", \"line\": %u, \"column\": %u, \"length\": %u, \"severity\": \"%s\", \"message\": ", at.line, at.col,
            at.len, kind);
    diag_json_string(d->out, msg);
    fputc('}', d->out);
    if (msg != small) free(msg);
}

static void report(diag *d, srcloc at, const char *kind, const char *fmt, va_list ap)
{
    if (d->json) {
        report_json(d, at, kind, fmt, ap);
        return;
    }
    /* built whole, then written at once: stderr is unbuffered, and thousands of
     * warnings written a character at a time take seconds */
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (!out) out = d->out;
    fprintf(out, "%s:%u:%u: %s: ", d->file, at.line, at.col, kind);
    vfprintf(out, fmt, ap);
    fputc('\n', out);
    quote_line(d, out, at);
    if (out != d->out) {
        fclose(out);
        fwrite(text, 1, len, d->out);
        free(text);
    }
}

void diag_error(diag *d, srcloc at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(d, at, "error", fmt, ap);
    va_end(ap);
    d->errors++;
}

void diag_warning(diag *d, srcloc at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(d, at, "warning", fmt, ap);
    va_end(ap);
    d->warnings++;
}

void diag_plain(diag *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (d->json) {
        report_json(d, (srcloc){0, 0, 0}, "error", fmt, ap);
    } else {
        fprintf(d->out, "rgp: error: ");
        vfprintf(d->out, fmt, ap);
        fputc('\n', d->out);
    }
    va_end(ap);
    d->errors++;
}
