/* syslog(SCHEMA, year: N) sources: each schema field must be one of the parts
 * of a message (runtime/syslog_fields.h, the one table of them), of a type
 * that part can fill; the option year: gives RFC 3164 stamps their year. */
#include <stdio.h>
#include <string.h>
#include "sema.h"
#include "syslog_fields.h"

static const struct { const char *name; int kinds; } parts[] = {
#define X(id, name, kinds, what) {name, kinds},
    RGP_SYSLOG_FIELDS(X)
#undef X
};
enum { NPARTS = sizeof parts / sizeof parts[0] };

static int type_kind(type_id t)
{
    return t == T_STR ? RGP_SYSLOG_K_STR : t == T_TIME ? RGP_SYSLOG_K_TIME : type_is_int(t) ? RGP_SYSLOG_K_INT : 0;
}

static void kinds_text(char *b, size_t cap, int kinds)
{
    snprintf(b, cap, "%s%s%s%s%s", kinds & RGP_SYSLOG_K_TIME ? "time" : "", kinds & RGP_SYSLOG_K_STR ? "str" : "",
             (kinds & RGP_SYSLOG_K_STR) && (kinds & RGP_SYSLOG_K_INT) ? " or " : "", kinds & RGP_SYSLOG_K_INT ? "an integer type" : "", "");
}

/* "ts: time, host: str, ..., message: str": what a schema may name. */
static void allowed_text(char *b, size_t cap)
{
    size_t k = 0;
    b[0] = 0;
    for (int i = 0; i < NPARTS && k < cap; i++) {
        char kinds[48];
        kinds_text(kinds, sizeof kinds, parts[i].kinds);
        k += (size_t)snprintf(b + k, cap - k, "%s%s: %s", i ? ", " : "", parts[i].name, kinds);
    }
}

void sema_check_syslog(diag *d, node *n, const ast_expr *f)
{
    const rectype *r = n->type;
    n->syslog_year = -1;
    for (int i = 0; i < r->nfields; i++) {
        const field *fl = &r->fields[i];
        int p = 0;
        while (p < NPARTS && strcmp(parts[p].name, fl->name)) p++;
        if (r->paths && r->paths[i].n) {
            diag_error(d, r->paths[i].loc, "field '%s' has a JSON path, but source '%s' reads syslog: its fields are named like the parts of a message",
                       fl->name, n->name);
        } else if (p == NPARTS) {
            char allowed[400];
            allowed_text(allowed, sizeof allowed);
            diag_error(d, fl->loc, "field '%s' of schema '%s' is not a part of a syslog message; syslog(%s) fills %s", fl->name, r->name,
                       r->name, allowed);
        } else if (!(type_kind(fl->type) & parts[p].kinds)) {
            char kinds[48];
            kinds_text(kinds, sizeof kinds, parts[p].kinds);
            diag_error(d, fl->loc, "field '%s' of schema '%s' is %s, but syslog fills '%s' with %s", fl->name, r->name, type_name(fl->type),
                       fl->name, kinds);
        }
    }
    for (const ast_arg *g = f->u.call.args->next; g; g = g->next) {
        if (!g->name) {
            diag_error(d, g->value->loc, "expected a named option such as year: 2024");
        } else if (strcmp(g->name, "year")) {
            diag_error(d, g->name_loc, "unknown syslog option '%s'; the option of syslog(Schema) is year", g->name);
        } else if (g->value->kind != E_INT || g->value->u.i.overflow || g->unit || g->value->u.i.value < 1 || g->value->u.i.value > 9999) {
            diag_error(d, g->value->loc, "'year' takes the year of RFC 3164 timestamps, an integer from 1 to 9999");
        } else {
            n->syslog_year = (long long)g->value->u.i.value;
        }
    }
}
