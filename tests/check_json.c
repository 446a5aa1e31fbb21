/* JSON-lines reading: member scanning, skipping nested values, escape decoding. */
#include <check.h>
#include <string.h>
#include "json.h"

static rgp_str S(const char *s) { return (rgp_str){s, strlen(s)}; }

START_TEST(test_members)
{
    const char *line = " { \"a\" : 12 , \"skip\": {\"x\": [1, \"}\", {}]}, \"s\":\"q\\\"x\", \"t\":true,\"n\":null } ";
    const char *p = line, *end = line + strlen(line), *why = NULL;
    ck_assert_int_eq(rgp_json_begin(&p, end, &why), 0);
    rgp_str key;
    rgp_json_val v;
    static const struct { const char *key; int kind; const char *text; } want[] = {
        {"a", RGP_JSON_NUM, "12"}, {"skip", RGP_JSON_NEST, "{\"x\": [1, \"}\", {}]}"}, {"s", RGP_JSON_STR, "q\\\"x"},
        {"t", RGP_JSON_TRUE, "true"}, {"n", RGP_JSON_NULL, "null"},
    };
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(rgp_json_member(&p, end, i == 0, &key, &v, &why), 1);
        ck_assert_int_eq((int)key.len, (int)strlen(want[i].key));
        ck_assert(memcmp(key.ptr, want[i].key, key.len) == 0);
        ck_assert_int_eq(v.kind, want[i].kind);
        ck_assert_msg(v.text.len == strlen(want[i].text) && !memcmp(v.text.ptr, want[i].text, v.text.len), "member %d", i);
    }
    ck_assert_int_eq(rgp_json_member(&p, end, 0, &key, &v, &why), 0);
}
END_TEST

static const struct { const char *line; const char *why; } bad[] = {
    {"[1, 2]", "the line is not a JSON object"},
    {"{\"a\" 1}", "expected ':' after a key"},
    {"{\"a\": 1 \"b\": 2}", "expected ',' or '}' between members"},
    {"{a: 1}", "expected a key in quotes"},
    {"{\"a\": \"open}", "a string does not close"},
    {"{\"a\": [1, 2}", "brackets do not match"},
    {"{\"a\": [1, {\"b\": 2}", "an object or array does not close"},
    {"{\"a\": nope}", "a value is not JSON"},
    {"{\"a\": 1} x", "text after the object"},
    {"{\"a\": 1", "expected ',' or '}' between members"},
};

START_TEST(test_errors)
{
    const char *line = bad[_i].line, *p = line, *end = line + strlen(line), *why = "";
    rgp_str key;
    rgp_json_val v;
    int rc = rgp_json_begin(&p, end, &why);
    for (int first = 1; rc == 0 && (rc = rgp_json_member(&p, end, first, &key, &v, &why)) == 1; first = 0) rc = 0;
    ck_assert_int_eq(rc, -1);
    ck_assert_str_eq(why, bad[_i].why);
}
END_TEST

START_TEST(test_decode)
{
    char out[64];
    static const struct { const char *in, *out; } ok[] = {
        {"plain", "plain"}, {"a\\\"b\\\\c\\/d", "a\"b\\c/d"}, {"\\n\\t\\r\\b\\f", "\n\t\r\b\f"},
        {"\\u0041\\u00e9\\u20ac", "A\xc3\xa9\xe2\x82\xac"}, {"\\ud83d\\ude00", "\xf0\x9f\x98\x80"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        long n = rgp_json_decode(S(ok[i].in), out);
        ck_assert_int_eq(n, (long)strlen(ok[i].out));
        ck_assert(memcmp(out, ok[i].out, (size_t)n) == 0);
    }
    static const char *const wrong[] = {"\\q", "\\u12", "\\ud83d", "\\ude00", "\\ud83d\\u0041", "x\\"};
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) ck_assert_int_eq(rgp_json_decode(S(wrong[i]), out), -1);
    ck_assert(rgp_json_blank(S(" \t\r ")));
    ck_assert(!rgp_json_blank(S(" {}")));
}
END_TEST

Suite *json_suite(void)
{
    Suite *s = suite_create("json");
    TCase *tc = tcase_create("jsonl");
    tcase_add_test(tc, test_members);
    tcase_add_loop_test(tc, test_errors, 0, sizeof bad / sizeof bad[0]);
    tcase_add_test(tc, test_decode);
    suite_add_tcase(s, tc);
    return s;
}
