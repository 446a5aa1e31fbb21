/* rgp test: checking test blocks (for sema) and running them (for main). */
#include "pipeline_test.h"
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "jit.h"
#include "parse.h"
#include "whole_file.h"

#define TEST_SECONDS 120   /* a test's pipeline reads files that end: longer means it hangs */

static node *find_node(node **list, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(list[i]->name, name)) return list[i];
    return NULL;
}

/* Endpoints a test can replace with a file of its own. */
static bool test_source_ok(const node *s) { return s->endpoint == EP_FILE || s->endpoint == EP_STDIN; }
static bool test_sink_ok(const node *k)
{
    return k->endpoint == EP_FILE || k->endpoint == EP_STDOUT || k->endpoint == EP_STDERR || k->endpoint == EP_JOURNAL;
}

static void names_of(char *out, size_t cap, node **list, int n)
{
    out[0] = 0;
    for (int i = 0; i < n; i++)
        snprintf(out + strlen(out), cap - strlen(out), "%s%s", i ? ", " : "", list[i]->name);
    if (!n) snprintf(out, cap, "none");
}

/* count(SINK) OP N, or NULL after reporting what is wrong. */
static const node *count_condition(diag *d, const program *p, const ast_expr *c)
{
    const char *form = "expected a condition such as count(SINK) == N (or !=, <, <=, >, >=), or SINK = \"\"\"text\"\"\"";
    if (c->kind != E_BINARY || (binops[c->u.bin.op].family != OPF_EQUALITY && binops[c->u.bin.op].family != OPF_ORDER)) {
        diag_error(d, c->loc, "%s", form);
        return NULL;
    }
    const ast_expr *l = c->u.bin.lhs, *r = c->u.bin.rhs;
    if (l->kind != E_CALL || strcmp(l->text, "count") || l->u.call.nargs != 1 || l->u.call.args->name ||
        l->u.call.args->value->kind != E_NAME || l->u.call.args->value->qual) {
        diag_error(d, l->loc, "%s", form);
        return NULL;
    }
    if (r->kind != E_INT || r->u.i.overflow) {
        diag_error(d, r->loc, "expected a whole number of records after %s", binops[c->u.bin.op].text);
        return NULL;
    }
    const ast_expr *name = l->u.call.args->value;
    node *k = find_node(p->sinks, p->nsinks, name->text);
    if (!k) {
        char all[512];
        names_of(all, sizeof all, p->sinks, p->nsinks);
        diag_error(d, name->loc, "count() takes a sink of this pipeline, not '%s'; its sinks: %s", name->text, all);
        return NULL;
    }
    if (k->endpoint == EP_JOURNAL) {
        diag_error(d, name->loc, "sink '%s' writes a journal, whose records count() cannot read; test a sink of text", k->name);
        return NULL;
    }
    return k;
}

const char *pipeline_test_file(const program *p, int i)
{
    return p->test_files && p->test_files[i] ? p->test_files[i] : p->file;
}

/* Checks tests [from, p->ntests), which are in the file d reports on. */
static void check_tests(diag *d, program *p, int from)
{
    char all[512];
    for (int i = from; i < p->ntests; i++) {
        const ast_decl *t = p->tests[i];
        for (int j = 0; j < i; j++) {
            const ast_expr *other = p->tests[j]->title;
            if (other->u.s.len != t->title->u.s.len || memcmp(other->u.s.bytes, t->title->u.s.bytes, t->title->u.s.len)) continue;
            const char *there = pipeline_test_file(p, j);
            if (!strcmp(there, d->file))
                diag_error(d, t->title->loc, "a second test named %s; the first is at line %u", t->title->text, p->tests[j]->loc.line);
            else
                diag_error(d, t->title->loc, "a second test named %s; the first is at %s:%u", t->title->text, there, p->tests[j]->loc.line);
        }
        if (!t->checks) diag_error(d, t->loc, "test %s checks nothing: add expect SINK = \"\"\"...\"\"\" or expect count(SINK) == N",
                                   t->title->text);
        for (const ast_check *c = t->checks; c; c = c->next) {
            if (c->kind == CHECK_CONDITION) {
                (void)count_condition(d, p, c->cond);
                continue;
            }
            for (const ast_check *o = t->checks; o != c; o = o->next)
                if (o->kind == c->kind && !strcmp(o->name, c->name))
                    diag_error(d, c->name_loc, "a second %s for '%s' in this test; the first is at line %u",
                               c->kind == CHECK_INPUT ? "input" : "expect", c->name, o->loc.line);
            if (c->kind == CHECK_INPUT) {
                node *s = find_node(p->sources, p->nsources, c->name);
                if (!s) {
                    names_of(all, sizeof all, p->sources, p->nsources);
                    diag_error(d, c->name_loc, "input names a source; '%s' is not one (the sources: %s)", c->name, all);
                } else if (!test_source_ok(s)) {
                    diag_error(d, c->name_loc, "a test replaces file and stdin sources; '%s' reads %s", s->name,
                               s->endpoint == EP_JOURNAL ? "a journal" : "the network");
                }
            } else {
                node *k = find_node(p->sinks, p->nsinks, c->name);
                if (!k) {
                    names_of(all, sizeof all, p->sinks, p->nsinks);
                    diag_error(d, c->name_loc, "expect names a sink; '%s' is not one (the sinks: %s)", c->name, all);
                } else if (k->endpoint == EP_JOURNAL || !test_sink_ok(k)) {
                    diag_error(d, c->name_loc, "expect compares text; sink '%s' writes %s", k->name,
                               k->endpoint == EP_JOURNAL ? "a journal" : "to the network");
                }
            }
        }
    }
}

void pipeline_tests_check(diag *d, program *p) { check_tests(d, p, 0); }

int pipeline_tests_load(arena *a, program *p, const char *path, FILE *out)
{
    size_t len = 0;
    char *bytes = whole_file_read(path, &len);
    if (!bytes) {
        fprintf(out, "rgp test: error: cannot read '%s': %s\n", path, strerror(errno));
        return 1;
    }
    char *src = arena_strndup(a, bytes, len);   /* the tests' texts and places outlive this call */
    free(bytes);
    const char *file = arena_strndup(a, path, strlen(path));
    diag d;
    diag_init(&d, file, src, len, out);
    ast_program *ast = parse_program(a, &d, src, len);
    if (!ast) return 1;
    int n = 0;
    for (ast_decl *dc = ast->decls; dc; dc = dc->next) n += dc->kind == D_TEST;
    ast_decl **tests = arena_alloc(a, sizeof *tests * (size_t)(p->ntests + n + 1));
    const char **files = arena_alloc(a, sizeof *files * (size_t)(p->ntests + n + 1));
    for (int i = 0; i < p->ntests; i++) tests[i] = p->tests[i], files[i] = pipeline_test_file(p, i);
    int first = p->ntests;
    for (ast_decl *dc = ast->decls; dc; dc = dc->next) {
        if (dc->kind == D_TEST) {
            files[p->ntests] = file;
            tests[p->ntests++] = dc;
        } else {
            diag_error(&d, dc->loc, "a file of tests holds only test blocks; this %s declaration belongs in %s, the pipeline they test",
                       decl_word(dc->kind), p->file);
        }
    }
    p->tests = tests, p->test_files = files;
    check_tests(&d, p, first);
    return d.errors ? 1 : 0;
}

/* ---- running ---- */

typedef struct buf { char *s; size_t len; } buf;

/* What a test's file holds; nothing when it is not there (a sink that wrote nothing). */
static buf read_all(const char *path)
{
    size_t len = 0;
    char *s = whole_file_read(path, &len);
    return (buf){s, s ? len : 0};
}

static int write_file(const char *path, const char *bytes, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t put = len ? fwrite(bytes, 1, len, f) : 0;
    return fclose(f) != 0 || put != len ? -1 : 0;
}

/* Lines of text, for the diff: pointers into t. */
static int split_lines(const char *t, size_t len, const char ***out)
{
    int n = 0, cap = 16;
    const char **l = malloc(sizeof *l * (size_t)cap);
    for (size_t i = 0; l && i < len;) {
        if (n + 1 >= cap) {
            const char **g = realloc(l, sizeof *l * (size_t)(cap *= 2));
            if (!g) break;
            l = g;
        }
        l[n++] = t + i;
        const char *nl = memchr(t + i, '\n', len - i);
        i = nl ? (size_t)(nl - t) + 1 : len;
    }
    if (l) l[n] = t + len;
    *out = l;
    return l ? n : 0;
}

static size_t line_len(const char **l, int i) { return (size_t)(l[i + 1] - l[i]) - (l[i + 1][-1] == '\n'); }
static bool same_line(const char **a, int i, const char **b, int j)
{
    return line_len(a, i) == line_len(b, j) && !memcmp(a[i], b[j], line_len(a, i));
}

/* A line diff (longest common subsequence), "  " kept, "- " expected only, "+ " written only. */
static void print_diff(FILE *out, const char *exp, size_t elen, const char *act, size_t alen)
{
    const char **a, **b;
    int n = split_lines(exp, elen, &a), m = split_lines(act, alen, &b);
    int *lcs = (n + 1) * (m + 1) <= 4000000 ? calloc((size_t)(n + 1) * (size_t)(m + 1), sizeof *lcs) : NULL;
    if (!lcs) {   /* too long to align: both in full */
        for (int i = 0; i < n; i++) fprintf(out, "    - %.*s\n", (int)line_len(a, i), a[i]);
        for (int j = 0; j < m; j++) fprintf(out, "    + %.*s\n", (int)line_len(b, j), b[j]);
    } else {
#define L(i, j) lcs[(size_t)(i) * (size_t)(m + 1) + (size_t)(j)]
        for (int i = n - 1; i >= 0; i--)
            for (int j = m - 1; j >= 0; j--)
                L(i, j) = same_line(a, i, b, j) ? L(i + 1, j + 1) + 1 : L(i + 1, j) > L(i, j + 1) ? L(i + 1, j) : L(i, j + 1);
        int i = 0, j = 0;
        while (i < n || j < m) {
            if (i < n && j < m && same_line(a, i, b, j)) {
                fprintf(out, "      %.*s\n", (int)line_len(a, i), a[i]);
                i++, j++;
            } else if (i < n && (j == m || L(i + 1, j) >= L(i, j + 1))) {
                fprintf(out, "    - %.*s\n", (int)line_len(a, i), a[i]);
                i++;
            } else {
                fprintf(out, "    + %.*s\n", (int)line_len(b, j), b[j]);
                j++;
            }
        }
#undef L
    }
    if (alen && act[alen - 1] != '\n') fprintf(out, "    (the output does not end with a line break)\n");
    free(lcs);
    free(a);
    free(b);
}

/* Records a sink wrote: its lines, less a CSV header. */
static long long records_in(const node *k, const buf *b)
{
    long long n = 0;
    for (size_t i = 0; i < b->len; i++) n += b->s[i] == '\n';
    if (b->len && b->s[b->len - 1] != '\n') n++;
    if (k->format == FMT_CSV && k->header && n > 0) n--;
    return n;
}

static bool compare(long long got, binop op, long long want)
{
    switch (op) {
    case BIN_EQ: return got == want;
    case BIN_NE: return got != want;
    case BIN_LT: return got < want;
    case BIN_LE: return got <= want;
    case BIN_GT: return got > want;
    default: return got >= want;
    }
}

typedef struct failure {
    unsigned line;
    char *what;
    buf expected, actual;   /* for a sink that differs */
} failure;

typedef struct result {
    failure *f; int nf;
    double seconds;
} result;

static void fail_with(result *r, unsigned line, const char *what, const buf *exp, const buf *act)
{
    failure *g = realloc(r->f, sizeof *g * (size_t)(r->nf + 1));
    if (!g) return;
    r->f = g;
    failure *f = &r->f[r->nf++];
    f->line = line;
    f->what = strdup(what);
    f->expected = exp ? (buf){exp->len ? memcpy(malloc(exp->len + 1), exp->s, exp->len) : NULL, exp->len} : (buf){0};
    f->actual = act ? *act : (buf){0};
    if (f->expected.s) f->expected.s[f->expected.len] = 0;
}

static const ast_check *input_for(const ast_decl *t, const char *source)
{
    for (const ast_check *c = t->checks; c; c = c->next)
        if (c->kind == CHECK_INPUT && !strcmp(c->name, source)) return c;
    return NULL;
}

/* An empty input: nothing, or only the header a CSV source with header: true needs. */
static int write_empty(const node *s, const char *path)
{
    char head[4096] = "";
    if (s->format == FMT_CSV && s->header) {
        for (int f = 0; f < s->type->nfields; f++)
            snprintf(head + strlen(head), sizeof head - strlen(head), "%s%s", f ? (char[]){s->delim, 0} : "", s->type->fields[f].name);
        strcat(head, "\n");
    }
    return write_file(path, head, strlen(head));
}

/* NAME=PATH: the pipeline's argument that points endpoint n at path. */
static char *name_path_arg(const node *n, const char *path)
{
    size_t need = strlen(n->name) + strlen(path) + 2;
    char *arg = malloc(need);
    if (arg) snprintf(arg, need, "%s=%s", n->name, path);
    return arg;
}

static void rm_tree(const char *dir)
{
    pid_t pid = fork();
    if (pid == 0) {
        execlp("rm", "rm", "-rf", "--", dir, (char *)NULL);
        _exit(127);
    }
    if (pid > 0) waitpid(pid, NULL, 0);
}

/* Runs test t; fills r. Returns -1 when it could not be run at all. */
static int run_one(const program *p, int ti, const char *c_text, const char *c_name, result *r)
{
    const ast_decl *t = p->tests[ti];
    const char *file = pipeline_test_file(p, ti);
    const char *tmp = getenv("TMPDIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/rgp-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        fprintf(stderr, "rgp test: error: cannot make a directory under %s: %s\n", tmp && *tmp ? tmp : "/tmp", strerror(errno));
        return -1;
    }
    int n = p->nsources + p->nsinks;
    char **argv = calloc((size_t)n + 2, sizeof *argv);
    char path[4352];
    int argc = 0, rc = 0;
    argv[argc++] = (char *)p->name;
    for (int i = 0; i < p->nsources && rc == 0; i++) {
        const node *s = p->sources[i];
        if (!test_source_ok(s)) {
            fprintf(stderr, "%s:%u: error: test %s: source '%s' reads %s, which a test cannot replace\n", file,
                    t->loc.line, t->title->text, s->name, s->endpoint == EP_JOURNAL ? "a journal" : "the network");
            rc = -1;
            break;
        }
        snprintf(path, sizeof path, "%s/in.%s", dir, s->name);
        const ast_check *in = input_for(t, s->name);
        if ((in ? write_file(path, in->text->u.s.bytes, in->text->u.s.len) : write_empty(s, path)) != 0) {
            fprintf(stderr, "rgp test: error: cannot write %s: %s\n", path, strerror(errno));
            rc = -1;
        }
        argv[argc++] = name_path_arg(s, path);
    }
    for (int i = 0; i < p->nsinks && rc == 0; i++) {
        const node *k = p->sinks[i];
        if (!test_sink_ok(k)) {
            fprintf(stderr, "%s:%u: error: test %s: sink '%s' writes to the network, which a test cannot replace\n", file,
                    t->loc.line, t->title->text, k->name);
            rc = -1;
            break;
        }
        snprintf(path, sizeof path, "%s/out.%s", dir, k->name);
        argv[argc++] = name_path_arg(k, path);
    }
    int status = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (rc == 0) {
        fflush(NULL);
        pid_t pid = fork();
        if (pid < 0) {
            fprintf(stderr, "rgp test: error: fork: %s\n", strerror(errno));
            rc = -1;
        } else if (pid == 0) {   /* the pipeline, in a process of its own: its globals start fresh */
            snprintf(path, sizeof path, "%s/stderr", dir);
            if (!freopen(path, "w", stderr) || !freopen("/dev/null", "w", stdout)) _exit(2);
            alarm(TEST_SECONDS);
            int code = jit_run(c_text, c_name, argc, argv);
            fflush(NULL);
            _exit(code);
        } else {
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    r->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (rc == 0) {
        snprintf(path, sizeof path, "%s/stderr", dir);
        buf err = read_all(path);
        char what[4800];
        if (WIFSIGNALED(status)) {
            if (WTERMSIG(status) == SIGALRM) snprintf(what, sizeof what, "the pipeline did not end within %d s", TEST_SECONDS);
            else snprintf(what, sizeof what, "the pipeline was killed by signal %d", WTERMSIG(status));
            fail_with(r, t->loc.line, what, NULL, NULL);
        } else if (WEXITSTATUS(status) != 0) {
            snprintf(what, sizeof what, "the pipeline exited with status %d:\n%.*s", WEXITSTATUS(status), 4000, err.s ? err.s : "");
            fail_with(r, t->loc.line, what, NULL, NULL);
        } else {
            for (const ast_check *c = t->checks; c; c = c->next) {
                if (c->kind == CHECK_INPUT) continue;
                const char *sink = c->kind == CHECK_OUTPUT ? c->name : c->cond->u.bin.lhs->u.call.args->value->text;
                const node *k = find_node(p->sinks, p->nsinks, sink);
                snprintf(path, sizeof path, "%s/out.%s", dir, sink);
                buf got = read_all(path);
                if (c->kind == CHECK_OUTPUT) {
                    buf want = {(char *)c->text->u.s.bytes, c->text->u.s.len};
                    if (got.len == want.len && (!got.len || !memcmp(got.s, want.s, got.len))) {
                        free(got.s);
                        continue;
                    }
                    snprintf(what, sizeof what, "sink %s wrote other text than expected", sink);
                    fail_with(r, c->loc.line, what, &want, &got);
                } else {
                    long long have = records_in(k, &got), want = (long long)c->cond->u.bin.rhs->u.i.value;
                    binop op = c->cond->u.bin.op;
                    if (!compare(have, op, want)) {
                        snprintf(what, sizeof what, "expected count(%s) %s %lld, but it wrote %lld record%s", sink, binops[op].text,
                                 want, have, have == 1 ? "" : "s");
                        fail_with(r, c->loc.line, what, NULL, NULL);
                    }
                    free(got.s);
                }
            }
        }
        free(err.s);
    }
    for (int i = 1; i < argc; i++) free(argv[i]);
    free(argv);
    rm_tree(dir);
    return rc;
}

static void print_text_json(FILE *out, const buf *b)
{
    char *s = b->s ? b->s : "";
    diag_json_string(out, s);
}

int pipeline_tests_run(const program *p, const char *c_text, const char *c_name, bool json, FILE *out)
{
    int passed = 0, failed = 0, broken = 0;
    if (json) {
        fputs("{\"file\": ", out);
        diag_json_string(out, p->file);
        fputs(", \"tests\": [", out);
    }
    for (int i = 0; i < p->ntests; i++) {
        const ast_decl *t = p->tests[i];
        const char *file = pipeline_test_file(p, i);
        result r = {0};
        int rc = run_one(p, i, c_text, c_name, &r);
        bool ok = rc == 0 && r.nf == 0;
        passed += ok, failed += rc == 0 && !ok, broken += rc != 0;
        if (json) {
            fprintf(out, "%s\n  {\"name\": ", i ? "," : "");
            char *name = strndup(t->title->u.s.bytes, t->title->u.s.len);
            diag_json_string(out, name ? name : "");
            free(name);
            fputs(", \"file\": ", out);
            diag_json_string(out, file);
            fprintf(out, ", \"line\": %u, \"passed\": %s, \"seconds\": %.3f, \"failures\": [", t->loc.line, ok ? "true" : "false",
                    r.seconds);
            for (int k = 0; k < r.nf; k++) {
                fprintf(out, "%s{\"line\": %u, \"message\": ", k ? ", " : "", r.f[k].line);
                diag_json_string(out, r.f[k].what);
                if (r.f[k].expected.s || r.f[k].actual.s || strstr(r.f[k].what, "other text")) {
                    fputs(", \"expected\": ", out);
                    print_text_json(out, &r.f[k].expected);
                    fputs(", \"actual\": ", out);
                    print_text_json(out, &r.f[k].actual);
                }
                fputs("}", out);
            }
            if (rc != 0) fputs("{\"line\": 0, \"message\": \"the test could not be run (see stderr)\"}", out);
            fputs("]}", out);
        } else if (ok) {
            fprintf(out, "ok    test %s (%s:%u, %.2f s)\n", t->title->text, file, t->loc.line, r.seconds);
        } else if (rc == 0) {
            fprintf(out, "FAIL  test %s (%s:%u)\n", t->title->text, file, t->loc.line);
            for (int k = 0; k < r.nf; k++) {
                fprintf(out, "  %s:%u: %s%s\n", file, r.f[k].line, r.f[k].what,
                        strstr(r.f[k].what, "other text") ? " (- expected, + written):" : "");
                if (strstr(r.f[k].what, "other text"))
                    print_diff(out, r.f[k].expected.s ? r.f[k].expected.s : "", r.f[k].expected.len,
                               r.f[k].actual.s ? r.f[k].actual.s : "", r.f[k].actual.len);
            }
        }
        for (int k = 0; k < r.nf; k++) free(r.f[k].what), free(r.f[k].expected.s), free(r.f[k].actual.s);
        free(r.f);
    }
    if (json)
        fprintf(out, "\n], \"passed\": %d, \"failed\": %d}\n", passed, failed + broken);
    else
        fprintf(out, "rgp test: %d passed, %d failed%s (%s)\n", passed, failed + broken, p->ntests ? "" : ": the file has no test blocks",
                p->file);
    return broken ? 2 : failed ? 1 : 0;
}
