/* rgp fmt: the canonical layout of a .rgp file. It reads the lexer's tokens and
 * the comments in the gaps between them, never the AST, so it keeps every token
 * and comment and needs no change when the grammar grows. Line breaks are the
 * user's; spacing within a line and indentation are recomputed. */
#include "fmt.h"
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "arena.h"
#include "grammar.h"
#include "lex.h"
#include "parse.h"
#include "whole_file.h"

enum {
    INDENT = 4,      /* per open bracket that goes on to the next line, and for a declaration's continuation lines */
    PIPE_HANG = 2,   /* an operator after a leading '|' starts 2 further in, and its brackets indent from there */
};

/* How a token sits among its neighbours, judged from its kind and text so that
 * tokens fmt has never seen still land somewhere sensible. */
typedef enum tclass {
    T_OPERAND,    /* a name, number, string, true or false */
    T_KEYWORD,    /* any other word (some double as names, so spacing that depends on that is kept as written) */
    T_OPEN,       /* ( { */
    T_CLOSE,      /* ) } */
    T_SEP,        /* , :  nothing before, one space after */
    T_DOT,        /* .    hugs both neighbours */
    T_OPERATOR,   /* one space on each side, except after a unary '-' */
    T_OTHER,      /* punctuation fmt does not know: spaced as the user wrote it */
} tclass;

static const char *const spaced_operators[] = {
    "=", "<-", "|", "+=", "-=", "*=", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%",
};

/* A '-' after a keyword is EITHER: some keywords double as names (state - 1),
 * others take an operand (where -x), so fmt keeps the spacing the user chose. */
typedef enum minus { NOT_MINUS, BINARY, UNARY, EITHER } minus;

typedef struct ftok {
    token t;
    tclass cls;
    minus minus;
    bool spaced;    /* the source has blanks between the previous token and this one */
} ftok;

static bool is_text(const token *t, const char *s) { return strlen(s) == t->len && !memcmp(t->start, s, t->len); }

static tclass classify(const token *t)
{
    switch (t->kind) {
    case TK_IDENT: case TK_INT: case TK_FLOAT: case TK_STRING: case TK_TRUE: case TK_FALSE: return T_OPERAND;
    case TK_LPAREN: case TK_LBRACE: return T_OPEN;
    case TK_RPAREN: case TK_RBRACE: return T_CLOSE;
    case TK_COMMA: case TK_COLON: return T_SEP;
    }
    unsigned char c = t->len ? (unsigned char)t->start[0] : 0;
    if (isalpha(c) || c == '_') return T_KEYWORD;
    if (is_text(t, ".")) return T_DOT;
    for (size_t i = 0; i < sizeof spaced_operators / sizeof *spaced_operators; i++)
        if (is_text(t, spaced_operators[i])) return T_OPERATOR;
    return T_OTHER;
}

/* The first comment in [p, end), or NULL; *len leaves out its trailing blanks. */
static const char *next_comment(const char *p, const char *end, size_t *len)
{
    const char *c = memchr(p, '#', (size_t)(end - p));
    if (!c) return NULL;
    const char *e = memchr(c, '\n', (size_t)(end - c));
    if (!e) e = end;
    while (e > c && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r')) e--;
    *len = (size_t)(e - c);
    return c;
}

static int count_newlines(const char *p, const char *end)
{
    int n = 0;
    for (; p < end; p++) n += *p == '\n';
    return n;
}

/* Every token up to and including TK_EOF, classified; NULL if the lexer fails. */
static ftok *read_tokens(const char *src, size_t len, diag *d, int *count)
{
    lexer L;
    lex_init(&L, src, len, d);
    int n = 0, cap = 256;
    ftok *toks = malloc((size_t)cap * sizeof *toks);
    const char *prev_end = src;
    for (;;) {
        if (n == cap) {
            ftok *more = realloc(toks, (size_t)(cap *= 2) * sizeof *toks);
            if (!more) free(toks);
            toks = more;
        }
        if (!toks) return NULL;
        token t = lex_next(&L);
        if (t.kind == TK_LEX_ERROR) { free(toks); return NULL; }
        ftok *f = &toks[n++];
        *f = (ftok){.t = t, .cls = classify(&t), .spaced = t.start > prev_end};
        if (f->cls == T_OPERATOR && is_text(&t, "-")) {
            tclass before = n > 1 ? toks[n - 2].cls : T_OPEN;
            f->minus = before == T_OPERAND || before == T_CLOSE ? BINARY : before == T_KEYWORD ? EITHER : UNARY;
        }
        prev_end = t.start + t.len;
        if (t.kind == TK_EOF) break;
    }
    *count = n;
    return toks;
}

/* Spaces between two tokens that share a line. */
static int space_between(const ftok *a, const ftok *b)
{
    int as_written = b->spaced;
    bool a_paren = a->t.kind == TK_LPAREN, b_paren = b->t.kind == TK_LPAREN;
    if ((a->cls == T_OPEN && b->cls == T_CLOSE) || a_paren || b->t.kind == TK_RPAREN) return 0;
    if (b->cls == T_SEP) return 0;
    if (a->cls == T_SEP) return 1;
    if (a->cls == T_DOT || b->cls == T_DOT) {
        /* 1 . 5 must not become the number 1.5 */
        bool digits = (b->cls == T_DOT && isdigit((unsigned char)a->t.start[a->t.len - 1])) ||
                      (a->cls == T_DOT && isdigit((unsigned char)b->t.start[0]));
        return digits ? as_written : 0;
    }
    if (a->minus == UNARY) return b->minus ? 1 : 0;   /* -x, but - -x */
    if (a->minus == EITHER || b->minus == EITHER) return as_written;
    if (b_paren) return a->t.kind == TK_IDENT ? 0 : a->cls == T_OPERATOR || a->cls == T_OPEN ? 1 : as_written;
    if (a->cls == T_OTHER || b->cls == T_OTHER) return as_written;
    return 1;
}

static void put_spaces(FILE *out, int n)
{
    static const char spaces[] = "                                ";
    for (; n > 0; n -= (int)sizeof spaces - 1) fwrite(spaces, 1, n < (int)sizeof spaces - 1 ? (size_t)n : sizeof spaces - 1, out);
}

typedef struct bracket { int content, closer; } bracket;   /* indent of the lines inside it, and of a line it closes */

typedef struct layout {
    FILE *out;
    bracket *open;
    int nopen, cap;
    int hang;            /* brackets opened on the current line indent from here */
    bool started;        /* something has been written */
    bool line_opened;    /* the current line's last token opens a bracket */
} layout;

/* The indent of a line that starts with `next` (NULL at the end), or with a comment before it. */
static int line_indent(const layout *l, const ftok *next, bool comment)
{
    if (l->nopen > 0) {
        const bracket *b = &l->open[l->nopen - 1];
        return !comment && next && next->cls == T_CLOSE ? b->closer : b->content;
    }
    return !next || parse_starts_decl(next->t.kind) ? 0 : INDENT;
}

/* Ends the current line (with a blank one after it if asked and allowed) and indents the next. */
static void new_line(layout *l, bool blank, int indent)
{
    if (l->started) {
        fputc('\n', l->out);
        if (blank && !l->line_opened) fputc('\n', l->out);
    }
    put_spaces(l->out, indent);
    l->started = true;
    l->hang = indent;
}

static void put_token(layout *l, const ftok *t)
{
    fwrite(t->t.start, 1, t->t.len, l->out);
    if (t->cls == T_OPEN) {
        if (l->nopen == l->cap) {
            l->cap = l->cap ? l->cap * 2 : 16;
            l->open = realloc(l->open, (size_t)l->cap * sizeof *l->open);
            if (!l->open) { fputs("rgp: out of memory\n", stderr); exit(2); }
        }
        l->open[l->nopen++] = (bracket){l->hang + INDENT, l->hang};
    } else if (t->cls == T_CLOSE && l->nopen > 0) {
        l->nopen--;
    }
    l->line_opened = t->cls == T_OPEN;
}

/* Writes the comments in the gap before `next` and the line break or spaces that
 * lead up to it. A comment that follows a token on its line stays there, as far
 * from it as the user put it; any other comment gets a line of its own. */
static void put_gap(layout *l, const char *from, const ftok *prev, const ftok *next)
{
    const char *p = from, *end = next->t.start, *c;
    bool at_end = next->t.kind == TK_EOF;
    size_t clen;
    for (; (c = next_comment(p, end, &clen)); p = c + clen) {
        int newlines = count_newlines(p, c);
        if (newlines == 0 && l->started) {
            put_spaces(l->out, c - p > 1 ? (int)(c - p) : 1);
        } else {
            new_line(l, newlines > 1, line_indent(l, at_end ? NULL : next, true));
            l->line_opened = false;
        }
        fwrite(c, 1, clen, l->out);
    }
    int newlines = count_newlines(p, end);
    if (at_end) {
        if (l->started) fputc('\n', l->out);
    } else if (!l->started || newlines > 0) {
        new_line(l, newlines > 1 && next->cls != T_CLOSE, line_indent(l, next, false));
        if (is_text(&next->t, "|")) l->hang += PIPE_HANG;
    } else {
        put_spaces(l->out, space_between(prev, next));
    }
}

static char *layout_tokens(const char *src, const ftok *toks, int n)
{
    char *text = NULL;
    size_t size = 0;
    layout l = {.out = open_memstream(&text, &size)};
    if (!l.out) return NULL;
    const char *prev_end = src;
    for (int i = 0; i < n; i++) {
        put_gap(&l, prev_end, i ? &toks[i - 1] : NULL, &toks[i]);
        if (toks[i].t.kind != TK_EOF) put_token(&l, &toks[i]);
        prev_end = toks[i].t.start + toks[i].t.len;
    }
    free(l.open);
    if (fclose(l.out) != 0) { free(text); return NULL; }
    return text;
}

/* The same comments, in the same order, in two gaps. */
static bool same_comments(const char *a, const char *a_end, const char *b, const char *b_end)
{
    for (;;) {
        size_t na, nb;
        const char *ca = next_comment(a, a_end, &na), *cb = next_comment(b, b_end, &nb);
        if (!ca || !cb) return !ca && !cb;
        if (na != nb || memcmp(ca, cb, na)) return false;
        a = ca + na;
        b = cb + nb;
    }
}

/* fmt's promise, checked on every run: the output lexes to the source's tokens,
 * with the source's comments between the same tokens. */
static bool keeps_tokens(const char *name, const char *src, const ftok *toks, int n, const char *text, FILE *diag_out)
{
    diag d;
    size_t len = strlen(text);
    diag_init(&d, name, text, len, diag_out);
    lexer L;
    lex_init(&L, text, len, &d);
    const char *a_prev = src, *b_prev = text;
    for (int i = 0; i < n; i++) {
        token t = lex_next(&L);
        const token *o = &toks[i].t;
        if (t.kind != o->kind || t.len != o->len || memcmp(t.start, o->start, t.len)) return false;
        if (!same_comments(a_prev, o->start, b_prev, t.start)) return false;
        a_prev = o->start + o->len;
        b_prev = t.start + t.len;
    }
    return true;
}

int fmt_text(const char *name, const char *src, size_t len, FILE *diag_out, char **out)
{
    *out = NULL;
    diag d;
    diag_init(&d, name, src, len, diag_out);
    arena a = {0};
    bool parsed = parse_program(&a, &d, src, len) != NULL;
    arena_free(&a);
    if (!parsed) return 1;
    int n;
    ftok *toks = read_tokens(src, len, &d, &n);
    if (!toks) return 1;
    char *text = layout_tokens(src, toks, n);
    if (!text) { fprintf(diag_out, "rgp fmt: error: out of memory\n"); free(toks); return 2; }
    bool kept = keeps_tokens(name, src, toks, n, text, diag_out);
    free(toks);
    if (!kept) {
        fprintf(diag_out, "rgp fmt: internal error: the layout of '%s' would change its tokens or comments\n", name);
        free(text);
        return 2;
    }
    *out = text;
    return 0;
}

/* ---- files ---------------------------------------------------------------- */


/* Replaces the file (or, through a symlink, the file it names) in one rename, so
 * a reader sees the old text or the new, never half of one. */
static int write_atomically(const char *path, const char *text)
{
    char *real = realpath(path, NULL);
    const char *target = real ? real : path;
    size_t tlen = strlen(target), len = strlen(text);
    char *tmp = malloc(tlen + sizeof ".fmt-XXXXXX");
    int fd = -1, rc = 1;
    if (tmp) {
        memcpy(tmp, target, tlen);
        memcpy(tmp + tlen, ".fmt-XXXXXX", sizeof ".fmt-XXXXXX");
        fd = mkstemp(tmp);
    }
    if (fd >= 0) {
        struct stat st;
        bool ok = stat(target, &st) != 0 || fchmod(fd, st.st_mode & 07777) == 0;
        for (size_t done = 0; ok && done < len;) {
            ssize_t w = write(fd, text + done, len - done);
            if (w < 0 && errno != EINTR) ok = false;
            else if (w > 0) done += (size_t)w;
        }
        ok = ok && fsync(fd) == 0;
        ok = close(fd) == 0 && ok;
        if (ok && rename(tmp, target) == 0) rc = 0;
        else unlink(tmp);
    }
    if (rc) fprintf(stderr, "rgp fmt: error: cannot rewrite '%s': %s\n", path, strerror(errno));
    free(tmp);
    free(real);
    return rc;
}

int fmt_file(const char *path, fmt_mode mode)
{
    size_t len;
    char *src = whole_file_read(path, &len);
    if (!src) { fprintf(stderr, "rgp: error: cannot read '%s': %s\n", path, strerror(errno)); return 1; }
    char *text;
    int rc = fmt_text(path, src, len, stderr, &text);
    if (rc == 0) {
        bool canonical = strlen(text) == len && !memcmp(text, src, len);
        if (mode == FMT_PRINT) fputs(text, stdout);
        else if (mode == FMT_CHECK && !canonical) { fprintf(stderr, "%s: not formatted\n", path); rc = 1; }
        else if (mode == FMT_WRITE && !canonical) rc = write_atomically(path, text);
    }
    free(text);
    free(src);
    return rc;
}
