/* Lexer tests: token kinds, positions, and the errors for bad bytes. */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include "lex.h"
#include "grammar.h"

/* Lexes src into kinds[]; returns the count (EOF not included) and the diagnostics text. */
static int lex_all(const char *src, int *kinds, token *toks, int max, char *errs, size_t errcap)
{
    FILE *out = fmemopen(errs, errcap, "w");
    diag d;
    diag_init(&d, "t.rgp", src, strlen(src), out);
    lexer L;
    lex_init(&L, src, strlen(src), &d);
    int n = 0;
    for (;;) {
        token t = lex_next(&L);
        if (t.kind == TK_EOF || n == max) break;
        if (toks) toks[n] = t;
        kinds[n++] = t.kind;
        if (t.kind == TK_LEX_ERROR) break;
    }
    fclose(out);
    return n;
}

static const struct { const char *src; int kinds[8]; } kind_cases[] = {
    {"schema source stage sink", {TK_SCHEMA, TK_SOURCE, TK_STAGE, TK_SINK}},
    {"schemas sinker _x a1", {TK_IDENT, TK_IDENT, TK_IDENT, TK_IDENT}},
    {"12 1.5 2e10 3.0e-2", {TK_INT, TK_FLOAT, TK_FLOAT, TK_FLOAT}},
    {"<- < <= == != >= >", {TK_ARROW, TK_LT, TK_LE, TK_EQ, TK_NE, TK_GE, TK_GT}},
    {"{ } ( ) , : = |", {TK_LBRACE, TK_RBRACE, TK_LPAREN, TK_RPAREN, TK_COMMA, TK_COLON, TK_ASSIGN, TK_PIPE}},
    {"+ - * / % # a comment\nand", {TK_PLUS, TK_MINUS, TK_STAR, TK_SLASH, TK_PERCENT, TK_AND}},
    {"\"a\\\"b\" true false not or", {TK_STRING, TK_TRUE, TK_FALSE, TK_NOT, TK_OR}},
};

START_TEST(test_kinds)
{
    int kinds[16];
    char errs[256] = {0};
    int n = lex_all(kind_cases[_i].src, kinds, NULL, 16, errs, sizeof errs);
    int want = 0;
    while (want < 8 && kind_cases[_i].kinds[want]) want++;
    ck_assert_int_eq(n, want);
    for (int k = 0; k < n; k++) ck_assert_int_eq(kinds[k], kind_cases[_i].kinds[k]);
    ck_assert_str_eq(errs, "");
}
END_TEST

START_TEST(test_positions)
{
    int kinds[8];
    token t[8];
    char errs[64] = {0};
    int n = lex_all("a\n  bc # x\n\tdd", kinds, t, 8, errs, sizeof errs);
    ck_assert_int_eq(n, 3);
    ck_assert_int_eq(t[0].line, 1);
    ck_assert_int_eq(t[0].col, 1);
    ck_assert_int_eq(t[1].line, 2);
    ck_assert_int_eq(t[1].col, 3);
    ck_assert_int_eq(t[1].len, 2);
    ck_assert_int_eq(t[2].line, 3);
    ck_assert_int_eq(t[2].col, 2);
}
END_TEST

static const struct { const char *src; const char *msg; } error_cases[] = {
    {"a $ b", "t.rgp:1:3: error: unexpected character '$'"},
    {"\"abc", "t.rgp:1:1: error: unterminated string"},
    {"12abc", "t.rgp:1:1: error: malformed number"},
    {"\"a\\qb\"", "t.rgp:1:3: error: unknown escape in string"},
    {"x\n\x01", "t.rgp:2:1: error: unexpected byte 0x01"},
};

START_TEST(test_errors)
{
    int kinds[8];
    char errs[512] = {0};
    int n = lex_all(error_cases[_i].src, kinds, NULL, 8, errs, sizeof errs);
    ck_assert_int_eq(kinds[n - 1], TK_LEX_ERROR);
    ck_assert_msg(strncmp(errs, error_cases[_i].msg, strlen(error_cases[_i].msg)) == 0, "got: %s", errs);
}
END_TEST

START_TEST(test_nul_inside)
{
    /* an embedded NUL is an error, not the end of the file */
    const char src[] = "a\0b";
    char errs[256] = {0};
    FILE *out = fmemopen(errs, sizeof errs, "w");
    diag d;
    diag_init(&d, "t.rgp", src, 3, out);
    lexer L;
    lex_init(&L, src, 3, &d);
    ck_assert_int_eq(lex_next(&L).kind, TK_IDENT);
    ck_assert_int_eq(lex_next(&L).kind, TK_LEX_ERROR);
    fclose(out);
    ck_assert_msg(strstr(errs, "unexpected byte 0x00") != NULL, "got: %s", errs);
}
END_TEST

Suite *lexer_suite(void)
{
    Suite *s = suite_create("lexer");
    TCase *tc = tcase_create("tokens");
    tcase_add_loop_test(tc, test_kinds, 0, sizeof kind_cases / sizeof kind_cases[0]);
    tcase_add_test(tc, test_positions);
    tcase_add_loop_test(tc, test_errors, 0, sizeof error_cases / sizeof error_cases[0]);
    tcase_add_test(tc, test_nul_inside);
    suite_add_tcase(s, tc);
    return s;
}
