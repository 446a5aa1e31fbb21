/* Reads a .rgp file and runs the front end and planner over it. */
#include "driver.h"
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "parse.h"

static int compile(compilation *c, const char *name, const char *base_dir, FILE *out, bool json)
{
    diag_init(&c->diag, name, c->src, c->len, out);
    c->diag.json = json;
    ast_program *ast = parse_program(&c->arena, &c->diag, c->src, c->len);
    if (!ast) return 1;
    c->prog = sema_check(&c->arena, &c->diag, ast, name, base_dir);
    if (!c->prog) return 1;
    c->plan = plan_build(&c->arena, &c->diag, c->prog);
    return c->diag.errors ? 1 : 0;
}

int driver_compile_text(compilation *c, const char *name, const char *text, const char *base_dir, FILE *out)
{
    memset(c, 0, sizeof *c);
    c->len = strlen(text);
    c->src = malloc(c->len + 1);
    if (!c->src) return 1;
    memcpy(c->src, text, c->len + 1);
    return compile(c, name, base_dir, out, false);
}

int driver_compile(compilation *c, const char *path, FILE *out) { return driver_compile_as(c, path, out, false); }

int driver_compile_as(compilation *c, const char *path, FILE *out, bool json)
{
    memset(c, 0, sizeof *c);
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (json) {
            diag_init(&c->diag, path, NULL, 0, out);
            c->diag.json = true;
            diag_plain(&c->diag, "cannot read '%s': %s", path, strerror(errno));
        } else {
            fprintf(out, "rgp: error: cannot read '%s': %s\n", path, strerror(errno));
        }
        return 1;
    }
    size_t cap = 4096;
    c->src = malloc(cap + 1);
    for (size_t n; c->src && (n = fread(c->src + c->len, 1, cap - c->len, f)) > 0;) {
        c->len += n;
        if (c->len == cap) c->src = realloc(c->src, (cap *= 2) + 1);
    }
    int err = ferror(f);
    fclose(f);
    if (!c->src || err) {
        fprintf(out, "rgp: error: cannot read '%s': %s\n", path, c->src ? "read error" : "out of memory");
        return 1;
    }
    c->src[c->len] = '\0';

    /* relative paths inside the file resolve against the file's own directory */
    char real[PATH_MAX];
    const char *dir = ".";
    if (realpath(path, real)) {
        char *slash = strrchr(real, '/');
        if (slash == real) slash[1] = '\0';
        else if (slash) *slash = '\0';
        dir = real;
    }
    char *base_dir = arena_strndup(&c->arena, dir, strlen(dir));
    return compile(c, path, base_dir, out, json);
}

void driver_free(compilation *c)
{
    arena_free(&c->arena);
    free(c->src);
    c->src = NULL;
}
