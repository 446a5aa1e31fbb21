/* check_lsp_json.c - unit tests for compiler/lsp_json.c, the language server's
 * JSON: values read and written back (a table of round trips), escapes and
 * surrogate pairs, and bad texts with the byte offset and reason each gives. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lsp_json.h"

/* text read, then written compactly */
static const struct { const char *in, *out; } round_trips[] = {
    {"null", "null"},
    {" true ", "true"},
    {"false", "false"},
    {"0", "0"},
    {"-12", "-12"},
    {"1.5e3", "1500"},
    {"0.25", "0.25"},
    {"\"a\\\"b\\\\c\\/d\\n\\t\"", "\"a\\\"b\\\\c/d\\n\\u0009\""},
    {"\"\\u00e9\\u20ac\"", "\"\xc3\xa9\xe2\x82\xac\""},
    {"\"\\ud83d\\ude00\"", "\"\xf0\x9f\x98\x80\""},        /* a surrogate pair: one four-byte character */
    {"\"\\udc00\"", "\"\xef\xbf\xbd\""},                   /* a lone surrogate: the replacement character */
    {"[]", "[]"},
    {"{}", "{}"},
    {"[1, [2, [3]], {\"k\": null}]", "[1,[2,[3]],{\"k\":null}]"},
    {"{\"id\": 7, \"method\": \"initialize\", \"params\": {\"a\": [true, false]}}",
     "{\"id\":7,\"method\":\"initialize\",\"params\":{\"a\":[true,false]}}"},
};

START_TEST(round_trip)
{
    char err[128] = "";
    json *v = json_parse(round_trips[_i].in, strlen(round_trips[_i].in), err, sizeof err);
    ck_assert_msg(v != NULL, "%s: %s", round_trips[_i].in, err);
    char *text = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&text, &n);
    json_write(m, v);
    fclose(m);
    ck_assert_str_eq(text, round_trips[_i].out);
    free(text);
    json_free(v);
}
END_TEST

static const struct { const char *in, *err; } bad_texts[] = {
    {"", "bad JSON at byte 0: expected a value, found the end"},
    {"{", "bad JSON at byte 1: expected a member name in quotes"},
    {"{\"a\" 1}", "bad JSON at byte 5: expected ':' after a member name"},
    {"{\"a\": 1,}", "bad JSON at byte 8: expected a member name in quotes"},
    {"[1 2]", "bad JSON at byte 3: expected ',' or ']'"},
    {"[1,", "bad JSON at byte 3: expected a value, found the end"},
    {"\"abc", "bad JSON at byte 1: unterminated string"},
    {"\"a\nb\"", "bad JSON at byte 2: control character in a string"},
    {"\"\\x\"", "bad JSON at byte 2: unknown escape in a string"},
    {"\"\\u12g4\"", "bad JSON at byte 3: expected 4 hex digits after \\u"},
    {"\"\\ud800\\u0041\"", "bad JSON at byte 13: a high surrogate without its low one"},
    {"01", "bad JSON at byte 1: text after the value"},
    {"1.", "bad JSON at byte 0: expected a digit after '.'"},
    {"-", "bad JSON at byte 0: expected a value"},
    {"tru", "bad JSON at byte 0: expected a value"},
    {"nul", "bad JSON at byte 0: expected a value"},
    {"{} x", "bad JSON at byte 3: text after the value"},
};

START_TEST(bad_text)
{
    char err[128] = "";
    json *v = json_parse(bad_texts[_i].in, strlen(bad_texts[_i].in), err, sizeof err);
    ck_assert_msg(v == NULL, "'%s' was read", bad_texts[_i].in);
    ck_assert_str_eq(err, bad_texts[_i].err);
}
END_TEST

START_TEST(depth_is_bounded)
{
    char text[JSON_MAX_DEPTH + 3], err[128];
    memset(text, '[', sizeof text - 2);
    text[sizeof text - 2] = ']';   /* JSON_MAX_DEPTH + 1 open: one too many */
    text[sizeof text - 1] = '\0';
    ck_assert_ptr_null(json_parse(text, strlen(text), err, sizeof err));
    ck_assert_str_eq(err, "bad JSON at byte 64: nested too deeply");
    /* JSON_MAX_DEPTH open and closed is fine */
    char ok[2 * JSON_MAX_DEPTH + 1];
    memset(ok, '[', JSON_MAX_DEPTH);
    memset(ok + JSON_MAX_DEPTH, ']', JSON_MAX_DEPTH);
    ok[2 * JSON_MAX_DEPTH] = '\0';
    json *v = json_parse(ok, strlen(ok), err, sizeof err);
    ck_assert_msg(v != NULL, "%s", err);
    json_free(v);
}
END_TEST

START_TEST(lookups)
{
    char err[128];
    const char *text = "{\"id\": 3, \"big\": 1e300, \"half\": 2.5, \"s\": \"x\", \"o\": {\"k\": [1]}}";
    json *v = json_parse(text, strlen(text), err, sizeof err);
    ck_assert_ptr_nonnull(v);
    ck_assert_int_eq(json_int(json_get(v, "id"), -1), 3);
    ck_assert_int_eq(json_int(json_get(v, "big"), -1), -1);    /* too big for an integer */
    ck_assert_int_eq(json_int(json_get(v, "half"), -1), -1);   /* not whole */
    ck_assert_int_eq(json_int(json_get(v, "s"), -1), -1);      /* not a number */
    ck_assert_str_eq(json_str(json_get(v, "s")), "x");
    ck_assert_ptr_null(json_str(json_get(v, "id")));
    ck_assert_ptr_null(json_get(v, "missing"));
    ck_assert_ptr_null(json_get(json_get(v, "s"), "k"));       /* not an object */
    ck_assert_ptr_null(json_get(NULL, "k"));
    ck_assert_int_eq(json_get(json_get(v, "o"), "k")->kind, J_ARRAY);
    json_free(v);
}
END_TEST

Suite *lsp_json_suite(void)
{
    Suite *s = suite_create("lsp_json");
    TCase *t = tcase_create("core");
    tcase_add_loop_test(t, round_trip, 0, sizeof round_trips / sizeof *round_trips);
    tcase_add_loop_test(t, bad_text, 0, sizeof bad_texts / sizeof *bad_texts);
    tcase_add_test(t, depth_is_bounded);
    tcase_add_test(t, lookups);
    suite_add_tcase(s, t);
    return s;
}
