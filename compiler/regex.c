/* Checks and collects regex literals (see regex.h), with the options and the
 * replacement syntax of stdlib/rgp_regex.h, the runtime's own. */
#include "regex.h"
#include <string.h>
#include "../stdlib/rgp_regex.h"

/* The column of byte k of a string literal's unescaped text: past the quote,
 * two columns for each byte that the source wrote as an escape. */
static srcloc byte_loc(const ast_expr *lit, size_t k)
{
    srcloc at = lit->loc;
    uint32_t col = at.col + 1;
    for (size_t i = 0; i < k && i < lit->u.s.len; i++) {
        char c = lit->u.s.bytes[i];
        col += c == '\\' || c == '"' || c == '\n' || c == '\t' || c == '\r' ? 2 : 1;
    }
    at.col = col;
    at.len = 1;
    return at;
}

int regex_pattern(arena *a, diag *d, program *p, const ast_expr *lit, const char *fn, uint32_t *groups)
{
    if (lit->kind != E_STR) {
        diag_error(d, lit->loc, "'%s' needs its pattern as a string literal, such as \"^GET /[a-z]+\" (patterns are compiled with the pipeline)", fn);
        return -1;
    }
    int err;
    PCRE2_SIZE off;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)lit->u.s.bytes, lit->u.s.len, RGP_RE_OPTIONS, &err, &off, NULL);
    if (!code) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(err, msg, sizeof msg);
        diag_error(d, byte_loc(lit, off), "bad regular expression: %s (at offset %zu of the pattern)", (const char *)msg, (size_t)off);
        return -1;
    }
    uint32_t n = 0;
    pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &n);
    pcre2_code_free(code);
    *groups = n;
    if (n + 1 > p->regex_pairs) p->regex_pairs = n + 1;
    for (int i = 0; i < p->nregexes; i++) {
        const ast_expr *o = p->regexes[i];
        if (o->u.s.len == lit->u.s.len && !memcmp(o->u.s.bytes, lit->u.s.bytes, lit->u.s.len)) return i;
    }
    if (p->nregexes == p->regex_cap) {   /* the arena does not shrink or grow in place: double and copy */
        int cap = p->regex_cap ? p->regex_cap * 2 : 8;
        const ast_expr **list = arena_alloc(a, sizeof *list * (size_t)cap);
        if (p->nregexes) memcpy(list, p->regexes, sizeof *list * (size_t)p->nregexes);
        p->regexes = list;
        p->regex_cap = cap;
    }
    p->regexes[p->nregexes] = lit;
    return p->nregexes++;
}

bool regex_replacement(diag *d, const ast_expr *lit, uint32_t groups)
{
    if (lit->kind != E_STR) {
        diag_error(d, lit->loc, "'replace' needs its replacement as a string literal, such as \"<$1>\"");
        return false;
    }
    long group;
    long bad = rgp_re_with_check(lit->u.s.bytes, lit->u.s.len, groups, &group);
    if (bad < 0) return true;
    if (group >= 0)
        diag_error(d, byte_loc(lit, (size_t)bad), "the replacement names group %ld, but the pattern has %u group%s", group, groups,
                   groups == 1 ? "" : "s");
    else
        diag_error(d, byte_loc(lit, (size_t)bad), "'$' in a replacement takes a group number, $1 or ${1}, or $$ for a dollar sign");
    return false;
}
