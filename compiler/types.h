/* The scalar types of the language and record types built from them.
 * RGP_SCALARS is the one table of scalar types: name in .rgp, C type, class, bits. */
#ifndef RGP_TYPES_H
#define RGP_TYPES_H
#include <stdbool.h>
#include "diag.h"

enum type_class { TC_BOOL, TC_INT, TC_FLOAT, TC_STR, TC_TIME };

/*        id    .rgp name  C type      class     signed bits */
#define RGP_SCALARS(X) \
    X(BOOL, "bool", "bool",     TC_BOOL,  0, 8)  \
    X(I32,  "i32",  "int32_t",  TC_INT,   1, 32) \
    X(I64,  "i64",  "int64_t",  TC_INT,   1, 64) \
    X(U32,  "u32",  "uint32_t", TC_INT,   0, 32) \
    X(U64,  "u64",  "uint64_t", TC_INT,   0, 64) \
    X(F64,  "f64",  "double",   TC_FLOAT, 1, 64) \
    X(STR,  "str",  "rgp_str",  TC_STR,   0, 0)  \
    X(TIME, "time", "int64_t",  TC_TIME,  1, 64)

typedef enum type_id {
#define X(id, name, ctype, cls, sgn, bits) T_##id,
    RGP_SCALARS(X)
#undef X
    T_COUNT,
    T_INTLIT = T_COUNT,  /* an integer literal not yet given a type by its context */
    T_ERROR,             /* an expression that already produced an error: stay quiet about it */
} type_id;

typedef struct scalar_info { const char *name, *ctype; enum type_class cls; bool is_signed; int bits; } scalar_info;
extern const scalar_info scalar_types[T_COUNT];

const char *type_name(type_id t);                   /* "i32", "integer literal", ... */
bool type_lookup(const char *name, type_id *out);   /* by .rgp name */
static inline bool type_is_int(type_id t) { return t < T_COUNT && scalar_types[t].cls == TC_INT; }
static inline bool type_is_numeric(type_id t) { return type_is_int(t) || t == T_F64 || t == T_INTLIT; }

/* A record type: a schema, or the output of a `select`. */
struct ast_expr;
/* def: a schema field's default (a literal), what a JSON object without the member gets.
 * nest: how many of the name's dotted parts are objects a JSON line nests it in, for a
 * field of a nested select or emit (`device.id`: 1); a joined row's TABLE.FIELD has 0
 * and is written as one flat key. Either way the C struct nests at every dot. */
typedef struct field { const char *name; type_id type; srcloc loc; const struct ast_expr *def; int nest; } field;
/* A schema field's JSON path, from `from "metrics.temp"`: the keys from the line's
 * object down to the member read (n of them; n == 0: the member named like the field). */
typedef struct json_path { const char **keys; int n; srcloc loc; } json_path;
/* A map-valued state variable: `book: map[f64]i64`. cname names its instance of
 * runtime/omap.h's template (struct rgp_omap_CNAME). */
typedef struct state_map { const char *name; type_id key, value; srcloc loc; const char *cname; } state_map;
typedef struct rectype {
    const char *name;        /* schema name, or the stage that made it */
    const char *cname;       /* C struct tag: rec_Reading, rec_hot */
    field *fields;
    int nfields;
    srcloc loc;
    bool has_str;
    json_path *paths;        /* schemas: one per field, else NULL */
    state_map *maps;         /* keyed state: its maps, members after the fields */
    int nmaps;
} rectype;

int rectype_find(const rectype *r, const char *name);   /* field index or -1 */
/* The keys field i of a schema reads in a JSON object: its path, or its name. */
int rectype_json_keys(const rectype *r, int i, const char *const **keys);

#endif
