/* JSON-lines reading: member scanning, skipped values checked as strictly as
 * read ones, JSONTestSuite's verdicts, the nesting limit, escape decoding. */
#include <check.h>
#include <string.h>
#include "json.h"

static rgp_str S(const char *s) { return (rgp_str){s, strlen(s)}; }

START_TEST(test_members)
{
    const char *line = " { \"a\" : 12 , \"skip\": {\"x\": [1, \"}\", {}]}, \"s\":\"q\\\"x\", \"t\":true,\"n\":null } ";
    const char *p = line, *end = line + strlen(line);
    rgp_json_error err;
    ck_assert_int_eq(rgp_json_begin(&p, end, &err), 0);
    rgp_str key;
    rgp_json_val v;
    static const struct { const char *key; int kind; const char *text; } want[] = {
        {"a", RGP_JSON_NUM, "12"}, {"skip", RGP_JSON_OBJECT, "{\"x\": [1, \"}\", {}]}"}, {"s", RGP_JSON_STR, "q\\\"x"},
        {"t", RGP_JSON_TRUE, "true"}, {"n", RGP_JSON_NULL, "null"},
    };
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(rgp_json_member(&p, end, i == 0, &key, &v, &err), 1);
        ck_assert_int_eq((int)key.len, (int)strlen(want[i].key));
        ck_assert(memcmp(key.ptr, want[i].key, key.len) == 0);
        ck_assert_int_eq(v.kind, want[i].kind);
        ck_assert_msg(v.text.len == strlen(want[i].text) && !memcmp(v.text.ptr, want[i].text, v.text.len), "member %d", i);
    }
    ck_assert_int_eq(rgp_json_member(&p, end, 0, &key, &v, &err), 0);
}
END_TEST

/* What is wrong, and the column (from 1) where it shows. */
static const struct { const char *line; const char *why; int column; } bad[] = {
    {"[1, 2]", "the line is not a JSON object", 1},
    {"{\"a\" 1}", "expected ':' after a key", 6},
    {"{\"a\": 1 \"b\": 2}", "expected ',' or '}' after a member", 9},
    {"{a: 1}", "expected a key in quotes", 2},
    {"{\"a\": \"open}", "a string does not close", 7},
    {"{\"a\": [1, 2}", "expected ',' or ']' after an element", 12},
    {"{\"a\": [1, {\"b\": 2}", "expected ',' or ']' after an element", 19},
    {"{\"a\": nope}", "a value is not JSON (expected a string, number, object, array, true, false or null)", 7},
    {"{\"a\": 1} x", "text after the object", 10},
    {"{\"a\": 1", "expected ',' or '}' after a member", 8},
    {"{\"a\": 012}", "a number is not JSON (RFC 8259: no '+', no leading zeros, digits on both sides of '.', no Infinity or NaN)", 7},
    {"{\"a\": [1,,2]}", "a value is missing", 10},
    {"{\"a\": {\"k\" 1}}", "expected ':' after a key", 12},
    {"{\"a\": \"x\\qy\"}", "an unknown escape in a string (JSON has \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)", 9},
    {"{\"a\": \"\\u12g4\"}", "\\u needs four hex digits", 8},
    {"{\"a\": \"\\udc00\"}", "a low surrogate escape without a high one before it", 8},
    {"{\"a\": \"\\ud800x\"}", "a high surrogate escape without a low one after it", 8},
    {"{\"a\": \"tab\there\"}", "a control character in a string (JSON needs it escaped)", 11},
    {"{\"a\": \"caf\xe9\"}", "a string holds bytes that are not UTF-8", 11},
    {"{\"a\": truex}", "a value is not JSON (expected a string, number, object, array, true, false or null)", 7},
    {"{\"a\": 1,}", "expected a key in quotes", 9},
    {"{\"a\": 1\"b\": 2}", "expected ',' or '}' after a member", 8},
    {"{\"a\": [true\"b\"]}", "expected ',' or ']' after an element", 12},
    {"{\"a\": 1.5.2}", "a number is not JSON (RFC 8259: no '+', no leading zeros, digits on both sides of '.', no Infinity or NaN)", 7},
    {"{\"a\": -}", "a number is not JSON (RFC 8259: no '+', no leading zeros, digits on both sides of '.', no Infinity or NaN)", 7},
};

START_TEST(test_errors)
{
    const char *line = bad[_i].line, *p = line, *end = line + strlen(line);
    rgp_json_error err = {"", NULL};
    rgp_str key;
    rgp_json_val v;
    int rc = rgp_json_begin(&p, end, &err);
    for (int first = 1; rc == 0 && (rc = rgp_json_member(&p, end, first, &key, &v, &err)) == 1; first = 0) rc = 0;
    ck_assert_int_eq(rc, -1);
    ck_assert_str_eq(err.why, bad[_i].why);
    ck_assert_msg(err.at - line + 1 == bad[_i].column, "%s: column %d, want %d", line, (int)(err.at - line + 1), bad[_i].column);
}
END_TEST

/* ---- JSONTestSuite (github.com/nst/JSONTestSuite): a case of ours for each of
 * its categories, under its names. y_ must be accepted and n_ rejected; for
 * i_ (the RFC leaves it to the parser) the verdict is rgp's, documented in
 * docs/language.md: numbers of any size pass the scanner (a field's type
 * then decides), invalid UTF-8, lone surrogates, a byte order mark and more
 * than RGP_JSON_MAX_DEPTH levels are rejected. */
enum { ACCEPT, REJECT };
#define J(name, text, verdict) {name, text, sizeof text - 1, verdict}
static const struct { const char *name, *text; size_t len; int verdict; } suite[] = {
    J("y_array_empty", "[]", ACCEPT),
    J("y_array_arraysWithSpaces", "[[]   ]", ACCEPT),
    J("y_array_heterogeneous", "[null, 1, \"1\", {}]", ACCEPT),
    J("y_array_with_1_and_newline", "[1\n]", ACCEPT),
    J("y_array_with_several_null", "[1,null,null,null,2]", ACCEPT),
    J("y_array_with_leading_space", " [1]", ACCEPT),
    J("y_number", "[123e65]", ACCEPT),
    J("y_number_0e+1", "[0e+1]", ACCEPT),
    J("y_number_0e1", "[0e1]", ACCEPT),
    J("y_number_minus_zero", "[-0]", ACCEPT),
    J("y_number_negative_int", "[-123]", ACCEPT),
    J("y_number_real_capital_e", "[1E22]", ACCEPT),
    J("y_number_real_capital_e_neg_exp", "[1E-2]", ACCEPT),
    J("y_number_real_fraction_exponent", "[123.456e78]", ACCEPT),
    J("y_number_real_neg_exp", "[1e-2]", ACCEPT),
    J("y_number_real_pos_exponent", "[1e+2]", ACCEPT),
    J("y_number_simple_real", "[123.456789]", ACCEPT),
    J("y_number_double_close_to_zero", "[-0.00000000000000000000000000000000000000000000000000000000000000000001]", ACCEPT),
    J("y_object_basic", "{\"asd\":\"sdf\"}", ACCEPT),
    J("y_object_duplicated_key", "{\"a\":\"b\",\"a\":\"c\"}", ACCEPT),
    J("y_object_empty", "{}", ACCEPT),
    J("y_object_empty_key", "{\"\":0}", ACCEPT),
    J("y_object_escaped_null_in_key", "{\"foo\\u0000bar\": 42}", ACCEPT),
    J("y_object_extreme_numbers", "{ \"min\": -1.0e+28, \"max\": 1.0e+28 }", ACCEPT),
    J("y_object_with_newlines", "{\n\"a\": \"b\"\n}", ACCEPT),
    J("y_object_string_unicode", "{\"title\":\"\\u041f\\u043e\\u043b\"}", ACCEPT),
    J("y_string_1_2_3_bytes_UTF-8_sequences", "[\"\\u0060\\u012a\\u12AB\"]", ACCEPT),
    J("y_string_accepted_surrogate_pair", "[\"\\uD801\\udc37\"]", ACCEPT),
    J("y_string_allowed_escapes", "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]", ACCEPT),
    J("y_string_backslash_and_u_escaped_zero", "[\"\\\\u0000\"]", ACCEPT),
    J("y_string_comments", "[\"a/*b*/c/*d//e\"]", ACCEPT),
    J("y_string_escaped_noncharacter", "[\"\\uFFFF\"]", ACCEPT),
    J("y_string_last_surrogates_1_and_2", "[\"\\uDBFF\\uDFFF\"]", ACCEPT),
    J("y_string_nonCharacterInUTF-8_U+10FFFF", "[\"\xf4\x8f\xbf\xbf\"]", ACCEPT),
    J("y_string_nonCharacterInUTF-8_U+FFFF", "[\"\xef\xbf\xbf\"]", ACCEPT),
    J("y_string_pi", "[\"\xcf\x80\"]", ACCEPT),
    J("y_string_unescaped_char_delete", "[\"\x7f\"]", ACCEPT),
    J("y_string_u+2028_line_sep", "[\"\xe2\x80\xa8\"]", ACCEPT),
    J("y_string_utf8", "[\"\xe2\x82\xac\xf0\x9d\x84\x9e\"]", ACCEPT),
    J("y_structure_lonely_false", "false", ACCEPT),
    J("y_structure_lonely_int", "42", ACCEPT),
    J("y_structure_lonely_negative_real", "-0.1", ACCEPT),
    J("y_structure_lonely_null", "null", ACCEPT),
    J("y_structure_lonely_string", "\"asd\"", ACCEPT),
    J("y_structure_lonely_true", "true", ACCEPT),
    J("y_structure_string_empty", "\"\"", ACCEPT),
    J("y_structure_trailing_newline", "[\"a\"]\n", ACCEPT),
    J("y_structure_whitespace_array", " [] ", ACCEPT),

    J("n_array_1_true_without_comma", "[1 true]", REJECT),
    J("n_array_a_invalid_utf8", "[a\xe5]", REJECT),
    J("n_array_colon_instead_of_comma", "[\"\": 1]", REJECT),
    J("n_array_comma_after_close", "[\"\"],", REJECT),
    J("n_array_double_comma", "[1,,2]", REJECT),
    J("n_array_extra_close", "[\"x\"]]", REJECT),
    J("n_array_extra_comma", "[\"\",]", REJECT),
    J("n_array_incomplete", "[\"x\"", REJECT),
    J("n_array_inner_array_no_comma", "[3[4]]", REJECT),
    J("n_array_invalid_utf8", "[\xff]", REJECT),
    J("n_array_items_separated_by_semicolon", "[1:2]", REJECT),
    J("n_array_just_comma", "[,]", REJECT),
    J("n_array_just_minus", "[-]", REJECT),
    J("n_array_missing_value", "[   , \"\"]", REJECT),
    J("n_array_spaces_vertical_tab_formfeed", "[\"\va\"\f]", REJECT),
    J("n_array_star_inside", "[*]", REJECT),
    J("n_array_unclosed_trailing_comma", "[1,", REJECT),
    J("n_incomplete_false", "[fals]", REJECT),
    J("n_incomplete_null", "[nul]", REJECT),
    J("n_incomplete_true", "[tru]", REJECT),
    J("n_multidigit_number_then_00", "123\0", REJECT),
    J("n_number_++", "[++1234]", REJECT),
    J("n_number_+1", "[+1]", REJECT),
    J("n_number_+Inf", "[+Inf]", REJECT),
    J("n_number_-01", "[-01]", REJECT),
    J("n_number_-1.0.", "[-1.0.]", REJECT),
    J("n_number_-2.", "[-2.]", REJECT),
    J("n_number_-NaN", "[-NaN]", REJECT),
    J("n_number_.-1", "[.-1]", REJECT),
    J("n_number_.2e-3", "[.2e-3]", REJECT),
    J("n_number_0.1.2", "[0.1.2]", REJECT),
    J("n_number_0.3e+", "[0.3e+]", REJECT),
    J("n_number_0.3e", "[0.3e]", REJECT),
    J("n_number_0.e1", "[0.e1]", REJECT),
    J("n_number_0_capital_E+", "[0E+]", REJECT),
    J("n_number_0e", "[0e]", REJECT),
    J("n_number_1_000", "[1 000.0]", REJECT),
    J("n_number_1eE2", "[1eE2]", REJECT),
    J("n_number_2.e3", "[2.e3]", REJECT),
    J("n_number_9.e+", "[9.e+]", REJECT),
    J("n_number_Inf", "[Inf]", REJECT),
    J("n_number_NaN", "[NaN]", REJECT),
    J("n_number_U+FF11_fullwidth_digit_one", "[\xef\xbc\x91]", REJECT),
    J("n_number_expression", "[1+2]", REJECT),
    J("n_number_hex_1_digit", "[0x1]", REJECT),
    J("n_number_infinity", "[Infinity]", REJECT),
    J("n_number_invalid+-", "[0e+-1]", REJECT),
    J("n_number_invalid-utf-8-in-int", "[0\xe5]", REJECT),
    J("n_number_minus_infinity", "[-Infinity]", REJECT),
    J("n_number_minus_space_1", "[- 1]", REJECT),
    J("n_number_neg_int_starting_with_zero", "[-012]", REJECT),
    J("n_number_neg_real_without_int_part", "[-.123]", REJECT),
    J("n_number_with_alpha", "[1.2a-3]", REJECT),
    J("n_number_with_leading_zero", "[012]", REJECT),
    J("n_object_bad_value", "[\"x\", truth]", REJECT),
    J("n_object_bracket_key", "{[: \"x\"}", REJECT),
    J("n_object_comma_instead_of_colon", "{\"x\", null}", REJECT),
    J("n_object_double_colon", "{\"x\"::\"b\"}", REJECT),
    J("n_object_garbage_at_end", "{\"a\":\"a\" 123}", REJECT),
    J("n_object_key_with_single_quotes", "{key: 'value'}", REJECT),
    J("n_object_lone_continuation_byte_in_key_and_trailing_comma", "{\"\xb9\":\"0\",}", REJECT),
    J("n_object_missing_colon", "{\"a\" b}", REJECT),
    J("n_object_missing_key", "{:\"b\"}", REJECT),
    J("n_object_missing_value", "{\"a\":", REJECT),
    J("n_object_non_string_key", "{1:1}", REJECT),
    J("n_object_repeated_null_null", "{null:null,null:null}", REJECT),
    J("n_object_several_trailing_commas", "{\"id\":0,,,,,}", REJECT),
    J("n_object_single_quote", "{'a':0}", REJECT),
    J("n_object_trailing_comma", "{\"id\":0,}", REJECT),
    J("n_object_trailing_comment", "{\"a\":\"b\"}/**/", REJECT),
    J("n_object_two_commas_in_a_row", "{\"a\":\"b\",,\"c\":\"d\"}", REJECT),
    J("n_object_unterminated-value", "{\"a\":\"a", REJECT),
    J("n_object_with_single_string", "{ \"foo\" : \"bar\", \"a\" }", REJECT),
    J("n_object_with_trailing_garbage", "{\"a\":\"b\"}#", REJECT),
    J("n_single_space", " ", REJECT),
    J("n_string_1_surrogate_then_escape", "[\"\\uD800\\\"]", REJECT),
    J("n_string_1_surrogate_then_escape_u1x", "[\"\\uD800\\u1x\"]", REJECT),
    J("n_string_accentuated_char_no_quotes", "[\xc3\xa9]", REJECT),
    J("n_string_backslash_00", "[\"\\\0\"]", REJECT),
    J("n_string_escape_x", "[\"\\x00\"]", REJECT),
    J("n_string_escaped_backslash_bad", "[\"\\\\\\\"]", REJECT),
    J("n_string_escaped_ctrl_char_tab", "[\"\\\t\"]", REJECT),
    J("n_string_escaped_emoji", "[\"\\\xf0\x9f\x8c\x80\"]", REJECT),
    J("n_string_incomplete_escape", "[\"\\\"]", REJECT),
    J("n_string_incomplete_surrogate", "[\"\\uD834\\uDd\"]", REJECT),
    J("n_string_invalid_backslash_esc", "[\"\\a\"]", REJECT),
    J("n_string_invalid_unicode_escape", "[\"\\uqqqq\"]", REJECT),
    J("n_string_invalid_utf8_after_escape", "[\"\\\xe5\"]", REJECT),
    J("n_string_leading_uescaped_thinspace", "[\\u0020\"asd\"]", REJECT),
    J("n_string_single_doublequote", "\"", REJECT),
    J("n_string_single_quote", "['single quote']", REJECT),
    J("n_string_unescaped_ctrl_char", "[\"a\0a\"]", REJECT),
    J("n_string_unescaped_newline", "[\"new\nline\"]", REJECT),
    J("n_string_unescaped_tab", "[\"\t\"]", REJECT),
    J("n_string_unicode_CapitalU", "\"\\UA66D\"", REJECT),
    J("n_string_with_trailing_garbage", "\"\"x", REJECT),
    J("n_structure_U+2060_word_joined", "[\xe2\x81\xa0]", REJECT),
    J("n_structure_UTF8_BOM_no_data", "\xef\xbb\xbf", REJECT),
    J("n_structure_angle_bracket_null", "[<null>]", REJECT),
    J("n_structure_array_trailing_garbage", "[1]x", REJECT),
    J("n_structure_array_with_extra_array_close", "[1]]", REJECT),
    J("n_structure_capitalized_True", "[True]", REJECT),
    J("n_structure_close_unopened_array", "1]", REJECT),
    J("n_structure_comma_instead_of_closing_brace", "{\"x\": true,", REJECT),
    J("n_structure_double_array", "[][]", REJECT),
    J("n_structure_end_array", "]", REJECT),
    J("n_structure_lone-invalid-utf-8", "\xe5", REJECT),
    J("n_structure_lone-open-bracket", "[", REJECT),
    J("n_structure_no_data", "", REJECT),
    J("n_structure_null-byte-outside-string", "[\0]", REJECT),
    J("n_structure_number_with_trailing_garbage", "2@", REJECT),
    J("n_structure_object_followed_by_closing_object", "{}}", REJECT),
    J("n_structure_object_with_comment", "{\"a\":/*comment*/\"b\"}", REJECT),
    J("n_structure_open_array_object", "[{\"\":[{\"\":", REJECT),
    J("n_structure_open_object", "{", REJECT),
    J("n_structure_open_object_close_array", "{]", REJECT),
    J("n_structure_single_star", "*", REJECT),
    J("n_structure_trailing_#", "{\"a\":\"b\"}#{}", REJECT),
    J("n_structure_uescaped_LF_before_string", "[\\u000A\"\"]", REJECT),
    J("n_structure_unclosed_array_partial_null", "[ false, nul", REJECT),
    J("n_structure_whitespace_formfeed", "[\f]", REJECT),

    J("i_number_huge_exp", "[0.4e00669999999999999999999999999999999999999999999999999999999999999999999969999999006]", ACCEPT),
    J("i_number_real_underflow", "[123e-10000000]", ACCEPT),
    J("i_number_too_big_pos_int", "[100000000000000000000]", ACCEPT),
    J("i_number_very_big_negative_int", "[-237462374673276894279832749832423479823246327846]", ACCEPT),
    J("i_structure_UTF-8_BOM_empty_object", "\xef\xbb\xbf{}", REJECT),
    J("i_string_UTF-8_invalid_sequence", "[\"\xe6\x97\xa5\xd1\x88\xfa\"]", REJECT),
    J("i_string_iso_latin_1", "[\"\xe9\"]", REJECT),
    J("i_string_lone_utf8_continuation_byte", "[\"\x81\"]", REJECT),
    J("i_string_overlong_sequence_2_bytes", "[\"\xc0\xaf\"]", REJECT),
    J("i_string_overlong_sequence_6_bytes", "[\"\xfc\x83\xbf\xbf\xbf\xbf\"]", REJECT),
    J("i_string_UTF8_surrogate_U+D800", "[\"\xed\xa0\x80\"]", REJECT),
    J("i_string_not_in_unicode_range", "[\"\xf4\xbf\xbf\xbf\"]", REJECT),
    J("i_string_truncated-utf-8", "[\"\xe0\xff\"]", REJECT),
    J("i_string_1st_surrogate_but_2nd_missing", "[\"\\uDADA\"]", REJECT),
    J("i_string_lone_second_surrogate", "[\"\\uDFAA\"]", REJECT),
    J("i_string_inverted_surrogates_U+1D11E", "[\"\\uDd1e\\uD834\"]", REJECT),
    J("i_object_key_lone_2nd_surrogate", "{\"\\uDFAA\":0}", REJECT),
    J("i_string_utf16LE_no_BOM", "[\0\"\0\xe9\0\"\0]\0", REJECT),
};

/* Scans a whole line: 0 if it is one good object, else -1 with *err. */
static int scan_line(const char *line, size_t len, rgp_json_error *err)
{
    const char *p = line, *end = line + len;
    rgp_str key;
    rgp_json_val v;
    int rc = rgp_json_begin(&p, end, err);
    for (int first = 1; rc == 0 && (rc = rgp_json_member(&p, end, first, &key, &v, err)) == 1; first = 0) rc = 0;
    return rc;
}

/* The case as a member the schema does not read, as an element of one, and,
 * for an object, as the line itself: each must get the case's verdict. */
START_TEST(test_json_test_suite)
{
    static const char *const frames[][2] = {{"{\"id\":1,\"x\":", "}"}, {"{\"x\":[0, ", "], \"id\": 2}"}, {"", ""}};
    const char *name = suite[_i].name;
    char line[512];
    ck_assert_msg(name[0] == 'i' || (name[0] == 'y') == (suite[_i].verdict == ACCEPT), "%s: the suite's verdict", name);
    for (int f = 0; f < 3; f++) {
        const char *t = suite[_i].text;
        if (f == 2 && *rgp__json_ws(t, t + suite[_i].len) != '{') continue;
        size_t a = strlen(frames[f][0]), b = strlen(frames[f][1]), n = a + suite[_i].len + b;
        ck_assert(n < sizeof line);
        memcpy(line, frames[f][0], a);
        memcpy(line + a, t, suite[_i].len);
        memcpy(line + a + suite[_i].len, frames[f][1], b);
        rgp_json_error err = {NULL, NULL};
        int rc = scan_line(line, n, &err);
        ck_assert_msg(rc == (suite[_i].verdict == ACCEPT ? 0 : -1), "%s in frame %d: %s", name, f, rc ? err.why : "accepted");
        if (rc) ck_assert_msg(err.at >= line && err.at <= line + n, "%s: the error's place is outside the line", name);
    }
}
END_TEST

/* RGP_JSON_MAX_DEPTH levels, the line's object included, pass; one more is
 * rejected with a message that names the limit (JSONTestSuite's 500 and
 * 100000 opening brackets among them), arrays and objects alike. */
static size_t nested(char *buf, int levels, int objects)
{
    size_t n = 0;
    for (int i = 0; i < levels; i++) n += (size_t)sprintf(buf + n, i == 0 ? "{\"k\":" : objects ? "{\"k\":" : "[");
    n += (size_t)sprintf(buf + n, "1");
    for (int i = levels - 1; i >= 0; i--) buf[n++] = i == 0 || objects ? '}' : ']';
    return n;
}

START_TEST(test_nesting_limit)
{
    static char buf[700000];
    rgp_json_error err;
    for (int objects = 0; objects < 2; objects++) {
        ck_assert_int_eq(scan_line(buf, nested(buf, RGP_JSON_MAX_DEPTH, objects), &err), 0);
        ck_assert_int_eq(scan_line(buf, nested(buf, RGP_JSON_MAX_DEPTH + 1, objects), &err), -1);
        ck_assert_str_eq(err.why, "objects and arrays nested more than 64 deep (rgp's limit)");
        ck_assert_int_eq(scan_line(buf, nested(buf, 500, objects), &err), -1);
    }
    size_t n = (size_t)sprintf(buf, "{\"k\":");
    memset(buf + n, '[', 100000);   /* never closed */
    ck_assert_int_eq(scan_line(buf, n + 100000, &err), -1);
    ck_assert_str_eq(err.why, "objects and arrays nested more than 64 deep (rgp's limit)");
}
END_TEST

/* ---- against a reference: a recursive-descent checker written from RFC 8259
 * alone, on random lines, valid and mutated ---- */

static const char *ref_value(const char *p, const char *e, int depth);

static const char *ref_ws(const char *p, const char *e)
{
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    return p;
}

static int ref_hex(const char *p, const char *e, unsigned *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++, p++) {
        if (p >= e) return 0;
        int d = *p >= '0' && *p <= '9' ? *p - '0' : (*p | 32) >= 'a' && (*p | 32) <= 'f' ? (*p | 32) - 'a' + 10 : -1;
        if (d < 0) return 0;
        *v = *v * 16 + (unsigned)d;
    }
    return 1;
}

/* One UTF-8 character by its code point's definition: its end, or NULL. */
static const char *ref_utf8(const char *p, const char *e)
{
    const unsigned char *u = (const unsigned char *)p;
    int need = u[0] < 0xc0 ? -1 : u[0] < 0xe0 ? 1 : u[0] < 0xf0 ? 2 : u[0] < 0xf8 ? 3 : -1;
    if (need < 0 || e - p <= need) return NULL;
    unsigned cp = u[0] & (0x3fu >> need);
    for (int k = 1; k <= need; k++) {
        if ((u[k] & 0xc0) != 0x80) return NULL;
        cp = cp << 6 | (u[k] & 0x3fu);
    }
    if (cp < (need == 1 ? 0x80u : need == 2 ? 0x800u : 0x10000u) || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) return NULL;
    return p + need + 1;
}

static const char *ref_string(const char *p, const char *e)
{
    for (p++; p < e;) {
        unsigned char c = (unsigned char)*p;
        unsigned cp, lo;
        if (c == '"') return p + 1;
        if (c < 0x20) return NULL;
        if (c >= 0x80) {
            if (!(p = ref_utf8(p, e))) return NULL;
            continue;
        }
        if (c != '\\') { p++; continue; }
        if (++p == e) return NULL;
        if (strchr("\"\\/bfnrt", *p) && *p) { p++; continue; }
        if (*p != 'u' || !ref_hex(p + 1, e, &cp)) return NULL;
        p += 5;
        if (cp >= 0xdc00 && cp < 0xe000) return NULL;
        if (cp >= 0xd800 && cp < 0xdc00) {
            if (e - p < 2 || p[0] != '\\' || p[1] != 'u' || !ref_hex(p + 2, e, &lo) || lo < 0xdc00 || lo >= 0xe000) return NULL;
            p += 6;
        }
    }
    return NULL;
}

static const char *ref_digits(const char *p, const char *e)
{
    const char *s = p;
    while (p < e && *p >= '0' && *p <= '9') p++;
    return p > s ? p : NULL;
}

static const char *ref_number(const char *p, const char *e)
{
    if (*p == '-') p++;
    if (p < e && *p == '0') p++;
    else if (p < e && *p >= '1' && *p <= '9') p = ref_digits(p, e);
    else return NULL;
    if (p < e && *p == '.' && !(p = ref_digits(p + 1, e))) return NULL;
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < e && (*p == '+' || *p == '-')) p++;
        if (!(p = ref_digits(p, e))) return NULL;
    }
    return p;
}

/* A list of values (or members) up to close; p is just past the opening bracket. */
static const char *ref_list(const char *p, const char *e, int depth, char close)
{
    p = ref_ws(p, e);
    if (p < e && *p == close) return p + 1;
    for (;;) {
        if (close == '}') {
            if (p == e || *p != '"' || !(p = ref_string(p, e))) return NULL;
            p = ref_ws(p, e);
            if (p == e || *p++ != ':') return NULL;
            p = ref_ws(p, e);
        }
        if (!(p = ref_value(p, e, depth))) return NULL;
        p = ref_ws(p, e);
        if (p < e && *p == close) return p + 1;
        if (p == e || *p != ',') return NULL;
        p = ref_ws(p + 1, e);
    }
}

static const char *ref_value(const char *p, const char *e, int depth)
{
    if (p == e) return NULL;
    switch (*p) {
    case '{': return depth < RGP_JSON_MAX_DEPTH ? ref_list(p + 1, e, depth + 1, '}') : NULL;
    case '[': return depth < RGP_JSON_MAX_DEPTH ? ref_list(p + 1, e, depth + 1, ']') : NULL;
    case '"': return ref_string(p, e);
    case 't': return e - p >= 4 && !memcmp(p, "true", 4) ? p + 4 : NULL;
    case 'f': return e - p >= 5 && !memcmp(p, "false", 5) ? p + 5 : NULL;
    case 'n': return e - p >= 4 && !memcmp(p, "null", 4) ? p + 4 : NULL;
    }
    return *p == '-' || (*p >= '0' && *p <= '9') ? ref_number(p, e) : NULL;
}

static int ref_line_ok(const char *p, size_t n)
{
    const char *e = p + n;
    p = ref_ws(p, e);
    if (p == e || *p != '{' || !(p = ref_value(p, e, 0))) return 0;
    return ref_ws(p, e) == e;
}

/* A random value of up to `depth` levels, from pieces that are mostly JSON. */
static void gen_value(uint64_t *seed, char *buf, size_t *n, size_t cap, int depth)
{
    static const char *const scalars[] = {"0", "-0", "12", "-3.5", "1e5", "2E-3", "0.25e+2", "\"\"", "\"ab\"", "\"\\n\\u00e9\"",
                                          "\"\\ud83d\\ude00\"", "\"caf\xc3\xa9\"", "\"\xe2\x82\xac\"", "true", "false", "null"};
    uint64_t r = rgp_splitmix64(seed);
    if (*n + 40 > cap) return;
    if (depth == 0 || r % 3) {
        const char *t = scalars[(r >> 8) % (sizeof scalars / sizeof scalars[0])];
        memcpy(buf + *n, t, strlen(t));
        *n += strlen(t);
        return;
    }
    int obj = (r >> 8) & 1, k = (int)((r >> 9) % 4);
    buf[(*n)++] = obj ? '{' : '[';
    for (int i = 0; i < k && *n + 60 < cap; i++) {
        if (i) buf[(*n)++] = ',';
        if ((r >> (12 + i)) & 1) buf[(*n)++] = ' ';
        if (obj) {
            memcpy(buf + *n, "\"k\": ", 5);
            *n += 5;
        }
        gen_value(seed, buf, n, cap, depth - 1);
    }
    buf[(*n)++] = obj ? '}' : ']';
}

START_TEST(test_against_reference)
{
    static const char noise[] = "{}[],:\"\\ \t0123456789eE+-.tfnulx\x01\x7f\xff\xc3\xa9\xed\xa0\x80\xf0";
    uint64_t seed = 8259;
    int accepted = 0, rejected = 0;
    for (int it = 0; it < 200000; it++) {
        char line[600];
        size_t n = 0;
        memcpy(line, "{\"a\":", 5);
        n = 5;
        gen_value(&seed, line, &n, sizeof line - 100, 4);
        if (it % 50 == 0) {   /* now and then, nesting near the limit */
            int d = RGP_JSON_MAX_DEPTH - 3 + (int)(rgp_splitmix64(&seed) % 5);
            memset(line + n, '[', (size_t)d - 1), n += (size_t)d - 1;
            memset(line + n, ']', (size_t)d - 1), n += (size_t)d - 1;
            line[n++] = ',';
            line[n++] = '1';
        }
        line[n++] = '}';
        for (int m = (int)(rgp_splitmix64(&seed) % 4) - 1; m > 0; m--) {   /* mutations: a third none */
            uint64_t r = rgp_splitmix64(&seed);
            size_t at = (size_t)(r % n);
            char c = noise[(r >> 20) % (sizeof noise - 1)];
            switch ((r >> 40) % 3) {
            case 0: memmove(line + at + 1, line + at, n - at), line[at] = c, n++; break;   /* insert */
            case 1: memmove(line + at, line + at + 1, n - at - 1), n--; break;           /* delete */
            default: line[at] = c;                                                       /* replace */
            }
        }
        rgp_json_error err;
        int want = ref_line_ok(line, n), got = scan_line(line, n, &err) == 0;
        if (got != want) {
            for (size_t k = 0; k < n; k++) fprintf(stderr, "%02x ", (unsigned char)line[k]);
            ck_abort_msg("case %d: %s, the reference %s: %.*s", it, got ? "accepted" : err.why, want ? "accepts" : "rejects", (int)n, line);
        }
        if (!got && (err.at < line || err.at > line + n)) ck_abort_msg("case %d: the error's place is outside the line", it);
        accepted += got, rejected += !got;
    }
    ck_assert_int_gt(accepted, 50000);   /* both verdicts well represented */
    ck_assert_int_gt(rejected, 50000);
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

/* Walking into nested objects as a parser with paths does: rgp_json_key, then
 * rgp_json_enter for an object a path goes into, rgp_json_value for the rest. */
START_TEST(test_descend)
{
    const char *line = "{\"a\": {\"b\": {\"c\": 5}, \"x\": [1, {\"y\": 2}]}, \"d\": null} ";
    const char *p = line, *end = line + strlen(line);
    rgp_json_error err;
    rgp_str key;
    rgp_json_val v;
    ck_assert_int_eq(rgp_json_begin(&p, end, &err), 0);
    ck_assert_int_eq(rgp_json_key(&p, end, 1, &key, &err), 1);
    ck_assert(key.len == 1 && key.ptr[0] == 'a');
    ck_assert(rgp_json_enter(&p, end));
    ck_assert_int_eq(rgp_json_key(&p, end, 1, &key, &err), 1);
    ck_assert(key.len == 1 && key.ptr[0] == 'b');
    ck_assert(rgp_json_enter(&p, end));
    ck_assert_int_eq(rgp_json_key(&p, end, 1, &key, &err), 1);
    ck_assert(key.len == 1 && key.ptr[0] == 'c');
    ck_assert_ptr_nonnull(p = rgp_json_value(p, end, 3, &v, &err));
    ck_assert(v.kind == RGP_JSON_NUM && v.text.len == 1 && v.text.ptr[0] == '5');
    ck_assert_int_eq(rgp_json_key(&p, end, 0, &key, &err), 0);   /* b's '}' */
    ck_assert_int_eq(rgp_json_key(&p, end, 0, &key, &err), 1);
    ck_assert(key.len == 1 && key.ptr[0] == 'x');
    ck_assert(!rgp_json_enter(&p, end));   /* an array: passed over whole */
    ck_assert_ptr_nonnull(p = rgp_json_value(p, end, 2, &v, &err));
    ck_assert(v.kind == RGP_JSON_ARRAY && v.text.len == strlen("[1, {\"y\": 2}]"));
    ck_assert_int_eq(rgp_json_key(&p, end, 0, &key, &err), 0);   /* a's '}' */
    ck_assert_int_eq(rgp_json_key(&p, end, 0, &key, &err), 1);
    ck_assert(!rgp_json_enter(&p, end));
    ck_assert_ptr_nonnull(p = rgp_json_value(p, end, 1, &v, &err));
    ck_assert_int_eq(v.kind, RGP_JSON_NULL);
    ck_assert_int_eq(rgp_json_key(&p, end, 0, &key, &err), 0);
    ck_assert_int_eq(rgp_json_end(&p, end, &err), 0);

    /* errors inside an object walked into are found there, with their column */
    static const struct { const char *line; const char *why; int column; } wrong[] = {
        {"{\"a\": {\"b\": 1 \"c\": 2}}", "expected ',' or '}' after a member", 15},
        {"{\"a\": {\"b\": 1,}}", "expected a key in quotes", 15},
        {"{\"a\": {\"b\": 1}} x", "text after the object", 17},
    };
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
        int rc, depth = 1, first = 1;
        p = wrong[i].line, end = p + strlen(p);
        ck_assert_int_eq(rgp_json_begin(&p, end, &err), 0);
        while ((rc = rgp_json_key(&p, end, first, &key, &err)) != -1) {
            first = 0;
            if (rc == 0) {   /* an object's end: the line's, or one walked into */
                if (--depth == 0) { rc = rgp_json_end(&p, end, &err); break; }
            } else if (rgp_json_enter(&p, end)) {
                depth++, first = 1;
            } else if (!(p = rgp_json_value(p, end, depth, &v, &err))) {
                rc = -1;
                break;
            }
        }
        ck_assert_int_eq(rc, -1);
        ck_assert_str_eq(err.why, wrong[i].why);
        ck_assert_int_eq((int)(err.at - wrong[i].line) + 1, wrong[i].column);
    }
}
END_TEST

/* Values as rejection messages show them: kind, then text, long text cut, odd bytes escaped. */
START_TEST(test_shown)
{
    static const struct { const char *line; const char *shown; } cases[] = {
        {"{\"v\": \"21.5\"}", "string \"21.5\""},
        {"{\"v\": -1e3}", "number -1e3"},
        {"{\"v\": null}", "null"},
        {"{\"v\": true}", "true"},
        {"{\"v\": [1, 2]}", "array [1, 2]"},
        {"{\"v\": {\"k\": \"0123456789012345678901234567890123456789\"}}", "object {\"k\": \"012345678901234567890123456789012..."},
        {"{\"v\": \"caf\xc3\xa9\\n\"}", "string \"caf\\xc3\\xa9\\n\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *p = cases[i].line, *end = p + strlen(p);
        rgp_json_error err;
        rgp_str key;
        rgp_json_val v;
        char shown[64];
        ck_assert_int_eq(rgp_json_begin(&p, end, &err), 0);
        ck_assert_int_eq(rgp_json_member(&p, end, 1, &key, &v, &err), 1);
        ck_assert_str_eq(rgp_json_shown(shown, sizeof shown, &v), cases[i].shown);
    }
}
END_TEST

Suite *json_suite(void)
{
    Suite *s = suite_create("json");
    TCase *tc = tcase_create("jsonl");
    tcase_add_test(tc, test_members);
    tcase_add_test(tc, test_descend);
    tcase_add_test(tc, test_shown);
    tcase_add_loop_test(tc, test_errors, 0, sizeof bad / sizeof bad[0]);
    tcase_add_test(tc, test_decode);
    tcase_add_loop_test(tc, test_json_test_suite, 0, sizeof suite / sizeof suite[0]);
    tcase_add_test(tc, test_nesting_limit);
    tcase_add_test(tc, test_against_reference);
    suite_add_tcase(s, tc);
    return s;
}
