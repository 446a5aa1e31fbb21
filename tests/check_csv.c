/* check_csv.c - unit tests for runtime/reader.h: the block reader and the
 * RFC 4180 row splitter, run over every buffer size from tiny (forcing
 * growth and rows split across fills) to the default, on a table of cases
 * and on generated rows; and its two ways of splitting a plain row. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Every memchr in reader.h is counted, so that a test can tell a linear
 * search from one that rescans (tests check the work done, not the time). */
static size_t memchr_bytes;
static void *counted_memchr(const void *s, int c, size_t n)
{
    const char *hit = memchr(s, c, n);
    memchr_bytes += hit ? (size_t)(hit - (const char *)s) + 1 : n;
    return (void *)hit;
}
#define memchr counted_memchr
#include "reader.h"
#undef memchr

#define MAXF 16

/* A temp file holding data, already unlinked, positioned at 0. */
static int temp_fd(const char *data, size_t len)
{
    char path[] = "/tmp/rgp_check_csv_XXXXXX";
    int fd = mkstemp(path);
    size_t off = 0;
    ck_assert_int_ge(fd, 0);
    unlink(path);
    while (off < len) {
        ssize_t k = write(fd, data + off, len - off);
        ck_assert_int_gt(k, 0);
        off += (size_t)k;
    }
    ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
    return fd;
}

static void put(char **o, char *end, const char *s, size_t n)
{
    size_t room = (size_t)(end - *o);
    ck_assert_msg(n < room, "transcript too long");
    memcpy(*o, s, n);
    *o += n;
    **o = 0;
}

static void puts_(char **o, char *end, const char *s)
{
    put(o, end, s, strlen(s));
}

/* Reads all of data and describes each row on one line:
 *   "LINE:N[f1|f2]" for a good row (CR, LF shown as \r, \n),
 *   "LINE:BAD why" for a malformed one, and finally "E<line>".
 * Rows longer than max_row bytes are rejected. */
static void transcript_limited(const char *data, size_t len, char delim, size_t cap, size_t max_row, char *out,
                               size_t outcap)
{
    rgp_reader r;
    rgp_str f[MAXF];
    char *o = out, *end = out + outcap;
    int fd = temp_fd(data, len), guard = 0;
    char num[64];

    *o = 0;
    ck_assert_int_eq(rgp_reader_open_fd(&r, fd, "t.csv", cap), 0);
    rgp_reader_set_max_row(&r, max_row);
    for (;;) {
        int n = -7, i;
        uint64_t line = 0;
        const char *why = NULL;
        int st = rgp_csv_next_row(&r, delim, f, MAXF, &n, &line, &why);
        ck_assert_msg(++guard < 1000000, "no progress");
        if (st == RGP_ROW_NEED_INPUT) {
            ck_assert_msg(!r.eof, "NEED_INPUT after eof");
            ck_assert_int_ge(rgp_reader_fill(&r), 0);
            continue;
        }
        if (st == RGP_ROW_EOF)
            break;
        if (st == RGP_ROW_BAD) {
            snprintf(num, sizeof num, "%llu:BAD ", (unsigned long long)line);
            puts_(&o, end, num);
            ck_assert_ptr_nonnull(why);
            puts_(&o, end, why);
            puts_(&o, end, "\n");
            continue;
        }
        ck_assert_int_eq(st, RGP_ROW_OK);
        snprintf(num, sizeof num, "%llu:%d[", (unsigned long long)line, n);
        puts_(&o, end, num);
        for (i = 0; i < n && i < MAXF; i++) {
            size_t j;
            if (i)
                puts_(&o, end, "|");
            for (j = 0; j < f[i].len; j++) {
                char c = f[i].ptr[j];
                if (c == '\n')
                    puts_(&o, end, "\\n");
                else if (c == '\r')
                    puts_(&o, end, "\\r");
                else
                    put(&o, end, &c, 1);
            }
        }
        puts_(&o, end, "]\n");
    }
    snprintf(num, sizeof num, "E%llu", (unsigned long long)r.line);
    puts_(&o, end, num);
    ck_assert_uint_eq(r.bytes, len);
    rgp_reader_close(&r);
}

/* The message for a quote that opens on line N and never closes. */
#define UNTERMINATED(n) "unterminated quoted field starting at line " #n " (no closing quote before the end of the input)"

static void transcript(const char *data, size_t len, char delim, size_t cap, char *out, size_t outcap)
{
    transcript_limited(data, len, delim, cap, SIZE_MAX, out, outcap);
}

struct csv_case {
    const char *in;
    const char *want;
};

static const struct csv_case cases[] = {
    /* plain rows, line numbers */
    {"a,b,c\n1,2,3\n", "1:3[a|b|c]\n2:3[1|2|3]\nE3"},
    {"a,b\nc,d", "1:2[a|b]\n2:2[c|d]\nE2"},
    {"", "E1"},
    {"x", "1:1[x]\nE1"},
    /* CRLF */
    {"a,b\r\nc,d\r\n", "1:2[a|b]\n2:2[c|d]\nE3"},
    {"a\r\r\n", "1:1[a\\r]\nE2"},
    /* a lone CR is data */
    {"a\rb,c\n", "1:2[a\\rb|c]\nE2"},
    {"a\r", "1:1[a\\r]\nE1"},
    /* empty lines are skipped but counted */
    {"\n\na\n\r\n\nb\n", "3:1[a]\n6:1[b]\nE7"},
    {"\n\n\n", "E4"},
    {"\r\n", "E2"},
    /* empty fields */
    {",,\n", "1:3[||]\nE2"},
    {"a,\n", "1:2[a|]\nE2"},
    {",a", "1:2[|a]\nE1"},
    /* quoted fields */
    {"\"a,b\",\"c\"\"d\",e\n", "1:3[a,b|c\"d|e]\nE2"},
    {"\"\"\n", "1:1[]\nE2"},
    {"a,\"\"\n", "1:2[a|]\nE2"},
    {"\"\",\"\"\n", "1:2[|]\nE2"},
    {"\"\"\"\"\"\"\n", "1:1[\"\"]\nE2"},
    {"x,\"y\"\"\",z\n", "1:3[x|y\"|z]\nE2"},
    {"\"a\"\"b\"\"c\",\"\"\"\"\n", "1:2[a\"b\"c|\"]\nE2"},
    {"a,\"b\"", "1:2[a|b]\nE1"},
    {"\"a\"\r\nb\r\n", "1:1[a]\n2:1[b]\nE3"},
    {"\"a\",b\r\nc\n", "1:2[a|b]\n2:1[c]\nE3"},
    {"\"a\",\r\n", "1:2[a|]\nE2"},
    {"\"a\",b\r\r\n", "1:2[a|b\\r]\nE2"},
    {"\" a \" ,x\n", "1:BAD unexpected character after closing quote\nE2"},
    /* newlines inside quotes, and the line numbers of the rows after */
    {"\"x\ny\",1\n2,3\n", "1:2[x\\ny|1]\n3:2[2|3]\nE4"},
    {"\"x\r\ny\"\r\nz\r\n", "1:1[x\\r\\ny]\n3:1[z]\nE4"},
    {"h\n\"a\n\n\nb\",\"c\nd\"\n\nlast\n", "1:1[h]\n2:2[a\\n\\n\\nb|c\\nd]\n8:1[last]\nE9"},
    {"\"\n\"\n", "1:1[\\n]\nE3"},
    /* malformed rows: reason, start line, and the rows after still parse */
    {"a,b\"c,d\nok,1\n", "1:BAD stray quote inside an unquoted field\n2:2[ok|1]\nE3"},
    {"a\"\n", "1:BAD stray quote inside an unquoted field\nE2"},
    {"\"a\"b,c\nok\n", "1:BAD unexpected character after closing quote\n2:1[ok]\nE3"},
    /* a bad row gives up only its first line: the next line is read as a row */
    {"\"a\nb\"x\nok\n", "1:BAD unexpected character after closing quote (line 2, after a quoted field that opened on line 1)\n2:BAD stray quote inside an unquoted field\n3:1[ok]\nE4"},
    {"\"a\"\rb\nok\n", "1:BAD unexpected character after closing quote\n2:1[ok]\nE3"},
    {"\"a\"\r", "1:BAD unexpected character after closing quote\nE1"},
    {"ok\n\"abc\nde\n", "1:1[ok]\n2:BAD " UNTERMINATED(2) "\n3:1[de]\nE4"},
    {"\"a\"\"\n", "1:BAD " UNTERMINATED(1) "\nE2"},
    {"\"", "1:BAD " UNTERMINATED(1) "\nE1"},
    {"x,\"y\n", "1:BAD " UNTERMINATED(1) "\nE2"},
    /* a stray opening quote costs its own row only, and the counts stay exact */
    {"1,ok\n2,\"stray quote\n3,fine\n4,fine\n", "1:2[1|ok]\n2:BAD " UNTERMINATED(2) "\n3:2[3|fine]\n4:2[4|fine]\nE5"},
    {"1,ok\r\n2,\"stray\r\n3,fine\r\n", "1:2[1|ok]\n2:BAD " UNTERMINATED(2) "\n3:2[3|fine]\nE4"},
    {"a\n\"b", "1:1[a]\n2:BAD " UNTERMINATED(2) "\nE2"},
    {"a\n\"b\n", "1:1[a]\n2:BAD " UNTERMINATED(2) "\nE3"},
    {"\"\n\n\nx\n", "1:BAD " UNTERMINATED(1) "\n4:1[x]\nE5"},
    /* ... also when a later quote seems to close it: the row it makes is bad */
    {"1,\"x\n2,a\n3,\"b\"\n4,c\n", "1:BAD unexpected character after closing quote (line 3, after a quoted field that opened on line 1)\n2:2[2|a]\n3:2[3|b]\n4:2[4|c]\nE5"},
    {"\"a\nb\",c\"d\ne\n", "1:BAD stray quote inside an unquoted field (line 2, after a quoted field that opened on line 1)\n"
                             "2:BAD stray quote inside an unquoted field\n3:1[e]\nE4"},
    /* the quote that never closes opens on the row's second line */
    {"\"a\nb\",\"c\nd\n", "1:BAD " UNTERMINATED(2) "\n2:BAD stray quote inside an unquoted field\n3:1[d]\nE4"},
    /* a quoted field that does close, lines later, is one row (RFC 4180) */
    {"1,\"x\n\n,y\"\n2,z\n", "1:2[1|x\\n\\n,y]\n4:2[2|z]\nE5"},
    {"1,\"2\"3\"\n\"4\",5\n", "1:BAD unexpected character after closing quote\n2:2[4|5]\nE3"},
    {"a\"b\nc\"d\ne\n", "1:BAD stray quote inside an unquoted field\n"
                        "2:BAD stray quote inside an unquoted field\n3:1[e]\nE4"},
    /* plain rows are scanned 16 bytes at a time: delims, LF, CR LF and quotes
     * on either side of byte 16, and rows that end at the end of the input */
    {"aaaaaaaaaaaaaaa,b\n", "1:2[aaaaaaaaaaaaaaa|b]\nE2"},
    {"aaaaaaaaaaaaaaaa,b\n", "1:2[aaaaaaaaaaaaaaaa|b]\nE2"},
    {"aaaaaaaaaaaaaaaaa,b\n", "1:2[aaaaaaaaaaaaaaaaa|b]\nE2"},
    {"aaaaaaaaaaaaaa,\nb\n", "1:2[aaaaaaaaaaaaaa|]\n2:1[b]\nE3"},
    {"aaaaaaaaaaaaaaa\nb,c\n", "1:1[aaaaaaaaaaaaaaa]\n2:2[b|c]\nE3"},
    {"aaaaaaaaaaaaaaaa\nb\n", "1:1[aaaaaaaaaaaaaaaa]\n2:1[b]\nE3"},
    {"aaaaaaaaaaaaaaa\r\nb\r\n", "1:1[aaaaaaaaaaaaaaa]\n2:1[b]\nE3"},
    {"aaaaaaaaaaaaaaaa\r\nb\r\n", "1:1[aaaaaaaaaaaaaaaa]\n2:1[b]\nE3"},
    {"aaaaaaaaaaaaaa,\r\n\r\nbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb,c\r\n",
     "1:2[aaaaaaaaaaaaaa|]\n3:2[bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb|c]\nE4"},
    {"0123456789abcdef", "1:1[0123456789abcdef]\nE1"},
    {"0123456789abcdefg", "1:1[0123456789abcdefg]\nE1"},
    {"0123456789abcde,\r", "1:2[0123456789abcde|\\r]\nE1"},
    {"a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p\n", "1:16[a|b|c|d|e|f|g|h|i|j|k|l|m|n|o|p]\nE2"},
    {"aaaaaaaaaaaaaaaaaaaa,b\"c\nok\n", "1:BAD stray quote inside an unquoted field\n2:1[ok]\nE3"},
    {"aaaaaaaaaaaaaaa\",x\n", "1:BAD stray quote inside an unquoted field\nE2"},
    {"aaaaaaaaaaaaaaaaa,\"q,r\"\r\n", "1:2[aaaaaaaaaaaaaaaaa|q,r]\nE2"},
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,b\nx,\"y\"\n", "1:2[aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa|b]\n2:2[x|y]\nE3"},
};

static const size_t caps[] = {1, 2, 3, 5, 8, 64, 0};

START_TEST(test_csv_table)
{
    size_t i, j;
    char out[4096];
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (j = 0; j < sizeof caps / sizeof caps[0]; j++) {
            transcript(cases[i].in, strlen(cases[i].in), ',', caps[j], out, sizeof out);
            ck_assert_msg(strcmp(out, cases[i].want) == 0, "case %zu (cap %zu):\n--- got\n%s\n--- want\n%s", i,
                          caps[j], out, cases[i].want);
        }
    }
}
END_TEST

/* max_row: a longer row is rejected, only its first line is given up, and
 * where the search stopped (how the input arrived) changes nothing. */
static const struct csv_case limited_cases[] = {
    {"12345678\n123456789\nab\n", "1:1[12345678]\n2:BAD row longer than max_row (8 bytes)\n3:1[ab]\nE4"},
    {"12345678\r\n123456789\r\nab\r\n", "1:1[12345678]\n2:BAD row longer than max_row (8 bytes)\n3:1[ab]\nE4"},
    {"123,\"67\"\n\"23,678\"\n", "1:2[123|67]\n2:1[23,678]\nE3"},
    {"1234,\"678\"\nx\n", "1:BAD row longer than max_row (8 bytes)\n2:1[x]\nE3"},
    {"123456789", "1:BAD row longer than max_row (8 bytes)\nE1"},
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,b\nok\n", "1:BAD row longer than max_row (8 bytes)\n2:1[ok]\nE3"},
    /* a quoted field over several lines: the row after its first line is read */
    {"\"a\nb\nc\nd\ne\"\nok\n", "1:BAD row longer than max_row (8 bytes)\n2:1[b]\n3:1[c]\n4:1[d]\n"
                                  "5:BAD stray quote inside an unquoted field\n6:1[ok]\nE7"},
    /* a quote that never closes, long before the end of the input */
    {"1,\"x\n2\n3\n4\n5\n6\n", "1:BAD row longer than max_row (8 bytes)\n2:1[2]\n3:1[3]\n4:1[4]\n5:1[5]\n6:1[6]\nE7"},
    /* a fault past max_row + 1 bytes: too long, read in any pieces */
    {"123456789\"\nok\n", "1:BAD stray quote inside an unquoted field\n2:1[ok]\nE3"},
    {"1234567890\"\nok\n", "1:BAD row longer than max_row (8 bytes)\n2:1[ok]\nE3"},
};

START_TEST(test_csv_max_row)
{
    char out[4096];
    for (size_t i = 0; i < sizeof limited_cases / sizeof limited_cases[0]; i++) {
        for (size_t j = 0; j < sizeof caps / sizeof caps[0]; j++) {
            transcript_limited(limited_cases[i].in, strlen(limited_cases[i].in), ',', caps[j], 8, out, sizeof out);
            ck_assert_msg(strcmp(out, limited_cases[i].want) == 0, "case %zu (cap %zu):\n--- got\n%s\n--- want\n%s", i,
                          caps[j], out, limited_cases[i].want);
        }
    }
    /* the limit as the message shows it */
    transcript_limited("x\n", 2, ',', 0, 0, out, sizeof out);
    ck_assert_str_eq(out, "1:BAD row longer than max_row (0 bytes)\nE2");
    rgp_reader r;
    ck_assert_int_eq(rgp_reader_open_fd(&r, -1, "x", 16), 0);
    r.max_row = (size_t)1 << 20;
    ck_assert_str_eq(rgp__row_too_long(&r), "row longer than max_row (1 MiB)");
    r.max_row = (size_t)3 << 10;
    ck_assert_str_eq(rgp__row_too_long(&r), "row longer than max_row (3 KiB)");
    r.max_row = 1000;
    ck_assert_str_eq(rgp__row_too_long(&r), "row longer than max_row (1000 bytes)");
    rgp_reader_close(&r);
}
END_TEST

/* A UTF-8 byte-order mark before the first row is skipped, in any pieces;
 * anywhere else it is data. */
static const struct csv_case bom_cases[] = {
    {"\xEF\xBB\xBFid,name\n1,a\n", "1:2[id|name]\n2:2[1|a]\nE3"},
    {"\xEF\xBB\xBF", "E1"},
    {"\xEF\xBB\xBF\"q\"\n", "1:1[q]\nE2"},
    {"\xEF\xBB\xBF\xEF\xBB\xBFx\n", "1:1[\xEF\xBB\xBFx]\nE2"}, /* only one is a mark */
    {"\xEF\xBB\n", "1:1[\xEF\xBB]\nE2"},
    {"\xEF", "1:1[\xEF]\nE1"},
    {"a\n\xEF\xBB\xBF\n", "1:1[a]\n2:1[\xEF\xBB\xBF]\nE3"},
};

START_TEST(test_csv_bom)
{
    char out[1024];
    for (size_t i = 0; i < sizeof bom_cases / sizeof bom_cases[0]; i++)
        for (size_t j = 0; j < sizeof caps / sizeof caps[0]; j++) {
            transcript(bom_cases[i].in, strlen(bom_cases[i].in), ',', caps[j], out, sizeof out);
            ck_assert_msg(strcmp(out, bom_cases[i].want) == 0, "case %zu (cap %zu): got %s", i, caps[j], out);
        }
}
END_TEST

START_TEST(test_csv_other_delims)
{
    char out[1024];
    transcript("a\tb,c\t\"d\te\"\n", strlen("a\tb,c\t\"d\te\"\n"), '\t', 4, out, sizeof out);
    ck_assert_str_eq(out, "1:3[a|b,c|d\te]\nE2");
    transcript("1;2,5;\"x;y\"\r\n", strlen("1;2,5;\"x;y\"\r\n"), ';', 0, out, sizeof out);
    ck_assert_str_eq(out, "1:3[1|2,5|x;y]\nE2");
}
END_TEST

/* A NUL byte is ordinary data. */
START_TEST(test_csv_nul_bytes)
{
    static const char in[] = "a\0b,\"c\0\"\n";
    char out[256];
    transcript(in, sizeof in - 1, ',', 2, out, sizeof out);
    static const char want[] = "1:2[a\0b|c\0]\nE2";
    ck_assert(memcmp(out, want, sizeof want) == 0);
}
END_TEST

/* *nfields is the real count; only max_fields slots are written. */
START_TEST(test_csv_max_fields)
{
    rgp_reader r;
    rgp_str f[4];
    int n = 0;
    uint64_t line = 0;
    const char *why = NULL;
    const char *in = "1,2,3,4,5\n\"a\",\"b\",\"c\",\"d\",\"e\",\"f\"\nx\n";
    int fd = temp_fd(in, strlen(in));

    memset(f, 0, sizeof f);
    ck_assert_int_eq(rgp_reader_open_fd(&r, fd, "t.csv", 0), 0);
    ck_assert_int_eq(rgp_csv_next_row(&r, ',', f, 3, &n, &line, &why), RGP_ROW_NEED_INPUT);
    ck_assert_int_gt(rgp_reader_fill(&r), 0);
    ck_assert_int_eq(rgp_csv_next_row(&r, ',', f, 3, &n, &line, &why), RGP_ROW_OK);
    ck_assert_int_eq(n, 5);
    ck_assert(f[2].len == 1 && f[2].ptr[0] == '3');
    ck_assert_ptr_null(f[3].ptr);
    ck_assert_int_eq(rgp_csv_next_row(&r, ',', f, 3, &n, &line, &why), RGP_ROW_OK);
    ck_assert_int_eq(n, 6);
    ck_assert(f[2].len == 1 && f[2].ptr[0] == 'c');
    ck_assert_ptr_null(f[3].ptr);
    /* no slots at all: still counts */
    ck_assert_int_eq(rgp_csv_next_row(&r, ',', NULL, 0, &n, &line, &why), RGP_ROW_OK);
    ck_assert_int_eq(n, 1);
    ck_assert_uint_eq(line, 3);
    ck_assert_int_eq(rgp_csv_next_row(&r, ',', f, 3, &n, &line, &why), RGP_ROW_NEED_INPUT);
    ck_assert_int_eq(rgp_reader_fill(&r), 0);
    ck_assert(r.eof);
    ck_assert_int_eq(rgp_csv_next_row(&r, ',', f, 3, &n, &line, &why), RGP_ROW_EOF);
    ck_assert_int_eq(rgp_csv_next_row(&r, ',', f, 3, &n, &line, &why), RGP_ROW_EOF);
    rgp_reader_close(&r);
}
END_TEST

static void write_str(int fd, const char *s)
{
    ck_assert_int_eq(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

static int next(rgp_reader *r, rgp_str *f, int *n, uint64_t *line)
{
    const char *why = NULL;
    return rgp_csv_next_row(r, ',', f, MAXF, n, line, &why);
}

static int field_is(rgp_str f, const char *s)
{
    return f.len == strlen(s) && memcmp(f.ptr, s, f.len) == 0;
}

/* Rows that arrive in pieces through a pipe: NEED_INPUT consumes nothing
 * and leaves the buffer as it was, even inside a quoted field with "". */
START_TEST(test_csv_need_input_pipe)
{
    rgp_reader r;
    rgp_str f[MAXF];
    int p[2], n = 0;
    uint64_t line = 0;
    size_t pos;

    ck_assert_int_eq(pipe(p), 0);
    ck_assert_int_eq(rgp_reader_open_fd(&r, p[0], "pipe", 64), 0);
    ck_assert_int_eq(next(&r, f, &n, &line), RGP_ROW_NEED_INPUT);

    write_str(p[1], "a,b\nc,");
    ck_assert_int_eq(rgp_reader_fill(&r), 6);
    ck_assert_int_eq(next(&r, f, &n, &line), RGP_ROW_OK);
    ck_assert(n == 2 && field_is(f[0], "a") && field_is(f[1], "b"));
    pos = r.pos;
    ck_assert_int_eq(next(&r, f, &n, &line), RGP_ROW_NEED_INPUT);
    ck_assert_uint_eq(r.pos, pos);
    ck_assert_uint_eq(r.line, 2);

    write_str(p[1], "d\n\"x\"");
    ck_assert_int_gt(rgp_reader_fill(&r), 0);
    ck_assert_int_eq(next(&r, f, &n, &line), RGP_ROW_OK);
    ck_assert(n == 2 && field_is(f[0], "c") && field_is(f[1], "d") && line == 2);
    /* "x" so far: the quote may start "" or end the field */
    ck_assert_int_eq(next(&r, f, &n, &line), RGP_ROW_NEED_INPUT);
    ck_assert_int_eq(next(&r, f, &n, &line), RGP_ROW_NEED_INPUT);

    write_str(p[1], "\"y\nz\",");
    ck_assert_int_gt(rgp_reader_fill(&r), 0);
    ck_assert_int_eq(next(&r, f, &n, &line), RGP_ROW_NEED_INPUT);
    write_str(p[1], "\"w\"");
    ck_assert_int_gt(rgp_reader_fill(&r), 0);
    ck_assert_int_eq(next(&r, f, &n, &line), RGP_ROW_NEED_INPUT);
    write_str(p[1], "\r");
    ck_assert_int_gt(rgp_reader_fill(&r), 0);
    ck_assert_int_eq(next(&r, f, &n, &line), RGP_ROW_NEED_INPUT);
    write_str(p[1], "\n");
    ck_assert_int_gt(rgp_reader_fill(&r), 0);
    ck_assert_int_eq(next(&r, f, &n, &line), RGP_ROW_OK);
    ck_assert_int_eq(n, 2);
    ck_assert(field_is(f[0], "x\"y\nz"));
    ck_assert(field_is(f[1], "w"));
    ck_assert_uint_eq(line, 3);
    ck_assert_uint_eq(r.line, 5);

    /* last row without a newline completes only at EOF */
    write_str(p[1], "tail");
    ck_assert_int_gt(rgp_reader_fill(&r), 0);
    ck_assert_int_eq(next(&r, f, &n, &line), RGP_ROW_NEED_INPUT);
    close(p[1]);
    ck_assert_int_eq(rgp_reader_fill(&r), 0);
    ck_assert_int_eq(next(&r, f, &n, &line), RGP_ROW_OK);
    ck_assert(n == 1 && field_is(f[0], "tail") && line == 5);
    ck_assert_int_eq(next(&r, f, &n, &line), RGP_ROW_EOF);
    rgp_reader_close(&r);
}
END_TEST

/* A row much larger than the buffer: the buffer doubles, nothing is cut. */
static void big_row(size_t cap, size_t big)
{
    rgp_reader r;
    rgp_str f[MAXF];
    char *in = malloc(big + 64);
    size_t len = 0, i;
    int fd, n = 0, st;
    uint64_t line = 0;
    const char *why;

    ck_assert_ptr_nonnull(in);
    memcpy(in, "head\n", 5);
    len = 5;
    for (i = 0; i < big; i++)
        in[len++] = (char)('a' + i % 26);
    memcpy(in + len, ",\"q\"\"\"\ntail\n", 12);
    len += 12;
    fd = temp_fd(in, len);
    ck_assert_int_eq(rgp_reader_open_fd(&r, fd, "big.csv", cap), 0);

    do {
        st = rgp_csv_next_row(&r, ',', f, MAXF, &n, &line, &why);
        if (st == RGP_ROW_NEED_INPUT)
            ck_assert_int_ge(rgp_reader_fill(&r), 0);
    } while (st == RGP_ROW_NEED_INPUT);
    ck_assert_int_eq(st, RGP_ROW_OK);
    ck_assert(field_is(f[0], "head"));
    do {
        st = rgp_csv_next_row(&r, ',', f, MAXF, &n, &line, &why);
        if (st == RGP_ROW_NEED_INPUT)
            ck_assert_int_ge(rgp_reader_fill(&r), 0);
    } while (st == RGP_ROW_NEED_INPUT);
    ck_assert_int_eq(st, RGP_ROW_OK);
    ck_assert_int_eq(n, 2);
    ck_assert_uint_eq(line, 2);
    ck_assert_uint_eq(f[0].len, big);
    ck_assert(memcmp(f[0].ptr, in + 5, big) == 0);
    ck_assert(field_is(f[1], "q\""));
    ck_assert_uint_ge(r.cap, big);
    do {
        st = rgp_csv_next_row(&r, ',', f, MAXF, &n, &line, &why);
        if (st == RGP_ROW_NEED_INPUT)
            ck_assert_int_ge(rgp_reader_fill(&r), 0);
    } while (st == RGP_ROW_NEED_INPUT);
    ck_assert_int_eq(st, RGP_ROW_OK);
    ck_assert(field_is(f[0], "tail") && line == 3);
    rgp_reader_close(&r);
    free(in);
}

START_TEST(test_csv_big_row)
{
    big_row(16, 100000);
    big_row(0, (size_t)3 << 19); /* 1.5 MiB with the default 1 MiB buffer */
}
END_TEST

/* ---- generated rows ---------------------------------------------------------
 * Random well-formed CSV whose rows are known by construction: plain and
 * quoted fields of every length (quoted ones holding delims, "", CR and LF),
 * LF or CR LF endings, empty lines, and a last row with or without its LF.
 * The transcript must name every field, at every buffer size. */

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static void append(char *buf, size_t *len, size_t cap, const char *s, size_t n)
{
    ck_assert_msg(*len + n < cap, "generated input too long");
    memcpy(buf + *len, s, n);
    *len += n;
    buf[*len] = 0;
}

/* A field's text as transcript shows it. */
static void show(char *want, size_t *wlen, size_t cap, const char *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (f[i] == '\n')
            append(want, wlen, cap, "\\n", 2);
        else if (f[i] == '\r')
            append(want, wlen, cap, "\\r", 2);
        else
            append(want, wlen, cap, f + i, 1);
    }
}

static void generate(uint64_t *seed, char delim, char *in, size_t *ilen, char *want, size_t *wlen, size_t cap)
{
    static const char plain[] = "abcxyz0189 .-_"; /* no delim, quote, CR, LF or '|' */
    static const char quoted[] = "ab,;\t\"\r\n x";  /* anything */
    uint64_t line = 1;
    int rows = 1 + (int)(rng_next(seed) % 40);
    char num[32];
    *ilen = *wlen = 0;
    for (int r = 0; r < rows; r++) {
        int nf = 1 + (int)(rng_next(seed) % 6), empty = 1;
        char fields[MAXF][64];
        size_t flen[MAXF];
        if (rng_next(seed) % 8 == 0) { /* an empty line: counted, not a row */
            if (rng_next(seed) % 2)
                append(in, ilen, cap, "\r", 1);
            append(in, ilen, cap, "\n", 1);
            line++;
        }
        snprintf(num, sizeof num, "%llu:%d[", (unsigned long long)line, nf);
        for (int f = 0; f < nf; f++) {
            int q = rng_next(seed) % 3 == 0;
            flen[f] = (size_t)(rng_next(seed) % 24);
            empty &= nf == 1 && !q && flen[f] == 0;
            if (f)
                append(in, ilen, cap, &delim, 1);
            if (q)
                append(in, ilen, cap, "\"", 1);
            for (size_t i = 0; i < flen[f]; i++) {
                char c = q ? quoted[rng_next(seed) % (sizeof quoted - 1)] : plain[rng_next(seed) % (sizeof plain - 1)];
                if (c == '"')
                    append(in, ilen, cap, "\"", 1); /* written "" */
                append(in, ilen, cap, &c, 1);
                line += c == '\n';
                fields[f][i] = c;
            }
            if (q)
                append(in, ilen, cap, "\"", 1);
        }
        if (!empty) { /* a lone empty plain field is an empty line */
            append(want, wlen, cap, num, strlen(num));
            for (int f = 0; f < nf; f++) {
                if (f)
                    append(want, wlen, cap, "|", 1);
                show(want, wlen, cap, fields[f], flen[f]);
            }
            append(want, wlen, cap, "]\n", 2);
        }
        if (r < rows - 1 || rng_next(seed) % 2) {
            if (rng_next(seed) % 2)
                append(in, ilen, cap, "\r", 1);
            append(in, ilen, cap, "\n", 1);
            line++;
        }
    }
    snprintf(num, sizeof num, "E%llu", (unsigned long long)line);
    append(want, wlen, cap, num, strlen(num));
}

START_TEST(test_csv_generated_rows)
{
    static const size_t sizes[] = {1, 7, 16, 17, 0};
    static const char delims[] = ",;\t";
    enum { CAP = 1 << 16 };
    char *in = malloc(CAP), *want = malloc(CAP), *got = malloc(CAP);
    uint64_t seed = 21;
    ck_assert(in && want && got);
    for (int i = 0; i < 250; i++) {
        char delim = delims[i % 3];
        size_t ilen, wlen;
        generate(&seed, delim, in, &ilen, want, &wlen, CAP);
        for (size_t j = 0; j < sizeof sizes / sizeof sizes[0]; j++) {
            transcript(in, ilen, delim, sizes[j], got, CAP);
            if (strcmp(got, want) != 0) { /* Check's messages are short: show where they part */
                size_t at = 0;
                while (got[at] == want[at])
                    at++;
                at = at > 40 ? at - 40 : 0;
                ck_abort_msg("input %d (cap %zu) differs:\n--- got\n%.200s\n--- want\n%.200s", i, sizes[j], got + at,
                             want + at);
            }
        }
    }
    free(in);
    free(want);
    free(got);
}
END_TEST

/* ---- both ways to split a plain row ---------------------------------------
 * The one-pass SSE2 split (what gcc builds here) against the memchr one (what
 * tcc builds), on random bytes heavy in delims, LF, CR, quotes, and bytes next
 * to them in value, ending at every offset around the 16-byte blocks. */
START_TEST(test_csv_split_plain_both_ways)
{
#if RGP__CSV_SSE2
    static const char bytes[] = ",;\n\"\r\r\0aaaaab+-!#\x0b\x80\xff";
    uint64_t seed = 22;
    char buf[80];
    for (int i = 0; i < 400000; i++) {
        rgp_str f1[8], f2[8];
        char delim = i % 2 ? ',' : ';', *nl1 = NULL, *nl2 = NULL, *c1 = NULL, *c2 = NULL;
        size_t len = 1 + (size_t)(rng_next(&seed) % (sizeof buf - 1)); /* never called on an empty window */
        int max = (int)(rng_next(&seed) % 9), n1 = -1, n2 = -1, r1, r2;
        for (size_t j = 0; j < len; j++) /* mostly plain, so that rows get long */
            buf[j] = rng_next(&seed) % 4 ? bytes[rng_next(&seed) % (sizeof bytes - 1)] : 'a';
        r1 = rgp__csv_split_plain_sse2(buf, buf + len, delim, f1, max, &n1, &nl1, &c1);
        r2 = rgp__csv_split_plain_memchr(buf, buf + len, delim, f2, max, &n2, &nl2, &c2);
        ck_assert_msg(r1 == r2, "row %d: plain %d vs %d", i, r1, r2);
        if (!r1)
            continue;
        ck_assert_msg(n1 == n2 && nl1 == nl2 && c1 == c2, "row %d: %d fields vs %d", i, n1, n2);
        for (int k = 0; k < n1 && k < max; k++)
            ck_assert_msg(f1[k].ptr == f2[k].ptr && f1[k].len == f2[k].len, "row %d field %d", i, k);
    }
#endif
}
END_TEST

START_TEST(test_reader_open)
{
    rgp_reader r;
    char path[] = "/tmp/rgp_check_open_XXXXXX";
    int fd = mkstemp(path), stdin_open;
    ck_assert_int_ge(fd, 0);
    write_str(fd, "x,y\n");
    close(fd);

    errno = 0;
    ck_assert_int_eq(rgp_reader_open(&r, "/nonexistent/dir/file.csv", "file.csv"), -1);
    ck_assert_int_eq(errno, ENOENT);
    rgp_reader_close(&r); /* harmless after a failed open */

    ck_assert_int_eq(rgp_reader_open(&r, path, "data.csv"), 0);
    ck_assert_str_eq(r.display, "data.csv");
    ck_assert_uint_eq(r.cap, RGP_READER_INITIAL_CAP);
    ck_assert_uint_eq(r.line, 1);
    ck_assert_int_eq(rgp_reader_fill(&r), 4);
    ck_assert_int_eq(rgp_reader_fill(&r), 0);
    ck_assert(r.eof);
    ck_assert_uint_eq(r.bytes, 4);
    rgp_reader_close(&r);
    rgp_reader_close(&r);

    ck_assert_int_eq(rgp_reader_open_sized(&r, path, NULL, 8), 0);
    ck_assert_str_eq(r.display, path);
    ck_assert_uint_eq(r.cap, 8);
    rgp_reader_close(&r);

    stdin_open = fcntl(STDIN_FILENO, F_GETFD) != -1;
    ck_assert_int_eq(rgp_reader_open(&r, "-", "<stdin>"), 0);
    ck_assert_int_eq(r.fd, STDIN_FILENO);
    rgp_reader_close(&r);
    if (stdin_open) /* the reader must not close stdin */
        ck_assert_int_ne(fcntl(STDIN_FILENO, F_GETFD), -1);
    unlink(path);
}
END_TEST

START_TEST(test_reader_fill_error)
{
    rgp_reader r;
    ck_assert_int_eq(rgp_reader_open_fd(&r, -1, "bad", 16), 0);
    errno = 0;
    ck_assert_int_eq(rgp_reader_fill(&r), -1);
    ck_assert_int_eq(errno, EBADF);
    ck_assert(!r.eof);
    rgp_reader_close(&r);
}
END_TEST

/* A row or line far longer than one read, arriving through a pipe in 4 KiB
 * pieces: the search for its end carries on where it stopped, so the bytes
 * searched stay a small multiple of the line's length (rescanning after every
 * read searched about 64 times the length here). */
enum { LONG_LINE = 1 << 19, PIECE = 1 << 12 };

/* Feeds prefix, LONG_LINE bytes of c and suffix through a pipe; returns the
 * bytes memchr searched.  csv: read as CSV rows (else as lines). */
static size_t search_cost(const char *prefix, char c, const char *suffix, int csv)
{
    rgp_reader r;
    rgp_str f[MAXF], text;
    char piece[PIECE];
    int p[2], n, st;
    uint64_t line;
    const char *why;
    memset(piece, c, sizeof piece);
    ck_assert_int_eq(pipe(p), 0);
    ck_assert_int_eq(rgp_reader_open_fd(&r, p[0], "pipe", 64), 0);
    memchr_bytes = 0;
    write_str(p[1], prefix);
    for (size_t sent = 0;; sent += PIECE) {
        if (sent < LONG_LINE)
            ck_assert_int_eq(write(p[1], piece, PIECE), PIECE);
        else if (sent == LONG_LINE)
            write_str(p[1], suffix);
        else
            break;
        ck_assert_int_gt(rgp_reader_fill(&r), 0);
        st = csv ? rgp_csv_next_row(&r, ',', f, MAXF, &n, &line, &why) : rgp_line_next(&r, &text, &line);
        if (sent < LONG_LINE) {
            ck_assert_int_eq(st, RGP_ROW_NEED_INPUT);
            ck_assert_uint_eq(r.scan, r.end - r.pos); /* it remembers how far it searched */
        } else {
            ck_assert_int_eq(st, RGP_ROW_OK);
            rgp_str got = csv ? f[0] : text;
            ck_assert_uint_ge(got.len, LONG_LINE);
        }
    }
    close(p[1]);
    rgp_reader_close(&r);
    return memchr_bytes;
}

START_TEST(test_long_line_search_is_linear)
{
    size_t cost;
    cost = search_cost("", 'a', "\n", 0);
    ck_assert_msg(cost <= 2 * LONG_LINE, "lines: %zu bytes searched for a line of %d", cost, LONG_LINE);
    cost = search_cost("\"", 'a', "\"\n", 1);
    ck_assert_msg(cost <= 4 * LONG_LINE, "quoted csv: %zu bytes searched for a row of %d", cost, LONG_LINE);
    cost = search_cost("", 'a', ",b\n", 1);
    ck_assert_msg(cost <= 4 * LONG_LINE, "plain csv: %zu bytes searched for a row of %d", cost, LONG_LINE);
    cost = search_cost("\"", '\n', "\"\n", 1); /* LFs inside quotes are counted once */
    ck_assert_msg(cost <= 4 * LONG_LINE, "quoted csv with LFs: %zu bytes searched for a row of %d", cost, LONG_LINE);
}
END_TEST

/* The BOM arriving a byte at a time through a pipe: nothing is handed out
 * until it is known not to be one. */
START_TEST(test_reader_bom_pipe)
{
    rgp_reader r;
    rgp_str text = {0};
    uint64_t line = 0;
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    ck_assert_int_eq(rgp_reader_open_fd(&r, p[0], "pipe", 64), 0);
    write_str(p[1], "\xEF");
    write_str(p[1], "\xBB");
    ck_assert_int_eq(rgp_line_next(&r, &text, &line), RGP_ROW_NEED_INPUT);
    write_str(p[1], "\xBF");
    write_str(p[1], "x\n");
    ck_assert_int_gt(rgp_reader_fill(&r), 0);
    while (rgp_line_next(&r, &text, &line) == RGP_ROW_NEED_INPUT)
        ck_assert_int_gt(rgp_reader_fill(&r), 0);
    ck_assert(field_is(text, "x") && line == 1);
    close(p[1]);
    rgp_reader_close(&r);
}
END_TEST

Suite *csv_suite(void)
{
    Suite *s = suite_create("csv");
    TCase *tc = tcase_create("rows");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_csv_table);
    tcase_add_test(tc, test_csv_max_row);
    tcase_add_test(tc, test_csv_bom);
    tcase_add_test(tc, test_csv_other_delims);
    tcase_add_test(tc, test_csv_nul_bytes);
    tcase_add_test(tc, test_csv_max_fields);
    tcase_add_test(tc, test_csv_need_input_pipe);
    tcase_add_test(tc, test_csv_big_row);
    tcase_add_test(tc, test_csv_generated_rows);
    tcase_add_test(tc, test_csv_split_plain_both_ways);
    suite_add_tcase(s, tc);

    tc = tcase_create("reader");
    tcase_add_test(tc, test_reader_open);
    tcase_add_test(tc, test_reader_fill_error);
    tcase_add_test(tc, test_reader_bom_pipe);
    tcase_add_test(tc, test_long_line_search_is_linear);
    suite_add_tcase(s, tc);
    return s;
}
