/* The language server's JSON: a recursive-descent reader that stops at
 * JSON_MAX_DEPTH and says where the text went wrong, and a compact writer. */
#include "lsp_json.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct reader {
    const char *p, *start, *end;
    char *err;
    size_t errlen;
    bool failed;
} reader;

static bool fail(reader *r, const char *what)
{
    if (!r->failed) snprintf(r->err, r->errlen, "bad JSON at byte %zu: %s", (size_t)(r->p - r->start), what);
    r->failed = true;
    return false;
}

static void skip_blanks(reader *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')) r->p++;
}

static bool literal(reader *r, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n)) return fail(r, "expected a value");
    r->p += n;
    return true;
}

static int hex4(reader *r)
{
    if (r->end - r->p < 4) return -1;
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = r->p[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    r->p += 4;
    return v;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) { o[0] = (char)(0xc0 | cp >> 6); o[1] = (char)(0x80 | (cp & 0x3f)); return 2; }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | cp >> 12); o[1] = (char)(0x80 | (cp >> 6 & 0x3f)); o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | cp >> 18); o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3f)); o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* string = '"' chars '"'; the unescaped text is never longer than the escaped */
static bool read_string(reader *r, char **out, size_t *len)
{
    r->p++;   /* the opening quote */
    const char *q = r->p;
    while (q < r->end && *q != '"') q += *q == '\\' && q + 1 < r->end ? 2 : 1;
    if (q >= r->end) return fail(r, "unterminated string");
    char *s = malloc((size_t)(q - r->p) + 1), *o = s;
    if (!s) return fail(r, "out of memory");
    while (*r->p != '"') {
        unsigned char c = (unsigned char)*r->p;
        if (c < 0x20) { free(s); return fail(r, "control character in a string"); }
        if (c != '\\') { *o++ = (char)c; r->p++; continue; }
        r->p++;
        char e = *r->p++;
        const char *simple = strchr("\"\\/bfnrt", e);
        if (e && simple) { *o++ = "\"\\/\b\f\n\r\t"[simple - "\"\\/bfnrt"]; continue; }
        if (e != 'u') { r->p--; free(s); return fail(r, "unknown escape in a string"); }
        int cp = hex4(r);
        if (cp >= 0xd800 && cp < 0xdc00 && r->end - r->p >= 6 && r->p[0] == '\\' && r->p[1] == 'u') {
            r->p += 2;
            int lo = hex4(r);
            if (lo < 0xdc00 || lo > 0xdfff) { free(s); return fail(r, "a high surrogate without its low one"); }
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        } else if (cp >= 0xd800 && cp < 0xe000) {
            cp = 0xfffd;   /* a lone surrogate: the replacement character */
        }
        if (cp < 0) { free(s); return fail(r, "expected 4 hex digits after \\u"); }
        o += put_utf8(o, (unsigned)cp);
    }
    r->p++;
    *o = '\0';
    *out = s;
    *len = (size_t)(o - s);
    return true;
}

/* number = '-'? int frac? exp? */
static bool read_number(reader *r, json *v)
{
    const char *q = r->p;
    if (q < r->end && *q == '-') q++;
    if (q >= r->end || *q < '0' || *q > '9') return fail(r, "expected a value");
    if (*q == '0') q++;
    else while (q < r->end && *q >= '0' && *q <= '9') q++;
    if (q < r->end && *q == '.') {
        if (++q >= r->end || *q < '0' || *q > '9') return fail(r, "expected a digit after '.'");
        while (q < r->end && *q >= '0' && *q <= '9') q++;
    }
    if (q < r->end && (*q == 'e' || *q == 'E')) {
        q++;
        if (q < r->end && (*q == '+' || *q == '-')) q++;
        if (q >= r->end || *q < '0' || *q > '9') return fail(r, "expected a digit in the exponent");
        while (q < r->end && *q >= '0' && *q <= '9') q++;
    }
    char buf[64];
    size_t n = (size_t)(q - r->p);
    if (n >= sizeof buf) return fail(r, "number too long");
    memcpy(buf, r->p, n);
    buf[n] = '\0';
    v->kind = J_NUMBER;
    v->num = strtod(buf, NULL);
    r->p = q;
    return true;
}

static bool push(json *v, size_t *cap, bool keyed)
{
    if (v->len < *cap) return true;
    size_t ncap = *cap ? *cap * 2 : 4;
    json *items = realloc(v->items, ncap * sizeof *items);
    if (items) v->items = items;
    char **keys = keyed ? realloc(v->keys, ncap * sizeof *keys) : NULL;
    if (keys) v->keys = keys;
    if (!items || (keyed && !keys)) return false;
    *cap = ncap;
    return true;
}

static bool read_value(reader *r, json *v, int depth);

/* array = '[' (value (',' value)*)? ']'   object = '{' (string ':' value (',' ...)*)? '}' */
static bool read_container(reader *r, json *v, int depth, bool object)
{
    if (depth >= JSON_MAX_DEPTH) return fail(r, "nested too deeply");
    v->kind = object ? J_OBJECT : J_ARRAY;
    char close = object ? '}' : ']';
    size_t cap = 0;
    r->p++;
    skip_blanks(r);
    if (r->p < r->end && *r->p == close) { r->p++; return true; }
    for (;;) {
        skip_blanks(r);
        if (!push(v, &cap, object)) return fail(r, "out of memory");
        json *item = &v->items[v->len];
        memset(item, 0, sizeof *item);
        if (object) {
            v->keys[v->len] = NULL;
            if (r->p >= r->end || *r->p != '"') return fail(r, "expected a member name in quotes");
            size_t klen;
            if (!read_string(r, &v->keys[v->len], &klen)) return false;
            v->len++;   /* counted now, so json_free frees the key even if the value fails */
            skip_blanks(r);
            if (r->p >= r->end || *r->p != ':') return fail(r, "expected ':' after a member name");
            r->p++;
        } else {
            v->len++;
        }
        if (!read_value(r, item, depth + 1)) return false;
        skip_blanks(r);
        if (r->p < r->end && *r->p == ',') { r->p++; continue; }
        if (r->p < r->end && *r->p == close) { r->p++; return true; }
        return fail(r, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static bool read_value(reader *r, json *v, int depth)
{
    skip_blanks(r);
    if (r->p >= r->end) return fail(r, "expected a value, found the end");
    switch (*r->p) {
    case '{': return read_container(r, v, depth, true);
    case '[': return read_container(r, v, depth, false);
    case '"': v->kind = J_STRING; return read_string(r, &v->str, &v->len);
    case 't': v->kind = J_BOOL; v->b = true; return literal(r, "true");
    case 'f': v->kind = J_BOOL; return literal(r, "false");
    case 'n': return literal(r, "null");
    default: return read_number(r, v);
    }
}

static void free_members(json *v)
{
    for (size_t i = 0; i < v->len && (v->kind == J_ARRAY || v->kind == J_OBJECT); i++) {
        free_members(&v->items[i]);
        if (v->keys) free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->str);
}

json *json_parse(const char *text, size_t len, char *err, size_t errlen)
{
    reader r = {text, text, text + len, err, errlen, false};
    json *v = calloc(1, sizeof *v);
    if (!v) { snprintf(err, errlen, "out of memory"); return NULL; }
    if (read_value(&r, v, 0)) {
        skip_blanks(&r);
        if (r.p == r.end) return v;
        fail(&r, "text after the value");
    }
    json_free(v);
    return NULL;
}

void json_free(json *v)
{
    if (!v) return;
    free_members(v);
    free(v);
}

const json *json_get(const json *v, const char *key)
{
    if (!v || v->kind != J_OBJECT) return NULL;
    for (size_t i = 0; i < v->len; i++) if (!strcmp(v->keys[i], key)) return &v->items[i];
    return NULL;
}

const char *json_str(const json *v) { return v && v->kind == J_STRING ? v->str : NULL; }

long long json_int(const json *v, long long dflt)
{
    if (!v || v->kind != J_NUMBER || v->num != floor(v->num) || fabs(v->num) > 9007199254740992.0) return dflt;
    return (long long)v->num;
}

void json_write_string(FILE *out, const char *s, size_t len)
{
    fputc('"', out);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') fprintf(out, "\\%c", c);
        else if (c == '\n') fputs("\\n", out);
        else if (c < 0x20) fprintf(out, "\\u%04x", c);
        else fputc(c, out);
    }
    fputc('"', out);
}

void json_write(FILE *out, const json *v)
{
    switch (v->kind) {
    case J_NULL: fputs("null", out); break;
    case J_BOOL: fputs(v->b ? "true" : "false", out); break;
    case J_NUMBER:
        if (v->num == floor(v->num) && fabs(v->num) < 1e15) fprintf(out, "%lld", (long long)v->num);
        else fprintf(out, "%.17g", v->num);
        break;
    case J_STRING: json_write_string(out, v->str, v->len); break;
    case J_ARRAY: case J_OBJECT:
        fputc(v->kind == J_ARRAY ? '[' : '{', out);
        for (size_t i = 0; i < v->len; i++) {
            if (i) fputc(',', out);
            if (v->kind == J_OBJECT) { json_write_string(out, v->keys[i], strlen(v->keys[i])); fputc(':', out); }
            json_write(out, &v->items[i]);
        }
        fputc(v->kind == J_ARRAY ? ']' : '}', out);
        break;
    }
}
