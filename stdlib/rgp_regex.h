/* rgp_regex.h - matches(), capture() and replace() of .rgp expressions, on
 * PCRE2 (8-bit, JIT where the machine has it). Only a program that uses a
 * regex includes this and links libpcre2-8; the compiler includes it too, to
 * check patterns and replacements with the very options the program uses.
 * Patterns are compiled once at start-up; each thread that runs expressions
 * owns one rgp_re_thread (match data, JIT stack, a buffer for replace). */
#ifndef RGP_REGEX_H
#define RGP_REGEX_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include "rgp_std.h"

/* UTF-8 patterns and subjects, \w \d [[:alpha:]] by Unicode properties; a subject's invalid UTF-8 never matches
 * anything (instead of making the match fail). */
#define RGP_RE_OPTIONS (PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF)

typedef struct rgp_regex {
    pcre2_code *code;
    bool jit;   /* pcre2_jit_compile succeeded: pcre2_jit_match, else pcre2_match */
} rgp_regex;

typedef struct rgp_re_thread {
    pcre2_match_data *md;      /* sized for the program's largest group count */
    pcre2_match_context *mc;   /* carries the JIT stack */
    pcre2_jit_stack *stack;
    char *buf;                 /* replace() builds here, then copies into the scratch */
    size_t cap;
    uint64_t errors;           /* matches PCRE2 gave up on (limits): counted as no match */
    int last_error;
} rgp_re_thread;

/* Start-up: the compiler checked the pattern, so a failure here is a bug (exit 2). */
static inline void rgp_re_compile(rgp_regex *re, const char *prog, const char *pat, size_t len)
{
    int err;
    PCRE2_SIZE off;
    re->code = pcre2_compile((PCRE2_SPTR)pat, len, RGP_RE_OPTIONS, &err, &off, NULL);
    if (!re->code) {
        fprintf(stderr, "%s: internal error: regex /%.*s/ did not compile at start-up (error %d at %zu)\n", prog, (int)len, pat,
                err, (size_t)off);
        exit(2);
    }
    re->jit = pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE) == 0;
}

static inline void rgp_re_free(rgp_regex *re)
{
    pcre2_code_free(re->code);
    re->code = NULL;
}

static inline void rgp_re_thread_init(rgp_re_thread *t, uint32_t pairs)
{
    memset(t, 0, sizeof *t);
    t->md = pcre2_match_data_create(pairs, NULL);
    t->mc = pcre2_match_context_create(NULL);
    t->stack = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
    if (!t->md || !t->mc || !t->stack) { fputs("rgp: error: out of memory\n", stderr); exit(1); }
    pcre2_jit_stack_assign(t->mc, NULL, t->stack);
}

/* At the thread's end: matches that failed are reported (they counted as no match). */
static inline void rgp_re_thread_done(rgp_re_thread *t, const char *prog)
{
    if (t->errors) {
        PCRE2_UCHAR msg[256];
        if (pcre2_get_error_message(t->last_error, msg, sizeof msg) < 0) snprintf((char *)msg, sizeof msg, "error %d", t->last_error);
        fprintf(stderr, "%s: warning: %llu regex match%s gave up (%s) and counted as no match\n", prog,
                (unsigned long long)t->errors, t->errors == 1 ? "" : "es", (char *)msg);
    }
    pcre2_match_data_free(t->md);
    pcre2_match_context_free(t->mc);
    pcre2_jit_stack_free(t->stack);
    free(t->buf);
    memset(t, 0, sizeof *t);
}

/* One search of s from start: > 0 when it matched (the ovector is in t->md), 0 when not. */
static inline int rgp_re__exec(const rgp_regex *re, rgp_re_thread *t, rgp_str s, size_t start, uint32_t opts)
{
    PCRE2_SPTR p = (PCRE2_SPTR)(s.ptr ? s.ptr : "");
    int rc = re->jit ? pcre2_jit_match(re->code, p, s.len, start, opts, t->md, t->mc)
                     : pcre2_match(re->code, p, s.len, start, opts, t->md, t->mc);
    if (rc > 0) return rc;
    if (rc == 0) return (int)pcre2_get_ovector_count(t->md);   /* more groups than pairs: cannot happen, sized by the compiler */
    if (rc != PCRE2_ERROR_NOMATCH) t->errors++, t->last_error = rc;
    return 0;
}

static inline bool rgp_re_matches(const rgp_regex *re, rgp_re_thread *t, rgp_str s)
{
    return rgp_re__exec(re, t, s, 0, 0) > 0;
}

/* Group n of the first match (0: the whole match), a slice of s; empty when
 * nothing matched or the group took no part. */
static inline rgp_str rgp_re_capture(const rgp_regex *re, rgp_re_thread *t, rgp_str s, int64_t n)
{
    int rc = rgp_re__exec(re, t, s, 0, 0);
    if (rc <= n) return (rgp_str){"", 0};
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(t->md);
    if (ov[2 * n] == PCRE2_UNSET) return (rgp_str){"", 0};
    return (rgp_str){s.ptr + ov[2 * n], ov[2 * n + 1] - ov[2 * n]};
}

/* A replacement's text: $N or ${N} is group N, $$ a dollar sign. Returns the
 * offset of the first bad '$' (or of a group past `groups`), or -1 when it is
 * well formed; *group gets the number that was too high, else -1. */
static inline long rgp_re_with_check(const char *w, size_t len, uint32_t groups, long *group)
{
    *group = -1;
    for (size_t i = 0; i < len; i++) {
        if (w[i] != '$') continue;
        size_t at = i++;
        if (i < len && w[i] == '$') continue;
        bool brace = i < len && w[i] == '{';
        i += brace;
        if (i >= len || w[i] < '0' || w[i] > '9') return (long)at;
        long n = 0;
        while (i < len && w[i] >= '0' && w[i] <= '9' && n < 100000) n = n * 10 + (w[i++] - '0');
        if (brace && (i >= len || w[i] != '}')) return (long)at;
        if (!brace) i--;
        if (n > (long)groups) { *group = n; return (long)at; }
    }
    return -1;
}

static inline void rgp_re__put(rgp_re_thread *t, size_t *len, const char *p, size_t n)
{
    if (*len + n > t->cap) {
        size_t cap = t->cap ? t->cap : 256;
        while (cap < *len + n) cap *= 2;
        char *b = (char *)realloc(t->buf, cap);   /* grows to the longest result, then stays */
        if (!b) { fputs("rgp: error: out of memory\n", stderr); exit(1); }
        t->buf = b, t->cap = cap;
    }
    if (n) memcpy(t->buf + *len, p, n);
    *len += n;
}

/* Every match of re in s replaced by w (checked by rgp_re_with_check at compile
 * time). After an empty match the next one may not be empty at the same place,
 * as in Perl: replace("abc", "x*", "-") is "-a-b-c-". */
static inline rgp_str rgp_re_replace(const rgp_regex *re, rgp_re_thread *t, rgp_scratch *sc, rgp_str s, rgp_str w)
{
    size_t len = 0, from = 0, start = 0;
    uint32_t opts = 0;
    int rc;
    bool any = false;
    while (start <= s.len && (rc = rgp_re__exec(re, t, s, start, opts)) > 0) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(t->md);
        any = true;
        rgp_re__put(t, &len, s.ptr + from, ov[0] - from);
        for (size_t i = 0; i < w.len; i++) {
            if (w.ptr[i] != '$') { rgp_re__put(t, &len, w.ptr + i, 1); continue; }
            i++;
            if (w.ptr[i] == '$') { rgp_re__put(t, &len, "$", 1); continue; }
            bool brace = w.ptr[i] == '{';
            i += brace;
            long n = 0;
            while (i < w.len && w.ptr[i] >= '0' && w.ptr[i] <= '9') n = n * 10 + (w.ptr[i++] - '0');
            if (!brace) i--;
            if (n < rc && ov[2 * n] != PCRE2_UNSET) rgp_re__put(t, &len, s.ptr + ov[2 * n], ov[2 * n + 1] - ov[2 * n]);
        }
        from = ov[1];
        start = ov[1];
        opts = ov[0] == ov[1] ? PCRE2_NOTEMPTY_ATSTART : 0;
    }
    if (!any) return s;   /* no match: the text itself, no copy */
    rgp_re__put(t, &len, s.ptr + from, s.len - from);
    char *p = rgp_scratch_alloc(sc, len);
    memcpy(p, t->buf, len);
    return (rgp_str){p, len};
}

#endif
