/* json.h - reading JSON lines: one object per line, scanned member by member
 * without building a tree. Generated parsers match the keys their schema
 * names and convert the values; other members are skipped whole. */
#ifndef RGP_JSON_H
#define RGP_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rgp_std.h"

enum { RGP_JSON_STR, RGP_JSON_NUM, RGP_JSON_TRUE, RGP_JSON_FALSE, RGP_JSON_NULL, RGP_JSON_NEST };

/* A member's value: for a string, the text between the quotes, escapes not
 * yet decoded (see rgp_json_decode); for a number, its text. */
typedef struct rgp_json_val {
    int kind;
    rgp_str text;
} rgp_json_val;

static inline const char *rgp__json_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) p++;
    return p;
}

/* Past a string whose opening quote is at p[-1]; NULL if it does not close. */
static inline const char *rgp__json_str_end(const char *p, const char *end)
{
    for (; p < end; p++) {
        if (*p == '"') return p;
        if (*p == '\\') {
            if (++p == end) return NULL;
        } else if ((unsigned char)*p < 0x20) {
            return NULL;
        }
    }
    return NULL;
}

/* Past one value of any kind (objects and arrays by bracket depth). */
static inline const char *rgp__json_skip(const char *p, const char *end, rgp_json_val *v, const char **why)
{
    if (p == end) { *why = "a value is missing"; return NULL; }
    const char *start = p;
    if (*p == '"') {
        const char *q = rgp__json_str_end(p + 1, end);
        if (!q) { *why = "a string does not close"; return NULL; }
        v->kind = RGP_JSON_STR;
        v->text.ptr = p + 1;
        v->text.len = (size_t)(q - p - 1);
        return q + 1;
    }
    if (*p == '{' || *p == '[') {
        char closers[64];   /* what each open bracket expects */
        int depth = 0;
        for (; p < end; p++) {
            if (*p == '"') {
                p = rgp__json_str_end(p + 1, end);
                if (!p) { *why = "a string does not close"; return NULL; }
            } else if (*p == '{' || *p == '[') {
                if (depth == (int)sizeof closers) { *why = "values nested too deeply"; return NULL; }
                closers[depth++] = *p == '{' ? '}' : ']';
            } else if (*p == '}' || *p == ']') {
                if (*p != closers[depth - 1]) { *why = "brackets do not match"; return NULL; }
                if (--depth == 0) {
                    v->kind = RGP_JSON_NEST;
                    v->text.ptr = start;
                    v->text.len = (size_t)(p + 1 - start);
                    return p + 1;
                }
            }
        }
        *why = "an object or array does not close";
        return NULL;
    }
    while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') p++;
    v->text.ptr = start;
    v->text.len = (size_t)(p - start);
    if (v->text.len == 4 && !memcmp(start, "true", 4)) v->kind = RGP_JSON_TRUE;
    else if (v->text.len == 5 && !memcmp(start, "false", 5)) v->kind = RGP_JSON_FALSE;
    else if (v->text.len == 4 && !memcmp(start, "null", 4)) v->kind = RGP_JSON_NULL;
    else if (v->text.len && (*start == '-' || (*start >= '0' && *start <= '9'))) v->kind = RGP_JSON_NUM;
    else { *why = "a value is not JSON"; return NULL; }
    return p;
}

/* A line of only whitespace: no record, and no error. */
static inline int rgp_json_blank(rgp_str line)
{
    return rgp__json_ws(line.ptr, line.ptr + line.len) == line.ptr + line.len;
}

/* Starts an object: returns 0, or -1 with *why. */
static inline int rgp_json_begin(const char **p, const char *end, const char **why)
{
    *p = rgp__json_ws(*p, end);
    if (*p == end || **p != '{') { *why = "the line is not a JSON object"; return -1; }
    (*p)++;
    return 0;
}

/* The next member: 1 with *key and *v, 0 at the end of the object (after
 * which only whitespace may follow), or -1 with *why. first: no comma yet. */
static inline int rgp_json_member(const char **pp, const char *end, int first, rgp_str *key, rgp_json_val *v,
                                  const char **why)
{
    const char *p = rgp__json_ws(*pp, end);
    if (p < end && *p == '}') {
        p = rgp__json_ws(p + 1, end);
        if (p != end) { *why = "text after the object"; return -1; }
        *pp = p;
        return 0;
    }
    if (!first) {
        if (p == end || *p != ',') { *why = "expected ',' or '}' between members"; return -1; }
        p = rgp__json_ws(p + 1, end);
    }
    if (p == end || *p != '"') { *why = "expected a key in quotes"; return -1; }
    const char *q = rgp__json_str_end(p + 1, end);
    if (!q) { *why = "a key does not close"; return -1; }
    key->ptr = p + 1;
    key->len = (size_t)(q - p - 1);
    p = rgp__json_ws(q + 1, end);
    if (p == end || *p != ':') { *why = "expected ':' after a key"; return -1; }
    p = rgp__json_skip(rgp__json_ws(p + 1, end), end, v, why);
    if (!p) return -1;
    *pp = p;
    return 1;
}

static inline int rgp__hex4(const char *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') v |= (unsigned)((c | 0x20) - 'a' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

/* Decodes a string value's escapes into out (room for src.len bytes always
 * suffices: no escape grows). Returns the length, or -1 for a bad escape.
 * \uXXXX becomes UTF-8, surrogate pairs included. */
static inline long rgp_json_decode(rgp_str src, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < src.len; i++) {
        char c = src.ptr[i];
        if (c != '\\') { out[o++] = c; continue; }
        if (++i == src.len) return -1;
        switch (src.ptr[i]) {
        case '"': out[o++] = '"'; break;
        case '\\': out[o++] = '\\'; break;
        case '/': out[o++] = '/'; break;
        case 'b': out[o++] = '\b'; break;
        case 'f': out[o++] = '\f'; break;
        case 'n': out[o++] = '\n'; break;
        case 'r': out[o++] = '\r'; break;
        case 't': out[o++] = '\t'; break;
        case 'u': {
            unsigned cp, lo;
            if (i + 4 >= src.len || rgp__hex4(src.ptr + i + 1, &cp)) return -1;
            i += 4;
            if (cp >= 0xd800 && cp < 0xdc00) {   /* a high surrogate needs its low half */
                if (i + 6 >= src.len || src.ptr[i + 1] != '\\' || src.ptr[i + 2] != 'u' ||
                    rgp__hex4(src.ptr + i + 3, &lo) || lo < 0xdc00 || lo > 0xdfff)
                    return -1;
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                i += 6;
            } else if (cp >= 0xdc00 && cp < 0xe000) {
                return -1;
            }
            if (cp < 0x80) out[o++] = (char)cp;
            else if (cp < 0x800) { out[o++] = (char)(0xc0 | cp >> 6); out[o++] = (char)(0x80 | (cp & 0x3f)); }
            else if (cp < 0x10000) {
                out[o++] = (char)(0xe0 | cp >> 12);
                out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
                out[o++] = (char)(0x80 | (cp & 0x3f));
            } else {
                out[o++] = (char)(0xf0 | cp >> 18);
                out[o++] = (char)(0x80 | ((cp >> 12) & 0x3f));
                out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
                out[o++] = (char)(0x80 | (cp & 0x3f));
            }
            break;
        }
        default: return -1;
        }
    }
    return (long)o;
}

#endif /* RGP_JSON_H */
