/* Semantic analysis: resolves names, checks and infers types, and turns the AST
 * into the program model that the planner and emitter read. */
#ifndef RGP_SEMA_H
#define RGP_SEMA_H
#include "ast.h"

typedef enum endpoint_kind { EP_STDIN, EP_STDOUT, EP_FILE } endpoint_kind;
typedef enum format_kind { FMT_CSV, FMT_JSONL } format_kind;

/* A source, stage or sink: the nodes of the pipeline graph. */
typedef struct node {
    decl_kind kind;               /* D_SOURCE, D_STAGE or D_SINK */
    const char *name;
    srcloc loc;
    ast_decl *decl;
    rectype *type;                /* records flowing out (source, stage) or in (sink) */
    struct node *input;           /* stage, sink */
    /* sources and sinks */
    endpoint_kind endpoint;
    const char *path;             /* as written in the .rgp file (for messages) */
    const char *open_path;        /* resolved against the .rgp file's directory */
    format_kind format;
    bool header;
    char delim;
    ast_op *ops;                  /* stage */
    bool used;                    /* something reads this stream */
} node;

typedef struct program {
    const char *file;             /* the .rgp path as given */
    const char *name;             /* its base name without .rgp: names the program in messages */
    const char *c_name;           /* what the generated C calls itself: NAME.c */
    rectype **types; int ntypes;  /* every record type, in declaration order */
    node **sources; int nsources;
    node **stages;  int nstages;
    node **sinks;   int nsinks;
} program;

/* base_dir: where relative paths in the file resolve (the file's directory). */
program *sema_check(arena *a, diag *d, ast_program *ast, const char *file, const char *base_dir);

#endif
