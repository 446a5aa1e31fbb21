/* check_framing.c - unit tests for runtime/framing.h: every framing on a
 * table of streams, each fed in every chunk size from one byte to the whole
 * stream, so frames split across reads are covered; oversize, partial and
 * bad-header counts; headers written by rgp_frame_header read back. */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include "framing.h"

typedef struct framing_case {
    rgp_framing_kind kind;
    uint64_t max_len;
    const char *in;
    size_t in_len;       /* 0: strlen(in) */
    const char *frames;  /* frames joined by '|' */
    uint64_t oversize, partial, bad;
} framing_case;

#define S(lit) lit, sizeof(lit) - 1
static const framing_case cases[] = {
    {RGP_FRAMING_NEWLINE, 16, "a\nbb\n\nccc\n", 0, "a|bb||ccc", 0, 0, 0},
    {RGP_FRAMING_NEWLINE, 4, "abcd\nabcde\nxy\n", 0, "abcd|xy", 1, 0, 0},
    {RGP_FRAMING_NEWLINE, 4, "abcdefghijklmnop\nz\n", 0, "z", 1, 0, 0},
    {RGP_FRAMING_NEWLINE, 16, "a\npartial", 0, "a", 0, 1, 0},
    {RGP_FRAMING_NEWLINE, 4, "a\nlong line cut", 0, "a", 1, 0, 0},
    {RGP_FRAMING_LENGTH32, 16, S("\0\0\0\3abc\0\0\0\0\0\0\0\2xy"), "abc||xy", 0, 0, 0},
    {RGP_FRAMING_LENGTH32, 4, S("\0\0\0\5abcde\0\0\0\1z"), "z", 1, 0, 0},
    {RGP_FRAMING_LENGTH32, 16, S("\0\0\0\3ab"), "", 0, 1, 0},
    {RGP_FRAMING_LENGTH32, 16, S("\0\0"), "", 0, 1, 0},
    {RGP_FRAMING_LENGTH8, 16, S("\2hi\1!"), "hi|!", 0, 0, 0},
    {RGP_FRAMING_LENGTH16, 300, S("\1\0" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
                                  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
                                  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
                                  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 0, 0, 0},
    {RGP_FRAMING_LENGTH64, 16, S("\0\0\0\0\0\0\0\4abcd"), "abcd", 0, 0, 0},
    {RGP_FRAMING_OCTETS, 64, "5 hello11 <34>1 x y z3 a\nb", 0, "hello|<34>1 x y z|a\nb", 0, 0, 0},
    {RGP_FRAMING_OCTETS, 4, "10 0123456789" "2 ok", 0, "ok", 1, 0, 0},
    {RGP_FRAMING_OCTETS, 64, "3 abc5 ab", 0, "abc", 0, 1, 0},
    {RGP_FRAMING_OCTETS, 64, "3 abcx abc", 0, "abc", 0, 0, 1},
    {RGP_FRAMING_OCTETS, 64, "03 abc", 0, "", 0, 0, 1},
};

/* Feeds c->in in chunks of `chunk` bytes through a buffer the way a source
 * reads a socket, and returns the frames joined by '|' in out. */
static void run_case(const framing_case *c, size_t chunk, char *out, size_t cap, rgp_framer *f)
{
    size_t in_len = c->in_len ? c->in_len : strlen(c->in);
    char buf[512];
    size_t have = 0, fed = 0, o = 0;
    int first = 1, fatal = 0;
    rgp_framer_init(f, c->kind, c->max_len);
    out[0] = 0;
    while (fed < in_len && !fatal) {
        size_t k = in_len - fed < chunk ? in_len - fed : chunk;
        ck_assert_uint_le(have + k, sizeof buf);
        memcpy(buf + have, c->in + fed, k);
        have += k;
        fed += k;
        size_t pos = 0;
        for (;;) {
            size_t used;
            const char *fr;
            size_t fl;
            rgp_frame_status st = rgp_frame_next(f, buf + pos, have - pos, &used, &fr, &fl);
            pos += used;
            if (st == RGP_FRAMER_OK) {
                ck_assert_uint_lt(o + fl + 2, cap);
                if (!first)
                    out[o++] = '|';
                memcpy(out + o, fr, fl);
                o += fl;
                out[o] = 0;
                first = 0;
            } else if (st == RGP_FRAMER_FATAL) {
                fatal = 1;
                break;
            } else if (st == RGP_FRAMER_MORE) {
                break;
            }
        }
        memmove(buf, buf + pos, have - pos);
        have -= pos;
    }
    if (!fatal)
        rgp_frame_end(f, have);
}

START_TEST(test_framing_table)
{
    const framing_case *c = &cases[_i];
    size_t in_len = c->in_len ? c->in_len : strlen(c->in);
    for (size_t chunk = 1; chunk <= in_len; chunk++) {
        char out[512];
        rgp_framer f;
        run_case(c, chunk, out, sizeof out, &f);
        ck_assert_msg(strcmp(out, c->frames) == 0, "case %d chunk %zu: got '%s', want '%s'", _i, chunk, out,
                      c->frames);
        ck_assert_msg(f.oversize == c->oversize && f.partial == c->partial && f.bad == c->bad,
                      "case %d chunk %zu: oversize %llu partial %llu bad %llu", _i, chunk,
                      (unsigned long long)f.oversize, (unsigned long long)f.partial, (unsigned long long)f.bad);
    }
}
END_TEST

/* A header written for a sink reads back as the same frame. */
START_TEST(test_framing_header_roundtrip)
{
    static const rgp_framing_kind kinds[] = {RGP_FRAMING_LENGTH8, RGP_FRAMING_LENGTH16, RGP_FRAMING_LENGTH32,
                                             RGP_FRAMING_LENGTH64, RGP_FRAMING_OCTETS};
    const char *payload = "payload of twenty-ni";
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        for (size_t len = 1; len <= strlen(payload); len++) {
            char buf[64];
            size_t h = rgp_frame_header(kinds[k], len, buf);
            ck_assert_uint_gt(h, 0);
            memcpy(buf + h, payload, len);
            rgp_framer f;
            rgp_framer_init(&f, kinds[k], 64);
            size_t used, fl;
            const char *fr;
            ck_assert_int_eq(rgp_frame_next(&f, buf, h + len, &used, &fr, &fl), RGP_FRAMER_OK);
            ck_assert_uint_eq(used, h + len);
            ck_assert_uint_eq(fl, len);
            ck_assert_int_eq(memcmp(fr, payload, len), 0);
        }
    char hdr[32];
    ck_assert_uint_eq(rgp_frame_header(RGP_FRAMING_LENGTH8, 256, hdr), 0);
    ck_assert_uint_eq(rgp_frame_header(RGP_FRAMING_LENGTH16, 65536, hdr), 0);
    ck_assert_uint_eq(rgp_frame_header(RGP_FRAMING_NEWLINE, 5, hdr), 0);
    ck_assert_uint_eq(rgp_frame_header(RGP_FRAMING_OCTETS, 0, hdr), 0);
    ck_assert_uint_eq(rgp_frame_header(RGP_FRAMING_OCTETS, 1234567, hdr), 8);
    ck_assert_int_eq(memcmp(hdr, "1234567 ", 8), 0);
}
END_TEST

/* Random payloads framed with rgp_frame_header for every length-carrying
 * framing, the stream cut at random read boundaries: every frame comes back
 * whole and in order, nothing is counted as an error. */
START_TEST(test_framing_random_streams)
{
    static const rgp_framing_kind kinds[] = {RGP_FRAMING_LENGTH8, RGP_FRAMING_LENGTH16, RGP_FRAMING_LENGTH32,
                                             RGP_FRAMING_LENGTH64, RGP_FRAMING_OCTETS, RGP_FRAMING_NEWLINE};
    unsigned seed = 12345;
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        for (int round = 0; round < 50; round++) {
            char stream[4096], want[4096];
            size_t sn = 0, wn = 0;
            int nframes = 1 + (int)((seed = seed * 1103515245 + 12345) >> 16) % 20;
            for (int i = 0; i < nframes; i++) {
                size_t len = ((seed = seed * 1103515245 + 12345) >> 16) % 60;
                if (len == 0 && kinds[k] == RGP_FRAMING_OCTETS)
                    len = 1; /* octet counting cannot frame an empty message */
                char payload[64];
                for (size_t j = 0; j < len; j++)
                    payload[j] = (char)('a' + ((seed = seed * 1103515245 + 12345) >> 16) % 26);
                sn += rgp_frame_header(kinds[k], len, stream + sn);
                memcpy(stream + sn, payload, len);
                sn += len;
                if (kinds[k] == RGP_FRAMING_NEWLINE)
                    stream[sn++] = '\n';
                if (i)
                    want[wn++] = '|';
                memcpy(want + wn, payload, len);
                wn += len;
            }
            want[wn] = 0;
            framing_case c = {kinds[k], 64, stream, sn, want, 0, 0, 0};
            size_t chunk = 1 + ((seed = seed * 1103515245 + 12345) >> 16) % 97;
            char out[4096];
            rgp_framer f;
            run_case(&c, chunk, out, sizeof out, &f);
            ck_assert_str_eq(out, want);
            ck_assert_uint_eq(f.frames, (uint64_t)nframes);
            ck_assert_uint_eq(f.oversize + f.partial + f.bad, 0);
        }
}
END_TEST

Suite *framing_suite(void)
{
    Suite *s = suite_create("framing");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_framing_table, 0, (int)(sizeof cases / sizeof cases[0]));
    tcase_add_test(tc, test_framing_header_roundtrip);
    tcase_add_test(tc, test_framing_random_streams);
    suite_add_tcase(s, tc);
    return s;
}
