/* The builtin function and aggregate tables (see builtins.h). */
#include "builtins.h"
#include <string.h>

const builtin_info builtins[B_COUNT] = {
#define X(name, arity, args, result, helper) [B_##name] = {#name, arity, args, result, helper},
    RGP_BUILTINS(X)
#undef X
};

int builtin_lookup(const char *name)
{
    for (int i = 0; i < B_COUNT; i++) if (!strcmp(builtins[i].name, name)) return i;
    return -1;
}

const aggregate_info aggregates[A_COUNT] = {
#define X(name, arity, result) [A_##name] = {#name, arity, result},
    RGP_AGGREGATES(X)
#undef X
};

int aggregate_lookup(const char *name)
{
    for (int i = 0; i < A_COUNT; i++) if (!strcmp(aggregates[i].name, name)) return i;
    return -1;
}
