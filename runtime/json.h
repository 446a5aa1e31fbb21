/* json.h - reading JSON lines: one object per line, scanned member by member
 * without building a tree. Generated parsers match the keys their schema
 * names and convert the values; other members are skipped, but checked as
 * strictly as read ones: a line is accepted only if it is JSON (RFC 8259),
 * UTF-8 included. */
#ifndef RGP_JSON_H
#define RGP_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rgp_std.h"

enum { RGP_JSON_STR, RGP_JSON_NUM, RGP_JSON_TRUE, RGP_JSON_FALSE, RGP_JSON_NULL, RGP_JSON_OBJECT, RGP_JSON_ARRAY };

/* How deep objects and arrays may nest inside a line's object; a line that
 * goes deeper is rejected with a message that says so. */
#define RGP_JSON_MAX_DEPTH 64
#define RGP__JSON_TEXT(x) #x
#define RGP__JSON_NUMBER_TEXT(x) RGP__JSON_TEXT(x)

/* A member's value: for a string, the text between the quotes, escapes not
 * yet decoded (see rgp_json_decode); for a number, its text; for an object
 * or array, all of it. */
typedef struct rgp_json_val {
    int kind;
    rgp_str text;
} rgp_json_val;

/* Why a line is not JSON, and the byte where that shows. */
typedef struct rgp_json_error {
    const char *why;
    const char *at;
} rgp_json_error;

static inline const char *rgp__json_fail(rgp_json_error *err, const char *at, const char *why)
{
    err->at = at;
    err->why = why;
    return NULL;
}

/* JSON's whitespace: space, tab, CR, LF (not form feed or vertical tab).
 * Most calls stop at once, at a byte above ' ', after one test. */
static inline const char *rgp__json_ws(const char *p, const char *end)
{
    while (p < end && (unsigned char)*p <= ' ' && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) p++;
    return p;
}

static inline int rgp__json_digit(const char *p, const char *end)
{
    return p < end && (unsigned)((unsigned char)*p - '0') <= 9;
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

/* Past the escape at p (a backslash): one of \" \\ \/ \b \f \n \r \t, or
 * \uXXXX, where a surrogate must be a high one with a low one after it
 * (a lone half is no character, and UTF-8 cannot hold it). */
static inline const char *rgp__json_escape_end(const char *p, const char *end, rgp_json_error *err)
{
    unsigned cp, lo;
    if (end - p < 2) return rgp__json_fail(err, p, "a string does not close");
    switch (p[1]) {
    case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't': return p + 2;
    case 'u': break;
    default: return rgp__json_fail(err, p, "an unknown escape in a string (JSON has \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
    }
    if (end - p < 6 || rgp__hex4(p + 2, &cp)) return rgp__json_fail(err, p, "\\u needs four hex digits");
    if (cp >= 0xdc00 && cp <= 0xdfff) return rgp__json_fail(err, p, "a low surrogate escape without a high one before it");
    if (cp < 0xd800 || cp > 0xdbff) return p + 6;
    if (end - p < 12 || p[6] != '\\' || p[7] != 'u' || rgp__hex4(p + 8, &lo) || lo < 0xdc00 || lo > 0xdfff)
        return rgp__json_fail(err, p, "a high surrogate escape without a low one after it");
    return p + 12;
}

/* rgp__json_str_end past the first byte that is not plain ASCII (at p): escapes,
 * UTF-8, control bytes and the end of the line are checked here. */
static const char *rgp__json_str_rest(const char *open, const char *p, const char *end, rgp_json_error *err)
{
    for (;;) {
        while (p < end && rgp_json_plain[(unsigned char)*p]) p++;
        if (p == end) break;
        unsigned char c = (unsigned char)*p;
        size_t n, bad;
        if (c == '"') return p;
        if (c == '\\') {
            if (!(p = rgp__json_escape_end(p, end, err))) return NULL;
            continue;
        }
        if (c < 0x20) return rgp__json_fail(err, p, "a control character in a string (JSON needs it escaped)");
        n = rgp_utf8_seq((const unsigned char *)p, (size_t)(end - p), &bad);
        if (!n) return rgp__json_fail(err, p, "a string holds bytes that are not UTF-8");
        p += n;
    }
    return rgp__json_fail(err, open, "a string does not close");
}

/* The closing quote of the string whose opening quote is at open: NULL with
 * *err if it does not close, holds a control byte, a bad escape or bytes
 * that are not UTF-8.  Plain ASCII, most strings, costs one table look-up a
 * byte, in a loop small enough to inline. */
static inline const char *rgp__json_str_end(const char *open, const char *end, rgp_json_error *err)
{
    const char *p = open + 1;
    while (p < end && rgp_json_plain[(unsigned char)*p]) p++;
    if (p < end && *p == '"') return p;
    return rgp__json_str_rest(open, p, end, err);
}

/* Past a number in RFC 8259's grammar, -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?,
 * or NULL: no '+', no leading zeros, digits on both sides of '.', no Infinity or NaN. */
static inline const char *rgp__json_number_end(const char *p, const char *end)
{
    if (p < end && *p == '-') p++;
    if (!rgp__json_digit(p, end)) return NULL;
    if (*p++ != '0')
        while (rgp__json_digit(p, end)) p++;
    if (p < end && *p == '.') {
        if (!rgp__json_digit(++p, end)) return NULL;
        while (rgp__json_digit(p, end)) p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-')) p++;
        if (!rgp__json_digit(p, end)) return NULL;
        while (rgp__json_digit(p, end)) p++;
    }
    return p;
}

/* Whether the number or word before p goes on at p (012, 1.2.3, truex): then
 * it is what is wrong; any other byte is for the caller to judge (1"a": a
 * missing comma). */
static inline int rgp__json_token_goes_on(const char *p, const char *end)
{
    if (p == end || *p == ',' || *p == '}' || *p == ']' || *p == ' ') return 0;   /* what usually follows */
    unsigned char lower = (unsigned char)(*p | 0x20);
    return (lower >= 'a' && lower <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '+' || *p == '-';
}

/* Past the string value that opens at p, which sets v. */
static inline const char *rgp__json_string_value_end(const char *p, const char *end, rgp_json_val *v, rgp_json_error *err)
{
    const char *q = rgp__json_str_end(p, end, err);
    if (!q) return NULL;
    v->kind = RGP_JSON_STR;
    v->text = (rgp_str){p + 1, (size_t)(q - p - 1)};
    return q + 1;
}

/* Past a string, number, true, false or null at p, which sets v. */
static inline const char *rgp__json_scalar_end(const char *p, const char *end, rgp_json_val *v, rgp_json_error *err)
{
    const char *start = p;
    if (p == end) return rgp__json_fail(err, p, "a value is missing");
    if (*p == '"') return rgp__json_string_value_end(p, end, v, err);
    if (*p == '-' || (*p >= '0' && *p <= '9') || *p == '+' || *p == '.') {   /* '+1', '.5': numbers JSON does not allow */
        p = rgp__json_number_end(p, end);
        if (!p || rgp__json_token_goes_on(p, end))
            return rgp__json_fail(err, start, "a number is not JSON (RFC 8259: no '+', no leading zeros, "
                                              "digits on both sides of '.', no Infinity or NaN)");
        v->kind = RGP_JSON_NUM;
    } else if (end - p >= 4 && !memcmp(p, "true", 4)) {
        p += 4, v->kind = RGP_JSON_TRUE;
    } else if (end - p >= 5 && !memcmp(p, "false", 5)) {
        p += 5, v->kind = RGP_JSON_FALSE;
    } else if (end - p >= 4 && !memcmp(p, "null", 4)) {
        p += 4, v->kind = RGP_JSON_NULL;
    } else if (*p == ',' || *p == '}' || *p == ']') {
        return rgp__json_fail(err, p, "a value is missing");
    } else {
        p = NULL;
    }
    if (!p || rgp__json_token_goes_on(p, end))
        return rgp__json_fail(err, start, "a value is not JSON (expected a string, number, object, array, true, false or null)");
    v->text = (rgp_str){start, (size_t)(p - start)};
    return p;
}

/* Past a key, its ':' and the whitespace after, to the value; sets *key. */
static inline const char *rgp__json_key_end(const char *p, const char *end, rgp_str *key, rgp_json_error *err)
{
    const char *q;
    if (p == end || *p != '"') return rgp__json_fail(err, p, "expected a key in quotes");
    if (!(q = rgp__json_str_end(p, end, err))) return NULL;
    key->ptr = p + 1;
    key->len = (size_t)(q - p - 1);
    p = rgp__json_ws(q + 1, end);
    if (p == end || *p != ':') return rgp__json_fail(err, p, "expected ':' after a key");
    return rgp__json_ws(p + 1, end);
}

/* Past the object or array that opens at p, every member and element in it
 * checked (depth: how deep p already is).  Iterative, with a stack of what
 * each open level is, so hostile nesting cannot overflow the C stack. */
static inline const char *rgp__json_nest_end(const char *p, const char *end, int depth, rgp_json_error *err)
{
    char open[RGP_JSON_MAX_DEPTH];   /* '{' or '[' of each level inside this value */
    int n = 0;
    rgp_json_val scalar;
    rgp_str key;
    for (;;) {
        /* p is at a value */
        if (p < end && (*p == '{' || *p == '[')) {
            if (depth + n == RGP_JSON_MAX_DEPTH)
                return rgp__json_fail(err, p, "objects and arrays nested more than " RGP__JSON_NUMBER_TEXT(RGP_JSON_MAX_DEPTH)
                                              " deep (rgp's limit)");
            open[n++] = *p;
            p = rgp__json_ws(p + 1, end);
            if (p < end && *p == (open[n - 1] == '{' ? '}' : ']')) {
                p++, n--;   /* empty: a value done */
            } else {
                if (open[n - 1] == '{' && !(p = rgp__json_key_end(p, end, &key, err))) return NULL;
                continue;
            }
        } else if (!(p = rgp__json_scalar_end(p, end, &scalar, err))) {
            return NULL;
        }
        /* a value is done: close levels until one goes on with a ',' */
        for (;;) {
            if (n == 0) return p;
            p = rgp__json_ws(p, end);
            if (p < end && *p == (open[n - 1] == '{' ? '}' : ']')) {
                p++, n--;
                continue;
            }
            if (p < end && *p == ',') break;
            return rgp__json_fail(err, p, open[n - 1] == '{' ? "expected ',' or '}' after a member" : "expected ',' or ']' after an element");
        }
        p = rgp__json_ws(p + 1, end);
        if (open[n - 1] == '{' && !(p = rgp__json_key_end(p, end, &key, err))) return NULL;
    }
}

/* A line of only whitespace: no record, and no error. */
static inline int rgp_json_blank(rgp_str line)
{
    return rgp__json_ws(line.ptr, line.ptr + line.len) == line.ptr + line.len;
}

/* Starts an object: returns 0, or -1 with *err. */
static inline int rgp_json_begin(const char **p, const char *end, rgp_json_error *err)
{
    *p = rgp__json_ws(*p, end);
    if (*p == end || **p != '{') {
        rgp__json_fail(err, *p, "the line is not a JSON object");
        return -1;
    }
    (*p)++;
    return 0;
}

/* The next member's key: 1 with *key and *pp at its value, 0 past the '}' that
 * ends the object, or -1 with *err. first: no comma yet.  With rgp_json_value
 * this walks nested objects in one pass: a parser descends (rgp_json_enter) into
 * the values its paths go through and passes over the rest. */
static inline int rgp_json_key(const char **pp, const char *end, int first, rgp_str *key, rgp_json_error *err)
{
    const char *p = rgp__json_ws(*pp, end);
    if (p < end && *p == '}') {
        *pp = p + 1;
        return 0;
    }
    if (!first) {
        if (p == end || *p != ',') {
            rgp__json_fail(err, p, "expected ',' or '}' after a member");
            return -1;
        }
        p = rgp__json_ws(p + 1, end);
    }
    if (!(p = rgp__json_key_end(p, end, key, err))) return -1;
    *pp = p;
    return 1;
}

/* Past the value at p, which sets v; depth: how deep the object holding it is
 * (1 for the line's object). */
static inline const char *rgp_json_value(const char *p, const char *end, int depth, rgp_json_val *v, rgp_json_error *err)
{
    const char *start = p;
    if (p < end && *p == '"') return rgp__json_string_value_end(p, end, v, err);   /* the most common value, inline */
    if (p == end || (*p != '{' && *p != '[')) return rgp__json_scalar_end(p, end, v, err);
    if (!(p = rgp__json_nest_end(p, end, depth, err))) return NULL;
    v->kind = *start == '{' ? RGP_JSON_OBJECT : RGP_JSON_ARRAY;
    v->text = (rgp_str){start, (size_t)(p - start)};
    return p;
}

/* Whether the value at p is an object, to be walked member by member: then
 * *pp moves past its '{'.  (Parsers limit paths to fewer segments than
 * RGP_JSON_MAX_DEPTH, so a descent never passes the limit.) */
static inline int rgp_json_enter(const char **pp, const char *end)
{
    if (*pp == end || **pp != '{') return 0;
    (*pp)++;
    return 1;
}

/* After the line's object: only whitespace. 0, or -1 with *err. */
static inline int rgp_json_end(const char **pp, const char *end, rgp_json_error *err)
{
    const char *p = rgp__json_ws(*pp, end);
    if (p != end) {
        rgp__json_fail(err, p, "text after the object");
        return -1;
    }
    *pp = p;
    return 0;
}

/* The next member of the line's object: 1 with *key and *v, 0 at the end of
 * the object (after which only whitespace may follow), or -1 with *err. */
static inline int rgp_json_member(const char **pp, const char *end, int first, rgp_str *key, rgp_json_val *v,
                                  rgp_json_error *err)
{
    int rc = rgp_json_key(pp, end, first, key, err);
    if (rc <= 0) return rc < 0 || rgp_json_end(pp, end, err) < 0 ? -1 : 0;
    if (!(*pp = rgp_json_value(*pp, end, 1, v, err))) return -1;
    return 1;
}

/* A value as a message shows it, after its kind: string "21.5", number 1e3,
 * object {"a":1,... : at most 40 bytes of its text, other than printable ASCII
 * escaped as \xHH, so that what a line held can be read off the message. */
static inline const char *rgp_json_shown(char *out, size_t cap, const rgp_json_val *v)
{
    static const char *const kinds[] = {"string", "number", "", "", "", "object", "array"};
    size_t k = (size_t)snprintf(out, cap, "%s%s%s", kinds[v->kind], *kinds[v->kind] ? " " : "", v->kind == RGP_JSON_STR ? "\"" : "");
    size_t i;
    for (i = 0; i < v->text.len && i < 40 && k + 5 < cap; i++) {
        unsigned char c = (unsigned char)v->text.ptr[i];
        k += (size_t)snprintf(out + k, cap - k, c >= 0x20 && c < 0x7f ? "%c" : "\\x%02x", c);
    }
    snprintf(out + k, cap - k, "%s%s", i < v->text.len ? "..." : "", v->kind == RGP_JSON_STR ? "\"" : "");
    return out;
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
