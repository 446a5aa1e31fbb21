/* Parser tests: the tree for good input, and the exact syntax-error messages. */
#include <check.h>
#include <stdlib.h>
#include "check_util.h"

START_TEST(test_tree)
{
    compilation c;
    char errs[1024];
    int rc = compile_capture(&c,
        "schema R { a: u32, b: f64, }\n"
        "source s = file(\"x.csv\") as csv(R, header: true)\n"
        "stage t = s | where a > 1 and not (b < 2.0) | select { a, c: b * 2.0 + 1.0 }\n"
        "sink o = stdout as jsonl <- t\n", errs, sizeof errs);
    ck_assert_msg(rc == 0, "errors: %s", errs);
    program *p = c.prog;
    ck_assert_int_eq(p->nsources, 1);
    ck_assert_int_eq(p->nstages, 1);
    ck_assert_int_eq(p->nsinks, 1);
    ck_assert_str_eq(p->sources[0]->open_path, "/data/x.csv");
    ck_assert(p->sources[0]->header);
    ast_op *o = p->stages[0]->ops;
    ck_assert_int_eq(o->kind, OP_WHERE);
    ck_assert_int_eq(o->cond->kind, E_BINARY);
    ck_assert_int_eq(o->cond->u.bin.op, BIN_AND);                 /* and binds looser than > */
    ck_assert_int_eq(o->cond->u.bin.rhs->kind, E_UNARY);
    ast_expr *c2 = o->next->items->next->value;
    ck_assert_int_eq(c2->u.bin.op, BIN_ADD);                      /* * binds tighter than + */
    ck_assert_int_eq(c2->u.bin.lhs->u.bin.op, BIN_MUL);
    ck_assert_str_eq(p->stages[0]->type->fields[1].name, "c");
    driver_free(&c);
}
END_TEST

static const struct { const char *src; const char *want; } syntax_cases[] = {
    {"schema R { a: u32 b: f64 }",
     "t.rgp:1:19: error: expected '}' or ',', found 'b'\n"
     "    1 | schema R { a: u32 b: f64 }\n"
     "      |                   ^\n"},
    {"schema R { a: u32 from 5 }",
     "t.rgp:1:24: error: expected a string, found '5'\n"
     "    1 | schema R { a: u32 from 5 }\n"
     "      |                        ^\n"},
    {"schema R { a: u32,\n",
     "t.rgp:2:1: error: expected '}' or ',', found end of file (to close '{' opened at line 1)\n"
     "    2 | \n"
     "      | ^\n"},
    {"stage x = y | where a <-1",
     "t.rgp:1:23: error: unexpected '<-' (for 'less than minus', write '< -' with a space)\n"
     "    1 | stage x = y | where a <-1\n"
     "      |                       ^~\n"},
    {"sink o = stdout as csv hot",
     "t.rgp:1:24: error: expected '<-', found 'hot'\n"
     "    1 | sink o = stdout as csv hot\n"
     "      |                        ^~~\n"},
    {"where",
     "t.rgp:1:1: error: expected 'schema', 'source', 'stage', 'sink', 'route', 'options', 'table' or 'test', found 'where'\n"
     "    1 | where\n"
     "      | ^~~~~\n"},
};

START_TEST(test_syntax_errors)
{
    compilation c;
    char errs[1024];
    ck_assert_int_eq(compile_capture(&c, syntax_cases[_i].src, errs, sizeof errs), 1);
    ck_assert_str_eq(errs, syntax_cases[_i].want);
    driver_free(&c);
}
END_TEST

START_TEST(test_deep_nesting)
{
    /* deep nesting is an error, never a crash */
    char src[20000] = "schema R { a: i64 }\nsource s = stdin as csv(R)\nstage t = s | where ";
    size_t n = strlen(src);
    for (int i = 0; i < 5000; i++) src[n++] = '(';
    src[n] = 0;
    compilation c;
    static char errs[4096];
    ck_assert_int_eq(compile_capture(&c, src, errs, sizeof errs), 1);
    ck_assert(strstr(errs, "error") != NULL);
    driver_free(&c);
}
END_TEST

/* Whatever the bytes, the front end reports and returns: every prefix of a good
 * program, and the program with bytes replaced (fixed seed, so failures repeat). */
static const char *good =
    "schema R { a: u32, b: f64, s: str }  # c\n"
    "source src = file(\"x.csv\") as csv(R, header: true, delimiter: \";\")\n"
    "stage t = src | where a > 1 and not (b < 2.0) or s == \"q\\\"\" | select { a, c: -b * 2.0 + min(a, 3) }\n"
    "sink o = stdout as jsonl <- t\n";

START_TEST(test_prefixes_never_crash)
{
    size_t n = strlen(good);
    static char errs[1 << 14];
    for (size_t cut = 0; cut <= n; cut++) {
        char *text = strndup(good, cut);
        compilation c;
        int rc = compile_capture(&c, text, errs, sizeof errs);
        ck_assert(rc == 0 || rc == 1);
        ck_assert(rc == 0 || strstr(errs, "error") != NULL);
        driver_free(&c);
        free(text);
    }
}
END_TEST

START_TEST(test_mutations_never_crash)
{
    size_t n = strlen(good);
    static char errs[1 << 14];
    static const char bytes[] = "{}()<-=|,:\"#\n\t\\ 0x9.e+-*/%abcABC\x80\xff\x01";
    unsigned seed = 12345;
    for (int round = 0; round < 3000; round++) {
        char *text = strdup(good);
        for (int k = 0; k < 1 + round % 4; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % n;
            seed = seed * 1103515245u + 12345u;
            text[at] = bytes[(seed >> 8) % (sizeof bytes - 1)];
        }
        compilation c;
        int rc = compile_capture(&c, text, errs, sizeof errs);
        ck_assert(rc == 0 || rc == 1);
        driver_free(&c);
        free(text);
    }
}
END_TEST

Suite *parser_suite(void)
{
    Suite *s = suite_create("parser");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, test_tree);
    tcase_add_loop_test(tc, test_syntax_errors, 0, sizeof syntax_cases / sizeof syntax_cases[0]);
    tcase_add_test(tc, test_deep_nesting);
    suite_add_tcase(s, tc);
    TCase *robust = tcase_create("robust");
    tcase_set_timeout(robust, 60);
    tcase_add_test(robust, test_prefixes_never_crash);
    tcase_add_test(robust, test_mutations_never_crash);
    suite_add_tcase(s, robust);
    return s;
}
