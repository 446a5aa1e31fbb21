/* The syntax tree of a .rgp file, as the parser builds it. Every node carries the
 * source location of its text so any pass can point at it. Sema fills in `type`. */
#ifndef RGP_AST_H
#define RGP_AST_H
#include "arena.h"
#include "diag.h"
#include "types.h"

/* Binary operators: one table for spelling, C spelling and family. */
enum op_family { OPF_LOGIC, OPF_EQUALITY, OPF_ORDER, OPF_ARITH };
#define RGP_BINOPS(X) \
    X(OR,  "or",  "||", OPF_LOGIC)    \
    X(AND, "and", "&&", OPF_LOGIC)    \
    X(EQ,  "==",  "==", OPF_EQUALITY) \
    X(NE,  "!=",  "!=", OPF_EQUALITY) \
    X(LT,  "<",   "<",  OPF_ORDER)    \
    X(LE,  "<=",  "<=", OPF_ORDER)    \
    X(GT,  ">",   ">",  OPF_ORDER)    \
    X(GE,  ">=",  ">=", OPF_ORDER)    \
    X(ADD, "+",   "+",  OPF_ARITH)    \
    X(SUB, "-",   "-",  OPF_ARITH)    \
    X(MUL, "*",   "*",  OPF_ARITH)    \
    X(DIV, "/",   "/",  OPF_ARITH)    \
    X(MOD, "%",   "%",  OPF_ARITH)

typedef enum binop {
#define X(id, text, c, fam) BIN_##id,
    RGP_BINOPS(X)
#undef X
} binop;
typedef struct binop_info { const char *text, *c; enum op_family family; } binop_info;
extern const binop_info binops[];

typedef enum unop { UN_NEG, UN_NOT } unop;

/* Deepest expression rgp accepts: every pass that walks one recurses this deep at most
 * (a chain of 10,000 `+` terms is 9,999 deep). Sema reports deeper ones. */
#define AST_MAX_DEPTH 10000

typedef enum expr_kind { E_INT, E_FLOAT, E_STR, E_BOOL, E_NAME, E_UNARY, E_BINARY, E_CALL, E_IF } expr_kind;

typedef struct ast_arg ast_arg;
typedef struct ast_expr ast_expr;
struct ast_expr {
    expr_kind kind;
    srcloc loc;           /* the whole expression, or its operator for unary/binary */
    type_id type;         /* set by sema */
    type_id optype;       /* binary operators and min/max: the type operands convert to (sema) */
    const char *text;     /* literal text, name, or callee */
    const char *qual;     /* E_NAME: `prev` in prev.FIELD, else NULL */
    int depth;            /* levels of operators, calls and ifs below it: 0 for a leaf */
    union {
        struct { unsigned long long value; bool overflow; } i;  /* E_INT (magnitude) */
        double f;                                              /* E_FLOAT */
        struct { const char *bytes; size_t len; } s;           /* E_STR, unescaped */
        bool b;                                                /* E_BOOL */
        struct { int field; int scope; } name;                 /* E_NAME, set by sema: index in its scope */
        struct { unop op; ast_expr *operand; } un;
        struct { binop op; ast_expr *lhs, *rhs; } bin;
        struct { ast_arg *args; int nargs; int builtin; int regex; int env;
                 bool index, in_place; int mapfn; const struct state_map *map; } call;   /* builtin, regex (its pattern's index), env (its variable's): set by sema;
                                                                              * index: MAP[KEY], parsed as a call of map and key; mapfn, map: a map function's (sema);
                                                                              * in_place: the MAP[KEY] that MAP[KEY] op= V reads, the node it stores to */
        struct { ast_expr *cond, *then, *otherwise; } cond;       /* E_IF */
    } u;
};

struct ast_arg {
    const char *name; srcloc name_loc; ast_expr *value; ast_arg *next;
    const char *unit; srcloc unit_loc;   /* NAME: N UNIT (a size); else NULL */
    const char *order; srcloc order_loc; /* sort keys: the word after the field (`desc`), or NULL */
    bool desc;                           /* sort keys: set by sema */
};

typedef struct ast_field {
    const char *name;
    srcloc loc;
    const char *type;
    srcloc type_loc;
    ast_expr *init;          /* state fields: the initial value */
    ast_expr *path;          /* schema fields: `from "a.b"`, the JSON member it reads (a string) */
    const char *key_type, *value_type;   /* `map[K]V`: its key and value types (type is "map"); else NULL */
    srcloc key_loc, value_loc;
    struct ast_field *next;
} ast_field;
/* A select's, emit's, group's or route's `NAME: EXPR` (value NULL: a lone NAME). In a
 * select or emit, `NAME: { ... }` is an object: `object` set, its items in members
 * (NULL for `{}`), brace at its '{'. Sema flattens objects to leaves named by
 * their path (`device.id`); nest is then the number of objects a leaf sits in. */
typedef struct ast_item {
    const char *name; srcloc loc; ast_expr *value; struct ast_item *next;
    bool object; struct ast_item *members; srcloc brace;
    int nest;
} ast_item;

/* A length of time as written: N UNIT (`30 s`); sema turns it into ms. */
typedef struct ast_duration { long long n; const char *unit; srcloc loc, unit_loc; long long ms; } ast_duration;
/* A window's modifiers: `slide 5 s`, `lateness 2 s` (n and unit) or `late STREAM` (name). */
typedef struct ast_wmod {
    const char *word;
    srcloc loc;
    ast_duration d;
    const char *name;
    srcloc name_loc;
    struct ast_wmod *next;
} ast_wmod;

/* Statements of a keyed-state block. */
typedef enum stmt_kind { S_IF, S_EMIT, S_LET, S_ASSIGN, S_CALL, S_FOR } stmt_kind;
typedef struct ast_stmt {
    stmt_kind kind;
    srcloc loc;
    ast_expr *value;                 /* S_IF: condition; S_LET, S_ASSIGN: the value; S_CALL: the call; S_FOR: the map (E_NAME) */
    struct ast_stmt *then, *otherwise;   /* S_IF; S_FOR: then is the body */
    ast_expr *index;                 /* S_ASSIGN to MAP[KEY]: the key; else NULL */
    const char *name2, *word, *order;    /* S_FOR: the value's variable, `in`, `desc` or NULL */
    srcloc name2_loc, word_loc, order_loc, limit_loc;
    unsigned long long limit;        /* S_FOR */
    bool limit_missing;              /* S_FOR written without limit N (limit_loc: its '{') */
    const struct state_map *map;     /* S_ASSIGN to MAP[KEY], S_FOR: the map (sema) */
    ast_item *items;                 /* S_EMIT */
    const char *name;                /* S_LET, S_ASSIGN: the variable */
    srcloc name_loc;
    binop op;                        /* S_ASSIGN: BIN_ADD for +=, ...; assign_plain for = */
    bool plain;                      /* S_ASSIGN with '=' */
    int slot;                        /* set by sema: state variable or local index */
    bool is_local;
    struct ast_stmt *next;
} ast_stmt;

/* OP_KEYED and after keep a table per key (emit_threads.c relies on the order) */
typedef enum op_kind { OP_WHERE, OP_SELECT, OP_SAMPLE, OP_LIMIT, OP_SORT, OP_JOIN, OP_KEYED, OP_DELTA, OP_GROUP, OP_DEDUP, OP_WINDOW, OP_THROTTLE } op_kind;
typedef enum window_kind { W_TUMBLING, W_SLIDING, W_SESSION, W_COUNT } window_kind;
struct node;
typedef struct ast_op {
    op_kind kind;
    srcloc loc;
    ast_expr *cond;          /* OP_WHERE */
    ast_item *items;         /* OP_SELECT; OP_GROUP: name: aggregate(expr) */
    ast_arg *keys;           /* OP_KEYED, OP_GROUP, OP_DEDUP: by a, b (names as E_NAME values) */
    ast_arg *on;             /* OP_DEDUP: the fields compared; NULL: all but the keys (sema fills it) */
    ast_expr *time_field;    /* OP_WINDOW, OP_THROTTLE: the record's event time; NULL: processing time */
    window_kind wkind;       /* OP_WINDOW */
    ast_duration size;       /* OP_WINDOW: length or session gap (count: size.n records); OP_THROTTLE: the span */
    long long slide_ms;      /* OP_WINDOW: sliding step (= size for tumbling), set by sema */
    long long lateness_ms;   /* OP_WINDOW: how long past its end a window stays open, set by sema */
    ast_duration ahead;      /* OP_WINDOW: a record further than this ahead of the watermark is bad data; ms 0: no bound */
    const char *word;        /* a word sema checks: OP_WINDOW `gap` or `count`, OP_SAMPLE `seed` */
    srcloc word_loc;         /* that word, or else the operator's number (throttle N, sample N or F) */
    ast_wmod *wmods;         /* OP_WINDOW: slide, lateness, late; OP_DEDUP: within N UNIT [of TIME] */
    struct node *late;       /* OP_WINDOW: the stream late records go to, or NULL (sema) */
    unsigned long long limit;   /* OP_THROTTLE: records per span; OP_SAMPLE: every N (0: a fraction); OP_LIMIT, OP_SORT (top N): N */
    double fraction;         /* OP_SAMPLE */
    bool sample_every;       /* OP_SAMPLE: every N, not a fraction */
    bool faults;             /* OP_WHERE, OP_SELECT: holds parse_time without a fallback, which rejects the record */
    unsigned long long seed; /* OP_SAMPLE */
    ast_field *state;        /* OP_KEYED, OP_DELTA: state { n: u64 = 0, ... }, each with its init */
    ast_stmt *body;          /* OP_KEYED, OP_DELTA */
    rectype *in, *out;       /* set by sema */
    rectype *state_type;     /* OP_KEYED, OP_DELTA, set by sema: the state record */
    int nlocals;             /* OP_KEYED, OP_DELTA, set by sema */
    const char **locals;
    type_id *local_types;
    struct node *table;      /* OP_JOIN: the table joined (sema); word names it, keys are the record's key fields */
    bool left;               /* OP_JOIN: `or default`, a record without a row gets the table's defaults */
    struct ast_op *next;
} ast_op;

/* One line of a test block: an input for a source, the text a sink must
 * write, or a condition such as count(alerts) == 3. */
typedef enum check_kind { CHECK_INPUT, CHECK_OUTPUT, CHECK_CONDITION } check_kind;
typedef struct ast_check {
    check_kind kind;
    srcloc loc;              /* the keyword */
    const char *name;        /* CHECK_INPUT: the source; CHECK_OUTPUT: the sink */
    srcloc name_loc;
    ast_expr *text;          /* CHECK_INPUT, CHECK_OUTPUT: an E_STR */
    ast_expr *cond;          /* CHECK_CONDITION */
    struct ast_check *next;
} ast_check;

typedef enum decl_kind { D_SCHEMA, D_SOURCE, D_STAGE, D_SINK, D_OPTIONS, D_ROUTE, D_TABLE, D_TEST } decl_kind;
typedef struct ast_decl {
    decl_kind kind;
    const char *name;
    srcloc loc;              /* the name */
    ast_field *fields;       /* D_SCHEMA */
    rectype *schema_type;    /* D_SCHEMA: set by sema */
    ast_expr *endpoint;      /* D_SOURCE, D_SINK: stdin, stdout or file("path"); D_TABLE: that, or the word `stream` */
    ast_expr *format;        /* D_SOURCE, D_SINK: csv(...), jsonl */
    ast_expr *input_spec;    /* D_STAGE: a stream name, or merge(a, b, ...) */
    ast_expr *merge_on;      /* D_STAGE: merge(...) on TIME, the time field (an E_NAME); else NULL */
    ast_arg *merge_lateness; /* D_STAGE: `lateness: N UNIT` after it, or NULL */
    ast_arg *options;        /* with { ... }, or the options { ... } block */
    const char *input;       /* D_STAGE, D_SINK, a stream D_TABLE: the stream read */
    srcloc input_loc;
    ast_op *ops;             /* D_STAGE */
    ast_item *branches;      /* D_ROUTE: BRANCH: COND, ..., default: BRANCH */
    ast_arg *keys;           /* D_TABLE: by KEY or by (KEY, ...); sema sets each value's u.name.field */
    ast_expr *title;         /* D_TEST: its name, an E_STR */
    ast_check *checks;       /* D_TEST */
    struct ast_decl *next;
} ast_decl;

typedef struct ast_program { ast_decl *decls; } ast_program;

/* Constructors used by the grammar actions. */
typedef struct token token;
srcloc ast_loc(const token *t);
srcloc ast_span(srcloc a, srcloc b);    /* from a to the end of b, when on one line */
const char *ast_name(arena *a, const token *t);
ast_expr *ast_int(arena *a, const token *t);
ast_expr *ast_float(arena *a, const token *t);
ast_expr *ast_string(arena *a, const token *t);
ast_expr *ast_bool(arena *a, const token *t, bool v);
ast_expr *ast_text(arena *a, const token *t);   /* a text block: its lines, common indent removed, each ending in LF */
ast_check *ast_check_new(arena *a, check_kind kind, const token *kw, const token *name, ast_expr *text, ast_expr *cond);
ast_expr *ast_ident(arena *a, const token *t);
ast_expr *ast_unary(arena *a, const token *op, unop kind, ast_expr *e);
ast_expr *ast_binary(arena *a, const token *op, binop kind, ast_expr *l, ast_expr *r);
ast_expr *ast_call(arena *a, const token *name, ast_arg *args, const token *close);
ast_expr *ast_if(arena *a, const token *kw, ast_expr *cond, ast_expr *then, ast_expr *otherwise);
int ast_depth_above(const ast_expr *a, const ast_expr *b);   /* the depth of a node over a and b (b may be NULL) */
ast_arg *ast_arg_new(arena *a, const token *name, ast_expr *value);
ast_field *ast_field_new(arena *a, const token *name, const token *type);
ast_item *ast_item_new(arena *a, const token *name, ast_expr *value);
ast_item *ast_item_object(arena *a, const token *name, const token *brace, ast_item *members);
ast_expr *ast_qualify(arena *a, ast_expr *path, const token *name);   /* a.b then .c: a.b.c (qual "a.b", text "c") */
ast_op *ast_where(arena *a, const token *kw, ast_expr *cond);
ast_op *ast_select(arena *a, const token *kw, ast_item *items);
ast_op *ast_keyed(arena *a, const token *kw, ast_arg *keys, ast_field *state, ast_stmt *body);
ast_op *ast_group(arena *a, const token *kw, ast_arg *keys, ast_item *items);
ast_op *ast_dedup(arena *a, const token *kw, ast_arg *keys, ast_arg *on);
void ast_dedup_within(ast_op *o, ast_wmod *within);
ast_op *ast_window(arena *a, const token *kw, window_kind kind, const token *time, const token *n, const token *unit,
                   ast_wmod *mods, ast_arg *keys, ast_item *items);
ast_wmod *ast_wmod_new(arena *a, const token *word, const token *n, const token *unit, const token *name);
ast_op *ast_throttle(arena *a, const token *kw, const token *n, const token *m, const token *unit, ast_arg *keys, ast_expr *time);
ast_op *ast_sample(arena *a, const token *kw, const token *every, const token *fraction, const token *seed_word, const token *seed);
ast_op *ast_limit(arena *a, const token *kw, const token *n);
ast_op *ast_sort(arena *a, const token *kw, ast_arg *keys);
void ast_sort_order(arena *a, ast_arg *key, const token *word);
ast_op *ast_join(arena *a, const token *kw, const token *table, ast_arg *keys, const token *or_word);
ast_stmt *ast_stmt_new(arena *a, stmt_kind kind, const token *at);
ast_stmt *ast_assign(arena *a, const token *name, const token *op, binop kind, bool plain, ast_expr *value);
void ast_field_map(arena *a, ast_field *f, const token *key, const token *value);
ast_expr *ast_index(arena *a, const token *map, ast_expr *key, const token *close);
ast_stmt *ast_for(arena *a, const token *kw, const token *key, const token *value, const token *in, const token *map,
                  const token *order, const token *limit, ast_stmt *body);
enum { SCOPE_FIELD, SCOPE_STATE, SCOPE_LOCAL, SCOPE_PREV, SCOPE_HAS_PREV, SCOPE_MAP };
ast_decl *ast_decl_new(arena *a, decl_kind kind, const token *name);
/* Appending to singly linked lists keeps declaration order. */
#define AST_APPEND(type, list, item) ((type *)ast_append_((void **)&(list), (item), offsetof(type, next)))
void *ast_append_(void **list, void *item, size_t next_offset);
void ast_append_reset(void);   /* forgets the lists being built: each parse starts with it */

#endif
