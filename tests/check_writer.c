/* check_writer.c - unit tests for runtime/writer.h: exact bytes of every
 * value format, floats against printf over millions of doubles (and under
 * tcc), the float printer's table and arithmetic, CSV quoting, JSON escapes,
 * buffering past 64 KiB, and how write errors are remembered. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emit.h"
#include "jit.h"
#include "json.h"
#include "reader.h"
#include "writer.h"

static double from_bits(uint64_t b)
{
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}

/* A writer on an unlinked temp file; *keep is a second fd to read back. */
static void open_temp(rgp_writer *w, int *keep)
{
    char path[] = "/tmp/rgp_check_writer_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    unlink(path);
    *keep = dup(fd);
    ck_assert_int_ge(*keep, 0);
    ck_assert_int_eq(rgp_writer_open_fd(w, fd, "out"), 0);
}

/* An unlinked temp file holding data, positioned at 0, for a reader. */
static int temp_fd_of(const char *data, size_t len)
{
    char path[] = "/tmp/rgp_check_writer_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    unlink(path);
    ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
    ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
    return fd;
}

/* Closes the writer and returns everything it wrote (malloc'd, NUL-ended). */
static char *finish(rgp_writer *w, int keep, size_t *len)
{
    off_t size;
    char *buf;
    size_t off = 0;
    ck_assert_int_eq(rgp_writer_close(w), 0);
    size = lseek(keep, 0, SEEK_END);
    ck_assert_int_ge(size, 0);
    ck_assert_int_eq(lseek(keep, 0, SEEK_SET), 0);
    buf = malloc((size_t)size + 1);
    ck_assert_ptr_nonnull(buf);
    while (off < (size_t)size) {
        ssize_t k = read(keep, buf + off, (size_t)size - off);
        ck_assert_int_gt(k, 0);
        off += (size_t)k;
    }
    buf[off] = 0;
    close(keep);
    *len = off;
    return buf;
}

static rgp_str S(const char *s)
{
    rgp_str r;
    r.ptr = s;
    r.len = strlen(s);
    return r;
}

START_TEST(test_ints)
{
    rgp_writer w;
    int keep;
    size_t len;
    char *out;
    open_temp(&w, &keep);
    rgp_w_i64(&w, 0);
    rgp_w_char(&w, ' ');
    rgp_w_i64(&w, -1);
    rgp_w_char(&w, ' ');
    rgp_w_i64(&w, 7);
    rgp_w_char(&w, ' ');
    rgp_w_i64(&w, -1234567890);
    rgp_w_char(&w, ' ');
    rgp_w_i64(&w, INT64_MIN);
    rgp_w_char(&w, ' ');
    rgp_w_i64(&w, INT64_MAX);
    rgp_w_char(&w, ' ');
    rgp_w_u64(&w, 0);
    rgp_w_char(&w, ' ');
    rgp_w_u64(&w, 10);
    rgp_w_char(&w, ' ');
    rgp_w_u64(&w, UINT64_MAX);
    rgp_w_char(&w, ' ');
    rgp_w_bool(&w, true);
    rgp_w_char(&w, ' ');
    rgp_w_bool(&w, false);
    out = finish(&w, keep, &len);
    ck_assert_str_eq(out, "0 -1 7 -1234567890 -9223372036854775808 9223372036854775807 "
                          "0 10 18446744073709551615 true false");
    free(out);
}
END_TEST

/* Every digit count, on both sides of each power of ten, and numbers that
 * end at every offset around the buffer's end (where the digits cannot go
 * straight into the buffer): the same text as snprintf's. */
START_TEST(test_ints_every_length_and_buffer_edge)
{
    rgp_writer w;
    int keep;
    size_t len, want_len = 0, want_cap = 2 * RGP_WRITER_CAP + 4096;
    char *out, *want = malloc(want_cap);
    ck_assert_ptr_nonnull(want);
    open_temp(&w, &keep);
    uint64_t p = 1;
    for (int k = 0; k < 20; k++, p *= 10) {
        const uint64_t vs[3] = {p - 1, p, p + 1};
        for (int i = 0; i < 3; i++) {
            rgp_w_u64(&w, vs[i]);
            rgp_w_char(&w, ',');
            rgp_w_i64(&w, -(int64_t)(vs[i] & INT64_MAX));
            rgp_w_char(&w, ' ');
            want_len += (size_t)snprintf(want + want_len, want_cap - want_len, "%" PRIu64 ",%" PRId64 " ",
                                         vs[i], -(int64_t)(vs[i] & INT64_MAX));
        }
    }
    /* pad to 30 bytes before the buffer's end, then 20-digit numbers and a
     * byte each walk over it */
    while (want_len + 30 < RGP_WRITER_CAP) {
        rgp_w_char(&w, '.');
        want[want_len++] = '.';
    }
    for (int i = 0; i < 40; i++) {
        rgp_w_u64(&w, UINT64_MAX - (uint64_t)i);
        rgp_w_char(&w, i % 2 ? ';' : '-');
        rgp_w_i64(&w, INT64_MIN + i);
        want_len += (size_t)snprintf(want + want_len, want_cap - want_len, "%" PRIu64 "%c%" PRId64,
                                     UINT64_MAX - (uint64_t)i, i % 2 ? ';' : '-', INT64_MIN + i);
    }
    out = finish(&w, keep, &len);
    ck_assert_uint_eq(len, want_len);
    ck_assert_int_eq(memcmp(out, want, len), 0);
    free(out);
    free(want);
}
END_TEST

struct fcase {
    double v;
    const char *want;
};

START_TEST(test_f64)
{
    const struct fcase cases[] = {
        {0.0, "0"},
        {from_bits(UINT64_C(0x8000000000000000)), "-0"},
        {0.1, "0.1"},
        {1.0 / 3.0, "0.3333333333333333"},
        {2.0 / 3.0, "0.6666666666666666"},
        {0.1 + 0.2, "0.30000000000000004"},
        {1e21, "1e21"},
        {1e15, "1e15"},
        {1e100, "1e100"},
        {1e-7, "1e-7"},
        {1.5e-10, "1.5e-10"},
        {5e-324, "5e-324"},
        {from_bits(3), "1.5e-323"},
        {2.2250738585072009e-308, "2.225073858507201e-308"},
        {DBL_MIN, "2.2250738585072014e-308"},
        {DBL_MAX, "1.7976931348623157e308"},
        {80.0, "80"},
        {80.5, "80.5"},
        {-2.5, "-2.5"},
        {100.0, "100"},
        {1.0, "1"},
        {-1.0, "-1"},
        {-80.0, "-80"},
        {999999999999999.0, "999999999999999"},
        {-999999999999999.0, "-999999999999999"},
        {999999999999999.5, "999999999999999.5"},
        {4503599627370495.5, "4503599627370495.5"},
        {-1e15, "-1e15"},
        {123456.0, "123456"},
        {123456789012345.0, "123456789012345"},
        {1234567890123456.0, "1234567890123456"},
        {12345678901234567.0, "12345678901234568"},
        {123456789012345678.0, "1.2345678901234568e17"},
        {9007199254740993.0, "9007199254740992"},
        {0.001, "0.001"},
        {0.0001, "0.0001"},
        {0.00001, "1e-5"},
        {3.14159, "3.14159"},
        {0.000123, "0.000123"},
        {1.5e-5, "1.5e-5"},
        {123456789.123456, "123456789.123456"},
        {101.9 - 80.0, "21.900000000000006"},
        {1125899906842624.25, "1125899906842624.2"}, /* halfway: the even digit */
        {1125899906842624.75, "1125899906842624.8"},
        {0x1p-1017, "7.1202363472230444e-307"},       /* 7.120236347223045e-307 would do */
        {2.5e-323, "2.5e-323"},
        {1e-310, "1e-310"},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rgp_writer w;
        int keep;
        size_t len;
        char *out;
        double back;
        open_temp(&w, &keep);
        rgp_w_f64(&w, cases[i].v);
        out = finish(&w, keep, &len);
        ck_assert_msg(strcmp(out, cases[i].want) == 0, "%a: got '%s', want '%s'", cases[i].v, out, cases[i].want);
        /* and it reads back to the same double */
        ck_assert_int_eq(rgp_parse_f64(out, len, &back), RGP_PARSE_OK);
        ck_assert(memcmp(&back, &cases[i].v, sizeof back) == 0);
        free(out);
    }
}
END_TEST

START_TEST(test_f64_special)
{
    rgp_writer w;
    int keep;
    size_t len;
    char *out;
    double nan = from_bits(UINT64_C(0x7ff8000000000000));
    double nnan = from_bits(UINT64_C(0xfff8000000000001));
    double inf = from_bits(UINT64_C(0x7ff0000000000000));
    double ninf = from_bits(UINT64_C(0xfff0000000000000));
    double mzero = from_bits(UINT64_C(0x8000000000000000));

    open_temp(&w, &keep);
    rgp_w_f64(&w, nan);
    rgp_w_char(&w, ' ');
    rgp_w_f64(&w, nnan);
    rgp_w_char(&w, ' ');
    rgp_w_f64(&w, inf);
    rgp_w_char(&w, ' ');
    rgp_w_f64(&w, ninf);
    rgp_w_char(&w, '|');
    rgp_w_json_f64(&w, nan);
    rgp_w_char(&w, ' ');
    rgp_w_json_f64(&w, nnan);
    rgp_w_char(&w, ' ');
    rgp_w_json_f64(&w, inf);
    rgp_w_char(&w, ' ');
    rgp_w_json_f64(&w, ninf);
    rgp_w_char(&w, ' ');
    rgp_w_json_f64(&w, mzero);
    rgp_w_char(&w, ' ');
    rgp_w_json_f64(&w, 0.5);
    rgp_w_char(&w, ' ');
    rgp_w_json_f64(&w, 1e21);
    out = finish(&w, keep, &len);
    ck_assert_str_eq(out, "nan nan inf -inf|null null null null -0 0.5 1e21");
    free(out);
}
END_TEST

struct scase {
    const char *in;
    char delim;
    const char *want;
};

START_TEST(test_csv_str)
{
    static const struct scase cases[] = {
        {"", ',', ""},
        {"abc", ',', "abc"},
        {" a b ", ',', " a b "},
        {"a,b", ',', "\"a,b\""},
        {"a;b", ',', "a;b"},
        {"a;b", ';', "\"a;b\""},
        {"a,b", ';', "a,b"},
        {"a\tb", '\t', "\"a\tb\""},
        {"a\"b", ',', "\"a\"\"b\""},
        {"\"", ',', "\"\"\"\""},
        {"\"\"", ',', "\"\"\"\"\"\""},
        {"\"x\"", ',', "\"\"\"x\"\"\""},
        {"a\nb", ',', "\"a\nb\""},
        {"a\rb", ',', "\"a\rb\""},
        {"a\r\n", ',', "\"a\r\n\""},
        {"caf\xc3\xa9", ',', "caf\xc3\xa9"},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rgp_writer w;
        int keep;
        size_t len;
        char *out;
        open_temp(&w, &keep);
        rgp_w_csv_str(&w, S(cases[i].in), cases[i].delim);
        out = finish(&w, keep, &len);
        ck_assert_msg(strcmp(out, cases[i].want) == 0, "case %zu: got '%s', want '%s'", i, out, cases[i].want);
        free(out);
    }
}
END_TEST

START_TEST(test_json_str)
{
    static const struct scase cases[] = {
        {"", 0, "\"\""},
        {"abc", 0, "\"abc\""},
        {"a\"b", 0, "\"a\\\"b\""},
        {"a\\b", 0, "\"a\\\\b\""},
        {"\n\r\t\b\f", 0, "\"\\n\\r\\t\\b\\f\""},
        {"\x01\x1f", 0, "\"\\u0001\\u001f\""},
        {"x\x7fy", 0, "\"x\x7fy\""},
        {"/", 0, "\"/\""},
        {"caf\xc3\xa9 \xe2\x82\xac", 0, "\"caf\xc3\xa9 \xe2\x82\xac\""},
        {"end\\", 0, "\"end\\\\\""},
        {"\xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf \xef\xbf\xbf", 0, "\"\xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf \xef\xbf\xbf\""},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rgp_writer w;
        int keep;
        size_t len;
        char *out;
        open_temp(&w, &keep);
        rgp_w_json_str(&w, S(cases[i].in));
        out = finish(&w, keep, &len);
        ck_assert_msg(strcmp(out, cases[i].want) == 0, "case %zu: got '%s', want '%s'", i, out, cases[i].want);
        free(out);
    }
}
END_TEST

/* Each ill-formed UTF-8 sequence, by its maximal subpart, becomes one U+FFFD
 * (the Unicode standard's recommended practice), and rgp_w_json_str says so. */
START_TEST(test_json_str_invalid_utf8)
{
#define FFFD "\xef\xbf\xbd"
    static const struct scase cases[] = {
        {"\xff\xfe", 0, "\"" FFFD FFFD "\""},
        {"caf\xe9!", 0, "\"caf" FFFD "!\""},                  /* Latin-1 */
        {"\x80", 0, "\"" FFFD "\""},                          /* a lone continuation byte */
        {"\xc0\xaf", 0, "\"" FFFD FFFD "\""},                 /* overlong '/' */
        {"\xe0\x80\x80", 0, "\"" FFFD FFFD FFFD "\""},         /* overlong NUL */
        {"\xed\xa0\x80", 0, "\"" FFFD FFFD FFFD "\""},         /* the surrogate U+D800 */
        {"\xf4\x90\x80\x80", 0, "\"" FFFD FFFD FFFD FFFD "\""},  /* past U+10FFFF */
        {"\xe2\x82", 0, "\"" FFFD "\""},                      /* cut short at the end */
        {"\xe2\x82x", 0, "\"" FFFD "x\""},                    /* cut short before ASCII */
        {"\xf0\x9f\x98\"", 0, "\"" FFFD "\\\"\""},             /* cut short before a quote, still escaped */
        {"a\xf8\x88\x80\x80\x80" "b", 0, "\"a" FFFD FFFD FFFD FFFD FFFD "b\""},   /* five-byte forms do not exist */
    };
#undef FFFD
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rgp_writer w;
        int keep;
        size_t len;
        open_temp(&w, &keep);
        ck_assert_int_eq(rgp_w_json_str(&w, S(cases[i].in)), 1);
        char *out = finish(&w, keep, &len);
        ck_assert_msg(strcmp(out, cases[i].want) == 0, "case %zu: got '%s', want '%s'", i, out, cases[i].want);
        free(out);
    }
}
END_TEST

/* Whether s[0..n) is well-formed UTF-8, by a decoder of its own (not rgp_utf8_seq). */
static int utf8_ok(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i], need, cp;
        if (c < 0x80) { i++; continue; }
        if (c >= 0xc0 && c < 0xe0) need = 1, cp = c & 0x1f;
        else if (c >= 0xe0 && c < 0xf0) need = 2, cp = c & 0x0f;
        else if (c >= 0xf0 && c < 0xf8) need = 3, cp = c & 0x07;
        else return 0;
        for (unsigned k = 1; k <= need; k++) {
            if (i + k >= n || (s[i + k] & 0xc0) != 0x80) return 0;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        unsigned min = need == 1 ? 0x80 : need == 2 ? 0x800 : 0x10000;
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
        i += need + 1;
    }
    return 1;
}

/* Random strings of ASCII, control bytes, well-formed characters of every
 * length and stray bytes: the output is always one JSON string (the reader's
 * scanner accepts it) and valid UTF-8; it decodes back to the input exactly
 * when the input was valid UTF-8, which is when nothing was replaced. */
START_TEST(test_json_str_random)
{
    static const char *const pieces[] = {"a", "\"", "\\", "\n", "\x01", "\x7f", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
                                         "\xf4\x8f\xbf\xbf", "\xed\x9f\xbf", "\xee\x80\x80", "\x80", "\xbf", "\xc0", "\xc1\xbf",
                                         "\xe0\x9f\xbf", "\xed\xa0\x80", "\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5", "\xff", "\xe2",
                                         "\xf0\x9f"};
    uint64_t seed = 3629;
    for (int it = 0; it < 20000; it++) {
        char in[64], dec[256];
        size_t n = 0, k = rgp_splitmix64(&seed) % 8;
        while (k--) {
            const char *piece = pieces[rgp_splitmix64(&seed) % (sizeof pieces / sizeof pieces[0])];
            memcpy(in + n, piece, strlen(piece));
            n += strlen(piece);
        }
        rgp_writer w;
        int keep;
        size_t len;
        open_temp(&w, &keep);
        int replaced = rgp_w_json_str(&w, (rgp_str){in, n});
        char *out = finish(&w, keep, &len);
        rgp_json_error err;
        const char *close = rgp__json_str_end(out, out + len, &err);
        if (!close || close != out + len - 1) ck_abort_msg("case %d: not one JSON string: %s", it, close ? "text after it" : err.why);
        if (!utf8_ok((const unsigned char *)out, len)) ck_abort_msg("case %d: output is not UTF-8", it);
        if (replaced == utf8_ok((const unsigned char *)in, n)) ck_abort_msg("case %d: replaced %d for valid %d", it, replaced, !replaced);
        long dn = rgp_json_decode((rgp_str){out + 1, len - 2}, dec);
        if (!replaced && (dn != (long)n || memcmp(dec, in, n) != 0)) ck_abort_msg("case %d: does not decode back", it);
        free(out);
    }
}
END_TEST

START_TEST(test_json_str_nul)
{
    rgp_writer w;
    int keep;
    size_t len;
    char *out;
    rgp_str s = {"a\0b", 3};
    open_temp(&w, &keep);
    rgp_w_json_str(&w, s);
    out = finish(&w, keep, &len);
    ck_assert_str_eq(out, "\"a\\u0000b\"");
    free(out);
}
END_TEST

/* ---- CSV round trip: what the writer writes, the reader reads back ---- */

enum { RT_BOOL, RT_U32, RT_U64, RT_I32, RT_I64, RT_TIME, RT_F64, RT_STR, RT_NTYPES };
#define RT_MAXF 6
#define RT_ROWS 400

typedef struct rt_value {
    uint64_t u;   /* bool, u32, u64; i32, i64 and time as their two's complement */
    double f;
    char s[24];
    size_t slen;
} rt_value;

/* Values that stress the format: the extremes of each type, NaN, infinities,
 * -0, and strings of delimiters, quotes, CR, LF, spaces and UTF-8, often empty. */
static void rt_random_value(uint64_t *seed, int type, rt_value *v)
{
    static const uint64_t u64_edges[] = {0, 1, UINT32_MAX, UINT64_MAX, UINT64_MAX - 1};
    static const int64_t i64_edges[] = {0, -1, INT64_MIN, INT64_MAX, INT32_MIN, INT32_MAX};
    static const uint64_t f64_edges[] = {UINT64_C(0x7ff8000000000000), UINT64_C(0xfff8000000000001),
                                         UINT64_C(0x7ff0000000000000), UINT64_C(0xfff0000000000000),
                                         UINT64_C(0x8000000000000000), 0, 1, UINT64_C(0x7fefffffffffffff),
                                         UINT64_C(0x0010000000000000), UINT64_C(0x8000000000000001)};
    static const char pieces[][4] = {"a", ",", ";", "\t", "|", "\"", "\n", "\r", " ", "\xc3\xa9", "\"\"", "\r\n", "0"};
    uint64_t r = rgp_splitmix64(seed), x = rgp_splitmix64(seed);
    int edge = r % 4 == 0;
    memset(v, 0, sizeof *v);
    switch (type) {
    case RT_BOOL: v->u = x & 1; break;
    case RT_U32: v->u = edge ? (uint32_t)u64_edges[x % 3] : (uint32_t)x; break;
    case RT_U64: v->u = edge ? u64_edges[x % 5] : x >> (r >> 8) % 64; break;
    case RT_I32: v->u = (uint64_t)(int64_t)(int32_t)(edge ? (int32_t)(x % 2 ? INT32_MIN : INT32_MAX) : (int32_t)x); break;
    case RT_I64: case RT_TIME: v->u = edge ? (uint64_t)i64_edges[x % 6] : x >> (r >> 8) % 64; break;
    case RT_F64: v->f = from_bits(edge ? f64_edges[x % 10] : x); break;
    default: {
        size_t n = (r >> 8) % 3 == 0 ? 0 : (size_t)(x % 8);   /* a third empty */
        for (size_t k = 0; k < n; k++) {
            const char *piece = pieces[rgp_splitmix64(seed) % (sizeof pieces / sizeof pieces[0])];
            size_t plen = strlen(piece);
            if (v->slen + plen > sizeof v->s) break;
            memcpy(v->s + v->slen, piece, plen);
            v->slen += plen;
        }
    }
    }
}

/* One field, written as the emitted CSV writer writes a field of this type
 * (compiler/emit.c emit_writer; a row's only field through rgp_w_csv_str_sole). */
static void rt_write_field(rgp_writer *w, int type, const rt_value *v, char delim, int sole)
{
    switch (type) {
    case RT_BOOL: rgp_w_bool(w, v->u != 0); break;
    case RT_U32: case RT_U64: rgp_w_u64(w, v->u); break;
    case RT_F64: rgp_w_f64(w, v->f); break;
    case RT_STR:
        if (sole) rgp_w_csv_str_sole(w, (rgp_str){v->s, v->slen}, delim);
        else rgp_w_csv_str(w, (rgp_str){v->s, v->slen}, delim);
        break;
    default: rgp_w_i64(w, (int64_t)v->u); break;
    }
}

/* Whether the field's text reads back, as the emitted CSV parser reads it, to v. */
static int rt_reads_back(int type, const rt_value *v, rgp_str f)
{
    int32_t i32;
    int64_t i64;
    uint32_t u32;
    uint64_t u64;
    double d;
    bool b;
    switch (type) {
    case RT_BOOL: return rgp_parse_bool(f.ptr, f.len, &b) == RGP_PARSE_OK && b == (v->u != 0);
    case RT_U32: return rgp_parse_u32(f.ptr, f.len, &u32) == RGP_PARSE_OK && u32 == v->u;
    case RT_U64: return rgp_parse_u64(f.ptr, f.len, &u64) == RGP_PARSE_OK && u64 == v->u;
    case RT_I32: return rgp_parse_i32(f.ptr, f.len, &i32) == RGP_PARSE_OK && i32 == (int64_t)v->u;
    case RT_F64:
        if (rgp_parse_f64(f.ptr, f.len, &d) != RGP_PARSE_OK) return 0;
        if (rgp__f64_is_nan(v->f)) return rgp__f64_is_nan(d);   /* "nan": a NaN's sign and payload are not kept */
        return rgp__f64_bits(d) == rgp__f64_bits(v->f);
    case RT_STR: return f.len == v->slen && (f.len == 0 || memcmp(f.ptr, v->s, f.len) == 0);
    default: return rgp_parse_i64(f.ptr, f.len, &i64) == RGP_PARSE_OK && i64 == (int64_t)v->u;
    }
}

/* Random schemas (one field in a quarter of them, a string in most of those)
 * and random rows, written to a file and read back with rgp_csv_next_row:
 * the same number of rows, each field equal to what was written. */
START_TEST(test_csv_round_trip)
{
    static const char delims[] = {',', ';', '\t', '|'};
    static rt_value rows[RT_ROWS][RT_MAXF];
    uint64_t seed = 4180;
    for (int round = 0; round < 200; round++) {
        uint64_t r = rgp_splitmix64(&seed);
        int nf = r % 4 == 0 ? 1 : 1 + (int)((r >> 8) % RT_MAXF), types[RT_MAXF];
        char delim = delims[(r >> 16) % 4];
        for (int i = 0; i < nf; i++)
            types[i] = nf == 1 && (r >> 20) % 4 ? RT_STR : (int)(rgp_splitmix64(&seed) % RT_NTYPES);
        rgp_writer w;
        int keep;
        size_t len;
        open_temp(&w, &keep);
        for (int row = 0; row < RT_ROWS; row++) {
            for (int i = 0; i < nf; i++) {
                rt_random_value(&seed, types[i], &rows[row][i]);
                if (i) rgp_w_char(&w, delim);
                rt_write_field(&w, types[i], &rows[row][i], delim, nf == 1);
            }
            rgp_w_char(&w, '\n');
        }
        char *out = finish(&w, keep, &len);
        int fd = temp_fd_of(out, len);
        rgp_reader rd;
        ck_assert_int_eq(rgp_reader_open_fd(&rd, fd, "rt.csv", 0), 0);
        int row = 0;
        for (;;) {
            rgp_str f[RT_MAXF + 1];
            int n = 0;
            uint64_t line;
            const char *why = NULL;
            int st = rgp_csv_next_row(&rd, delim, f, RT_MAXF + 1, &n, &line, &why);
            if (st == RGP_ROW_NEED_INPUT) {
                ck_assert_int_gt(rgp_reader_fill(&rd), -1);
                continue;
            }
            if (st == RGP_ROW_EOF) break;
            ck_assert_msg(st == RGP_ROW_OK, "round %d, line %llu: %s", round, (unsigned long long)line, why);
            ck_assert_msg(row < RT_ROWS, "round %d: more rows read than written", round);
            ck_assert_msg(n == nf, "round %d, row %d: %d fields, wrote %d", round, row, n, nf);
            for (int i = 0; i < nf; i++)
                if (!rt_reads_back(types[i], &rows[row][i], f[i]))
                    ck_abort_msg("round %d, row %d, field %d (type %d, delim '%c'): read \"%.*s\"", round, row, i, types[i],
                                 delim, (int)f[i].len, f[i].ptr);
            row++;
        }
        ck_assert_msg(row == RT_ROWS, "round %d (%d fields): %d of %d rows read back", round, nf, row, RT_ROWS);
        rgp_reader_close(&rd);
        free(out);
    }
}
END_TEST

/* Several buffers' worth, through small writes, buffer-sized writes and
 * chunks that bypass the buffer; the bytes must come out in order. */
START_TEST(test_large_output)
{
    rgp_writer w;
    int keep;
    size_t len, i, n = 0;
    char *out, *want, *chunk;
    const size_t total = 5 * RGP_WRITER_CAP + 1234;
    size_t sizes[] = {1, 7, RGP_WRITER_CAP - 1, RGP_WRITER_CAP, RGP_WRITER_CAP + 1, 3 * RGP_WRITER_CAP, 100};

    want = malloc(total * 2);
    chunk = malloc(3 * RGP_WRITER_CAP + 1);
    ck_assert_ptr_nonnull(want);
    ck_assert_ptr_nonnull(chunk);
    open_temp(&w, &keep);
    for (i = 0; i < total; i++) { /* byte at a time across buffer edges */
        char c = (char)('a' + i % 23);
        rgp_w_char(&w, c);
        want[n++] = c;
    }
    out = NULL;
    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t j;
        char *big;
        for (j = 0; j < sizes[i]; j++)
            chunk[j] = (char)('A' + (i + j) % 19);
        if (n + sizes[i] > total * 2) {
            big = realloc(want, n + sizes[i]);
            ck_assert_ptr_nonnull(big);
            want = big;
        }
        rgp_w_bytes(&w, chunk, sizes[i]);
        memcpy(want + n, chunk, sizes[i]);
        n += sizes[i];
    }
    out = finish(&w, keep, &len);
    ck_assert_uint_eq(len, n);
    ck_assert(memcmp(out, want, n) == 0);
    free(out);
    free(want);
    free(chunk);
}
END_TEST

/* A write error is sticky: later output is dropped, close reports it. */
START_TEST(test_write_error_bad_fd)
{
    rgp_writer w;
    char big[RGP_WRITER_CAP + 10];
    memset(big, 'x', sizeof big);
    ck_assert_int_eq(rgp_writer_open_fd(&w, -1, "bad"), 0);
    rgp_w_bytes(&w, "hello", 5);
    ck_assert(!w.failed); /* still buffered */
    errno = 0;
    ck_assert_int_eq(rgp_writer_flush(&w), -1);
    ck_assert(w.failed);
    ck_assert_int_eq(w.err, EBADF);
    rgp_w_bytes(&w, big, sizeof big); /* no-ops now, must not crash */
    rgp_w_i64(&w, 42);
    rgp_w_f64(&w, 0.5);
    ck_assert_int_eq(rgp_writer_flush(&w), -1);
    errno = 0;
    ck_assert_int_eq(rgp_writer_close(&w), -1);
    ck_assert_int_eq(errno, EBADF);
}
END_TEST

START_TEST(test_write_error_closed_fd)
{
    rgp_writer w;
    int p[2], i;
    ck_assert_int_eq(pipe(p), 0);
    close(p[0]);
    close(p[1]); /* p[1] is now a closed descriptor */
    ck_assert_int_eq(rgp_writer_open_fd(&w, p[1], "closed"), 0);
    for (i = 0; i < 100000; i++) /* fills the buffer: flushes by itself */
        rgp_w_u64(&w, (uint64_t)i);
    ck_assert(w.failed);
    ck_assert_int_eq(w.err, EBADF);
    w.owns_fd = 0; /* do not close a number that may be reused */
    ck_assert_int_eq(rgp_writer_close(&w), -1);
}
END_TEST

START_TEST(test_write_error_full)
{
    rgp_writer w;
    if (access("/dev/full", W_OK) != 0)
        return;
    ck_assert_int_eq(rgp_writer_open(&w, "/dev/full", NULL), 0);
    ck_assert_str_eq(w.display, "/dev/full");
    rgp_w_bytes(&w, "data\n", 5);
    errno = 0;
    ck_assert_int_eq(rgp_writer_close(&w), -1);
    ck_assert_int_eq(errno, ENOSPC);
}
END_TEST

START_TEST(test_writer_open)
{
    rgp_writer w;
    char path[] = "/tmp/rgp_check_wopen_XXXXXX";
    char buf[64];
    int fd = mkstemp(path), stdout_open;
    ssize_t k;
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "old contents that are longer", 28), 28);
    close(fd);

    ck_assert_int_eq(rgp_writer_open(&w, path, "out.csv"), 0);
    ck_assert_str_eq(w.display, "out.csv");
    rgp_w_bytes(&w, "new\n", 4);
    ck_assert_int_eq(rgp_writer_close(&w), 0);
    fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    k = read(fd, buf, sizeof buf);
    ck_assert_int_eq(k, 4); /* truncated */
    ck_assert(memcmp(buf, "new\n", 4) == 0);
    close(fd);
    unlink(path);

    errno = 0;
    ck_assert_int_eq(rgp_writer_open(&w, "/nonexistent/dir/out.csv", NULL), -1);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_int_eq(rgp_writer_close(&w), 0); /* harmless after a failed open */

    stdout_open = fcntl(STDOUT_FILENO, F_GETFD) != -1;
    ck_assert_int_eq(rgp_writer_open(&w, "-", "<stdout>"), 0);
    ck_assert_int_eq(w.fd, STDOUT_FILENO);
    ck_assert(!w.owns_fd);
    ck_assert_int_eq(rgp_writer_close(&w), 0);
    if (stdout_open) /* the writer must not close stdout */
        ck_assert_int_ne(fcntl(STDOUT_FILENO, F_GETFD), -1);
}
END_TEST

/* ---- floats against printf ------------------------------------------------
 * The reference is the format itself, spelled with printf and strtod: the
 * first of %.15g, %.16g, %.17g (for subnormals %.1g .. %.17g) that reads back
 * as the same double, exponent without '+' or leading zeros. */
static size_t reference_f64(char *out, double v)
{
    char tmp[40];
    uint64_t bits;
    int n = 0, prec;
    size_t o = 0;
    memcpy(&bits, &v, sizeof bits);
    prec = (bits & UINT64_C(0x7ff0000000000000)) == 0 ? 1 : 15;
    for (; prec <= 17; prec++) {
        n = snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        double back = strtod(tmp, NULL);
        if (prec == 17 || memcmp(&back, &v, sizeof v) == 0)
            break;
    }
    for (int i = 0; i < n; i++) {
        out[o++] = tmp[i];
        if (tmp[i] == 'e') { /* 1e+21 -> 1e21, 1e-07 -> 1e-7 */
            i++;
            if (tmp[i] == '-')
                out[o++] = '-';
            if (tmp[i] == '-' || tmp[i] == '+')
                i++;
            while (tmp[i] == '0' && i + 1 < n)
                i++;
            for (; i < n; i++)
                out[o++] = tmp[i];
        }
    }
    out[o] = 0;
    return o;
}

/* v prints as the reference does, reads back bit-exactly, and came from the
 * integer algorithm, not its printf fallback.  Returns 0 or fails the test
 * (ck_assert per value would cost a write to Check's pipe each time). */
static int expect_like_printf(double v)
{
    char got[64], want[64];
    uint64_t bits, dec;
    int nd, exp10, prec;
    size_t ng, nw;
    double back;
    memcpy(&bits, &v, sizeof bits);
    if ((bits & UINT64_C(0x7ff0000000000000)) == UINT64_C(0x7ff0000000000000))
        return 0; /* inf and NaN: test_f64_special */
    ng = rgp__fmt_f64(got, v);
    nw = reference_f64(want, v);
    got[ng] = 0;
    if (ng != nw || memcmp(got, want, ng) != 0)
        ck_abort_msg("%a (%.17g): got %s, want %s", v, v, got, want);
    back = strtod(got, NULL);
    if (memcmp(&back, &v, sizeof v) != 0)
        ck_abort_msg("%a: %s reads back as %a", v, got, back);
    if ((bits << 1) != 0 && !rgp__f64_decimal(bits & UINT64_C(0x7fffffffffffffff), &dec, &nd, &exp10, &prec))
        ck_abort_msg("%a: the integer algorithm could not decide", v);
    return 0;
}

static uint64_t splitmix(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* A million random bit patterns: every exponent, mostly 17-digit values. */
START_TEST(test_f64_random_bits)
{
    uint64_t seed = 11;
    for (int i = 0; i < 1000000; i++)
        expect_like_printf(from_bits(splitmix(&seed)));
}
END_TEST

/* Random subnormals, and the smallest ones, where precision starts at 1. */
START_TEST(test_f64_subnormals)
{
    uint64_t seed = 12, m;
    for (m = 1; m < 5000; m++) {
        expect_like_printf(from_bits(m));
        expect_like_printf(from_bits(UINT64_C(0x000fffffffffffff) - m));
    }
    for (int i = 0; i < 200000; i++)
        expect_like_printf(from_bits(splitmix(&seed) >> 12 >> (splitmix(&seed) % 52)));
}
END_TEST

/* Values that came from decimal text: 1 to 17 random digits with a random
 * exponent, cents as in sensor data, and their differences (which need 16 or
 * 17 digits: 101.9 - 80.0 = 21.900000000000006). */
START_TEST(test_f64_decimal_looking)
{
    uint64_t seed = 13;
    char text[64];
    for (int i = 0; i < 400000; i++) {
        int digits = 1 + (int)(splitmix(&seed) % 17);
        int exp = (int)(splitmix(&seed) % 61) - 30;
        uint64_t mant = splitmix(&seed) % UINT64_C(100000000000000000);
        if (i % 16 == 0)
            exp = (int)(splitmix(&seed) % 630) - 325;
        for (int d = digits; d < 17; d++)
            mant /= 10;
        snprintf(text, sizeof text, "%llue%d", (unsigned long long)mant, exp);
        expect_like_printf(strtod(text, NULL));
        expect_like_printf(-strtod(text, NULL));
    }
    for (int i = 0; i < 200000; i++) {
        double a = (double)(int64_t)(splitmix(&seed) % 2000000 - 1000000) / 100.0;
        double b = (double)(int64_t)(splitmix(&seed) % 20000) / 100.0;
        expect_like_printf(a);
        expect_like_printf(a - b);
        expect_like_printf(a * 1e-3);
    }
}
END_TEST

/* Every power of two and both its neighbours: a power of two's interval is
 * lopsided (a quarter ulp below), the one case where %.16g's nearest digits
 * can miss and 17 are printed. */
START_TEST(test_f64_powers_of_two)
{
    for (uint64_t be = 1; be < 2047; be++) {
        uint64_t b = be << 52;
        expect_like_printf(from_bits(b));
        expect_like_printf(from_bits(b - 1));
        expect_like_printf(from_bits(b + 1));
        expect_like_printf(-from_bits(b));
    }
}
END_TEST

/* Powers of ten and their neighbours, where the grids line up; the edges
 * between plain and exponent notation; and a tie: 2^50 + 1/4 lies halfway
 * between two 17-digit decimals and prints the even one, as printf does. */
START_TEST(test_f64_edges)
{
    static const double edges[] = {
        5e-324, 1e-323, DBL_MIN, DBL_MAX, DBL_EPSILON, 1e-5, 1e-4, 9.99999999999999e-5, 0.001, 1e14, 1e15, 1e16, 1e17,
        123456789012345.6, 999999999999999.9, 9999999999999998.0, 99999999999999999.0, 1e21, 1e22, 1e23,
        9.999999999999999e22, 1125899906842624.25, 1125899906842624.75, 4503599627370497.5, 0.5, 0.25, 1.0 / 3,
    };
    char text[32];
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        uint64_t b = rgp__f64_bits(edges[i]);
        expect_like_printf(edges[i]);
        expect_like_printf(from_bits(b + 1));
        expect_like_printf(from_bits(b - 1));
    }
    for (int e = -323; e <= 308; e++) {
        snprintf(text, sizeof text, "1e%d", e);
        uint64_t b = rgp__f64_bits(strtod(text, NULL));
        expect_like_printf(from_bits(b));
        expect_like_printf(from_bits(b + 1));
        expect_like_printf(from_bits(b - 1));
    }
}
END_TEST

/* Significant digits of a printed number, first nonzero digit to last. */
static int significant_digits(const char *s, size_t n)
{
    int d = 0, first = -1, last = -1;
    for (size_t i = 0; i < n && s[i] != 'e'; i++) {
        if (s[i] < '0' || s[i] > '9')
            continue;
        if (s[i] != '0') {
            if (first < 0)
                first = d;
            last = d;
        }
        d++;
    }
    return last - first + 1;
}

/* Whether some decimal of p significant digits reads back as v: the one
 * nearest v, or the next one either side of it. */
static int shorter_reads_back(double v, int p)
{
    char text[48], *dot;
    long long m;
    int x;
    snprintf(text, sizeof text, "%.*e", p - 1, v); /* d.ddde+X */
    dot = strchr(text, '.');
    if (dot)
        memmove(dot, dot + 1, strlen(dot));
    ck_assert_int_eq(sscanf(text, "%llde%d", &m, &x), 2);
    for (long long d = -1; d <= 1; d++) {
        double back;
        snprintf(text, sizeof text, "%llde%d", m + d, x - (p - 1));
        back = strtod(text, NULL);
        if (memcmp(&back, &v, sizeof v) == 0)
            return 1;
    }
    return 0;
}

/* The format's promise (docs/language.md): no shorter text reads back.  It
 * holds for every double but 46 powers of two, where printf's nearest 16
 * digits fall outside the lopsided interval (a quarter ulp below, half above)
 * while the next 16 digits up are inside: those print 17.  With an even
 * interval, if a shorter decimal read back then one with a digit less than
 * ours would, so that is the length to try. */
START_TEST(test_f64_shortest)
{
    uint64_t seed = 14;
    int pow2_longer = 0;
    for (int i = 0; i < 200000 + 2046; i++) {
        int pow2 = i < 2046;
        uint64_t b = pow2 ? (uint64_t)(i + 1) << 52 : splitmix(&seed) >> 1;
        double v = from_bits(b);
        char got[64];
        int digits, p;
        if ((b >> 52) == 0x7ff)
            continue;
        digits = significant_digits(got, rgp__fmt_f64(got, v));
        for (p = pow2 ? 1 : digits - 1; p > 0 && p < digits; p++) {
            if (!shorter_reads_back(v, p))
                continue;
            if (!pow2 || p != 16 || digits != 17)
                ck_abort_msg("%a prints with %d digits, but %d would do", v, digits, p);
            pow2_longer++;
            break;
        }
    }
    ck_assert_int_eq(pow2_longer, 46);
}
END_TEST

/* ---- the arithmetic under the float printer -------------------------------- */

/* Little-endian 32-bit limbs: enough for 2^128 5^325. */
#define BIG_LIMBS 40
typedef struct {
    uint32_t d[BIG_LIMBS];
} big;

static void big_set(big *a, uint64_t hi, uint64_t lo)
{
    memset(a, 0, sizeof *a);
    a->d[0] = (uint32_t)lo;
    a->d[1] = (uint32_t)(lo >> 32);
    a->d[2] = (uint32_t)hi;
    a->d[3] = (uint32_t)(hi >> 32);
}

static void big_mul_small(big *a, uint32_t m)
{
    uint64_t carry = 0;
    for (int i = 0; i < BIG_LIMBS; i++) {
        uint64_t t = (uint64_t)a->d[i] * m + carry;
        a->d[i] = (uint32_t)t;
        carry = t >> 32;
    }
    ck_assert(carry == 0);
}

static void big_shl(big *a, int n)
{
    for (; n > 0; n--)
        big_mul_small(a, 2);
}

static int big_cmp(const big *a, const big *b)
{
    for (int i = BIG_LIMBS - 1; i >= 0; i--)
        if (a->d[i] != b->d[i])
            return a->d[i] < b->d[i] ? -1 : 1;
    return 0;
}

/* Each entry P of rgp_pow10.h is 10^-k 2^(127-e) rounded up, e = floor(log2
 * 10^-k) as rgp__floor_log2_pow10 says: checked by multiplying back, never by
 * dividing as the generator does.  P has its top bit set, which also checks e. */
START_TEST(test_f64_pow10_table)
{
    for (int k = RGP__POW10_KMIN; k <= RGP__POW10_KMAX; k++) {
        const uint64_t *p = rgp__pow10[k - RGP__POW10_KMIN];
        int e = rgp__floor_log2_pow10(-k);
        big below, at, x; /* P - 1, P, and the exact value, all rescaled to integers */
        ck_assert_msg(p[0] >> 63, "10^%d is not normalised", -k);
        big_set(&at, p[0], p[1]);
        big_set(&below, p[0] - (p[1] == 0), p[1] - 1);
        if (k <= 0) { /* 10^-k 2^(127-e) = 5^-k 2^(127-e-k) */
            int sh = 127 - e - k;
            big_set(&x, 0, 1);
            for (int i = 0; i < -k; i++)
                big_mul_small(&x, 5);
            if (sh >= 0) { /* exact */
                big_shl(&x, sh);
                ck_assert_msg(big_cmp(&x, &at) == 0, "10^%d", -k);
                continue;
            }
            big_shl(&below, -sh);
            big_shl(&at, -sh);
        } else { /* 2^(127-e-k) / 5^k */
            big_set(&x, 0, 1);
            big_shl(&x, 127 - e - k);
            for (int i = 0; i < k; i++) {
                big_mul_small(&below, 5);
                big_mul_small(&at, 5);
            }
        }
        ck_assert_msg(big_cmp(&below, &x) < 0 && big_cmp(&x, &at) <= 0, "10^%d is not rounded up", -k);
    }
}
END_TEST

static long long floor_ld(long double x)
{
    long long i = (long long)x;
    return (long double)i > x ? i - 1 : i;
}

/* The logarithm estimates against long double products, which lie at least
 * 1e-9 from an integer (or on one), so long double rounding cannot move their
 * floor; and for every exponent a double has, the scale k is in the table and
 * the shift h keeps 4 c + 2 (c < 2^53) inside 64 bits. */
START_TEST(test_f64_log_estimates)
{
    const long double log10_2 = 0.30102999566398119521373889472449302676818988146211L;
    const long double log2_10 = 3.32192809488736234787031942948939017586483139302458L;
    for (int q = -1100; q <= 1100; q++) {
        long double x = q * log10_2;
        long long f = floor_ld(x);
        ck_assert(q == 0 || (x - f > 1e-9L && f + 1 - x > 1e-9L));
        ck_assert_int_eq(rgp__floor_log10_pow2(q), f);
    }
    for (int j = -330; j <= 330; j++) {
        long double x = j * log2_10;
        long long f = floor_ld(x);
        ck_assert(j == 0 || (x - f > 1e-9L && f + 1 - x > 1e-9L));
        ck_assert_int_eq(rgp__floor_log2_pow10(j), f);
    }
    for (int be = 0; be < 2047; be++) {
        for (int pow2 = 0; pow2 <= (be > 1); pow2++) {
            int q = be ? be - 1075 : -1074;
            int k = rgp__floor_log10_pow2(q) - pow2;
            int h = 1 + q + rgp__floor_log2_pow10(-k);
            ck_assert(k >= RGP__POW10_KMIN && k <= RGP__POW10_KMAX);
            ck_assert_msg(h >= 0 && h <= 8, "be %d: h %d", be, h);
        }
    }
}
END_TEST

/* tcc's product from 32-bit halves against gcc's 128-bit one. */
START_TEST(test_mul_64x64_halves)
{
    static const uint64_t edge[] = {0, 1, 2, UINT64_C(0xffffffff), UINT64_C(0x100000000), UINT64_C(0xffffffffffffffff),
                                    UINT64_C(0x8000000000000000), UINT64_C(0xfffffffffffffffe)};
    uint64_t seed = 15;
    for (int i = 0; i < 200000; i++) {
        uint64_t a = i < 64 ? edge[i % 8] : splitmix(&seed), b = i < 64 ? edge[i / 8] : splitmix(&seed) >> (i % 64);
        uint64_t hi, lo;
        unsigned __int128 want = (unsigned __int128)a * b;
        rgp__mul_64x64_halves(a, b, &hi, &lo);
        if (hi != (uint64_t)(want >> 64) || lo != (uint64_t)want)
            ck_abort_msg("%llx * %llx", (unsigned long long)a, (unsigned long long)b);
    }
}
END_TEST

/* The same comparison with printf, compiled by libtcc as `rgp run` compiles
 * the runtime: random bit patterns, cents and their differences, and every
 * power of two. */
static const char tcc_float_check[] =
    "int rgp_program_main(int argc, char **argv)\n"
    "{\n"
    "    uint64_t seed = 16, b;\n"
    "    int i, bad = 0;\n"
    "    for (i = 0; i < 150000; i++) {\n"
    "        char got[64], want[64];\n"
    "        size_t ng, nw;\n"
    "        double v;\n"
    "        uint64_t z = (seed += UINT64_C(0x9e3779b97f4a7c15));\n"
    "        z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);\n"
    "        z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);\n"
    "        z ^= z >> 31;\n"
    "        if (i < 2046) v = rgp__f64_from_bits((uint64_t)(i + 1) << 52);\n"
    "        else if (i % 3 == 0) v = (double)(int64_t)(z % 2000000 - 1000000) / 100.0;\n"
    "        else if (i % 3 == 1) v = (double)(int64_t)(z % 20000) / 100.0 - 80.0;\n"
    "        else v = rgp__f64_from_bits(z);\n"
    "        b = rgp__f64_bits(v);\n"
    "        if ((b >> 52 & 0x7ff) == 0x7ff) continue;\n"
    "        ng = rgp__fmt_f64(got, v);\n"
    "        nw = rgp__fmt_f64_slow(want, v);\n"
    "        if (ng != nw || memcmp(got, want, ng) != 0) {\n"
    "            if (bad++ < 5) fprintf(stderr, \"tcc: %a: got %.*s, want %.*s\\n\", v, (int)ng, got, (int)nw, want);\n"
    "        }\n"
    "    }\n"
    "    return bad != 0;\n"
    "}\n";

START_TEST(test_f64_under_tcc)
{
    size_t rt = strlen(rgp_runtime_text);
    char *text = malloc(rt + sizeof tcc_float_check);
    char *argv[] = {"check", NULL};
    ck_assert_ptr_nonnull(text);
    memcpy(text, rgp_runtime_text, rt);
    memcpy(text + rt, tcc_float_check, sizeof tcc_float_check);
    ck_assert_int_eq(jit_run(text, "float_check.c", 1, argv), 0);
    free(text);
}
END_TEST

/* Two threads' writers on one fd (sinks on one file): records of every size
 * around the buffer's, written in pieces, must come out as whole lines. */
static const size_t shared_sizes[] = {2, 100, RGP_WRITER_CAP - 1, RGP_WRITER_CAP, RGP_WRITER_CAP + 1, 7, 2 * RGP_WRITER_CAP + 5, 3000};
enum { SHARED_RECORDS = 64, NSIZES = sizeof shared_sizes / sizeof shared_sizes[0] };

typedef struct shared_job { rgp_writer *w; char letter; } shared_job;

static void *write_shared_records(void *arg)
{
    shared_job *job = arg;
    char chunk[1000];
    memset(chunk, job->letter, sizeof chunk);
    for (int i = 0; i < SHARED_RECORDS; i++) {
        size_t left = shared_sizes[(i + (job->letter == 'b')) % NSIZES] - 1;
        while (left) {
            size_t k = left < sizeof chunk ? left : sizeof chunk;
            rgp_w_bytes(job->w, chunk, k);
            left -= k;
        }
        rgp_w_char(job->w, '\n');
        rgp_w_end_record(job->w);
        if (i % 5 == 0) rgp_writer_flush(job->w);   /* as a sink thread does before it waits */
    }
    return NULL;
}

START_TEST(test_shared_fd_whole_records)
{
    rgp_writer owner, other;
    int keep;
    open_temp(&owner, &keep);
    ck_assert_int_eq(rgp_writer_share(&other, &owner, "out"), 0);
    shared_job a = {&owner, 'a'}, b = {&other, 'b'};
    pthread_t ta, tb;
    ck_assert_int_eq(pthread_create(&ta, NULL, write_shared_records, &a), 0);
    ck_assert_int_eq(pthread_create(&tb, NULL, write_shared_records, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    ck_assert_int_eq(rgp_writer_close(&other), 0);   /* the sharer first: the owner closes the fd */
    size_t len;
    char *text = finish(&owner, keep, &len);
    int seen[2] = {0, 0};
    for (char *line = text; line < text + len;) {
        char *nl = memchr(line, '\n', (size_t)(text + len - line));
        ck_assert_ptr_nonnull(nl);
        int who = line[0] == 'b';
        size_t want = shared_sizes[(seen[who] + who) % NSIZES] - 1;
        ck_assert_msg((size_t)(nl - line) == want, "record %d of %c: %zu bytes, expected %zu", seen[who], line[0],
                      (size_t)(nl - line), want);
        const char *c = line;
        while (c < nl && *c == line[0]) c++;   /* not an assert per byte: each one costs Check a write */
        ck_assert_msg(c == nl, "records spliced in record %d of %c", seen[who], line[0]);
        seen[who]++;
        line = nl + 1;
    }
    ck_assert_int_eq(seen[0], SHARED_RECORDS);
    ck_assert_int_eq(seen[1], SHARED_RECORDS);
    free(text);
}
END_TEST

Suite *writer_suite(void)
{
    Suite *s = suite_create("writer");
    TCase *tc = tcase_create("format");
    tcase_add_test(tc, test_ints);
    tcase_add_test(tc, test_ints_every_length_and_buffer_edge);
    tcase_add_test(tc, test_f64);
    tcase_add_test(tc, test_f64_special);
    tcase_add_test(tc, test_csv_str);
    tcase_add_test(tc, test_json_str);
    tcase_add_test(tc, test_json_str_nul);
    tcase_add_test(tc, test_json_str_invalid_utf8);
    tcase_add_test(tc, test_json_str_random);
    tcase_add_test(tc, test_csv_round_trip);
    suite_add_tcase(s, tc);

    tc = tcase_create("floats");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_f64_random_bits);
    tcase_add_test(tc, test_f64_subnormals);
    tcase_add_test(tc, test_f64_decimal_looking);
    tcase_add_test(tc, test_f64_powers_of_two);
    tcase_add_test(tc, test_f64_edges);
    tcase_add_test(tc, test_f64_shortest);
    tcase_add_test(tc, test_f64_pow10_table);
    tcase_add_test(tc, test_f64_log_estimates);
    tcase_add_test(tc, test_mul_64x64_halves);
    tcase_add_test(tc, test_f64_under_tcc);
    suite_add_tcase(s, tc);

    tc = tcase_create("io");
    tcase_add_test(tc, test_large_output);
    tcase_add_test(tc, test_write_error_bad_fd);
    tcase_add_test(tc, test_write_error_closed_fd);
    tcase_add_test(tc, test_write_error_full);
    tcase_add_test(tc, test_writer_open);
    tcase_add_test(tc, test_shared_fd_whole_records);
    suite_add_tcase(s, tc);
    return s;
}
