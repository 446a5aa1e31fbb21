/* Scalar type table and record-type lookups. */
#include "types.h"
#include <string.h>

const scalar_info scalar_types[T_COUNT] = {
#define X(id, name, ctype, cls, sgn, bits) [T_##id] = {name, ctype, cls, sgn, bits},
    RGP_SCALARS(X)
#undef X
};

const char *type_name(type_id t)
{
    if (t < T_COUNT) return scalar_types[t].name;
    return t == T_INTLIT ? "integer literal" : "<error>";
}

bool type_lookup(const char *name, type_id *out)
{
    for (int t = 0; t < T_COUNT; t++)
        if (strcmp(scalar_types[t].name, name) == 0) { *out = (type_id)t; return true; }
    return false;
}

int rectype_json_keys(const rectype *r, int i, const char *const **keys)
{
    if (r->paths && r->paths[i].n) {
        *keys = r->paths[i].keys;
        return r->paths[i].n;
    }
    *keys = &r->fields[i].name;
    return 1;
}

int rectype_find(const rectype *r, const char *name)
{
    for (int i = 0; i < r->nfields; i++)
        if (strcmp(r->fields[i].name, name) == 0) return i;
    return -1;
}
