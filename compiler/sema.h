/* Semantic analysis: resolves names, checks and infers types, and turns the AST
 * into the program model that the planner and emitter read. */
#ifndef RGP_SEMA_H
#define RGP_SEMA_H
#include "ast.h"
#include "nats_options.h"

typedef enum endpoint_kind { EP_STDIN, EP_STDOUT, EP_FILE, EP_JOURNAL, EP_STDERR, EP_TCP, EP_UDP, EP_NATS } endpoint_kind;
/* FMT_JOURNAL: records framed in a journal's segments (runtime/journal.h), not text */
/* FMT_SYSLOG: one RFC 5424 or RFC 3164 message per line or frame (runtime/syslog.h) */
typedef enum format_kind { FMT_CSV, FMT_JSONL, FMT_LINES, FMT_JOURNAL, FMT_SYSLOG } format_kind;

/* journal("DIR", ...): a sink's durability and retention, a source's start. */
typedef enum journal_sync { JSYNC_INTERVAL, JSYNC_ALWAYS, JSYNC_NEVER } journal_sync;  /* as rgp_journal_sync_kind */
typedef enum journal_from { JFROM_START, JFROM_END, JFROM_COMMITTED, JFROM_OFFSET } journal_from;
typedef struct journal_options {
    journal_sync sync;            /* sink */
    uint64_t sync_ms;             /* sync: N ms, the group commit's period (default 100 ms) */
    uint64_t keep_bytes, keep_ms; /* keep: 10 GB or keep: 7 d; 0: keep everything */
    uint64_t segment_bytes;       /* segment: 128 MB */
    journal_from from;            /* source */
    uint64_t from_offset;
    bool follow;                  /* wait for appends at the end (default), or stop there */
    const char *group;            /* the reader group whose committed offset it keeps, or NULL */
    bool skip_corrupt;            /* on_corrupt: skip */
} journal_options;

/* tcp("HOST:PORT") and udp("HOST:PORT"): how records are framed in the byte
 * stream, in the order of rgp_framing_kind (runtime/framing.h). */
#define RGP_FRAMING_NAMES(X) X(NEWLINE, "newline") X(LENGTH8, "length8") X(LENGTH16, "length16") \
    X(LENGTH32, "length32") X(LENGTH64, "length64") X(OCTETS, "octets")
typedef enum framing_kind {
#define X(id, name) FRAMING_##id,
    RGP_FRAMING_NAMES(X)
#undef X
} framing_kind;
extern const char *const framing_names[];
typedef struct net_options {
    framing_kind framing;         /* tcp: framing: newline (default), length8..64, octets */
    uint64_t max_len;             /* source: max_line: the longest record (bytes) */
    uint64_t clients;             /* tcp source: clients: N ends the stream after N connections closed; 0: never */
    uint64_t resend;              /* tcp sink: resend: bytes of acknowledged records sent again after a reconnect */
} net_options;

/* Runtime knobs a user can set with `with { ... }` or `options { ... }`.
 * The names are the runtime's (runtime/wait.h, runtime/sequencer.h). */
#define RGP_WAIT_NAMES(X) X(SPIN, "spin") X(YIELD, "yield") X(BLOCKING, "blocking") X(ADAPTIVE, "adaptive")
typedef enum wait_kind {
    WAIT_INHERIT = -1,
#define X(id, name) WAIT_##id,
    RGP_WAIT_NAMES(X)
#undef X
} wait_kind;
#define RGP_POLICY_NAMES(X) X(BLOCK, "block") X(DROP_OLDEST, "drop_oldest") X(DROP_NEWEST, "drop_newest")
typedef enum policy_kind {
#define X(id, name) POLICY_##id,
    RGP_POLICY_NAMES(X)
#undef X
} policy_kind;
extern const char *const wait_names[];
extern const char *const policy_names[];

typedef struct node_options {
    uint64_t ring_slots;          /* 0: the pipeline's default */
    wait_kind wait;               /* WAIT_INHERIT: the pipeline's default */
    policy_kind policy;           /* how this node reads a ring when it falls behind */
    uint64_t limit;               /* drop_oldest: how far behind; drop_newest: its buffer (0: default) */
    int cpu;                      /* pin the node's thread to this CPU, or -1 */
    bool own_thread;              /* thread: own: this reader runs on a thread of its own */
    long long idle_ms;            /* a source: after this long without a record it stops holding a merge's watermark back; 0: never */
    const char *metrics;          /* options { metrics: "HOST:PORT" }, or NULL */
    const char *checkpoint;       /* options { checkpoint: "DIR" }, or NULL */
    long long every_ms;           /* options { every: N UNIT }; 0: not given */
    srcloc policy_loc;
} node_options;

/* A source, stage or sink: the nodes of the pipeline graph. */
typedef struct node {
    decl_kind kind;               /* D_SOURCE, D_STAGE, D_SINK or D_TABLE */
    const char *name;
    srcloc loc;
    ast_decl *decl;
    rectype *type;                /* records flowing out (source, stage) or in (sink) */
    struct node *input;           /* stage, sink; NULL for a merge */
    struct node **inputs;         /* merge(a, b, ...): the streams merged */
    int ninputs;
    node_options opt;
    /* sources and sinks */
    endpoint_kind endpoint;
    const char *path;             /* as written in the .rgp file (for messages) */
    const char *open_path;        /* resolved against the .rgp file's directory */
    format_kind format;
    bool header;
    bool append;                  /* sink on file("PATH", append: true) */
    char delim;
    int path_env;                 /* file(env(...)): 1 + the variable's index in the program's envs; 0: a written path */
    int floats;                   /* csv or jsonl sink: decimals of every f64 field (floats: N), -1 for the shortest text */
    uint64_t max_row;             /* csv source: longer rows are rejected (bytes) */
    journal_options journal;      /* EP_JOURNAL */
    net_options net;              /* EP_TCP, EP_UDP */
    nats_options nats;            /* EP_NATS (sema_nats.c) */
    bool follow;                  /* file("PATH", follow: true): waits for appends, survives rotation (runtime/follow.h) */
    const char *follow_state;     /* state: "PATH" as written (relative: to the followed file's folder); NULL: none */
    long long syslog_year;        /* syslog(S, year: N): the year of RFC 3164 stamps; -1: the current one */
    ast_op *ops;                  /* stage */
    bool used;                    /* something reads this stream */
    struct node **readers;        /* the planner's: the live stages and sinks that read it */
    int nreaders;                 /* directly, merges included, in declaration order */
    struct plan_ring *ring;       /* the planner's: the ring that carries its records, or NULL */
    struct plan_thread *thread;   /* the planner's: the thread that runs it (NULL: a merge, run by
                                   * each input's thread, or a stage no sink reads) */
    int stream_index;             /* the planner's: sources first, then stages; -1 for a sink */
    double rate_in, rate_out;     /* the planner's guess: records in and out per source record */
    /* A route is a stage with branches and no readers of its own; each branch is a
     * stage fed by the route's thread when its condition is the first to hold. A
     * window's late stream is a stage fed from inside its owner's operators. */
    bool is_route;
    struct node **sides;          /* the streams fed from inside it: a route's branches in order,
                                   * the default last; a stage's late streams */
    int nsides;
    struct node *owner;           /* branch: its route; late stream: the stage whose window feeds it */
    ast_expr *branch_cond;        /* branch: its condition; NULL for the default */
    /* merge(...) on TIME [lateness: D]: its reader holds records until every live
     * input has passed their time, and sends them on in that order (runtime/order.h) */
    bool ordered;
    int order_field;              /* the time field, in type */
    long long order_lateness_ms;
} node;

typedef struct program {
    const char *file;             /* the .rgp path as given */
    const char *name;             /* its base name without .rgp: names the program in messages */
    const char *c_name;           /* what the generated C calls itself: NAME.c */
    rectype **types; int ntypes;  /* every record type, in declaration order */
    node **sources; int nsources;
    node **stages;  int nstages;
    node **sinks;   int nsinks;
    node **tables;  int ntables;  /* lookup tables (D_TABLE): type is the schema, decl->keys the key fields */
    node **stream_tables; int nstream_tables;   /* table T = stream S by K (D_TABLE too): input S, S's type */
    uint64_t ring_slots;          /* default ring size (options { ring: N }) */
    wait_kind wait;               /* default wait strategy (options { wait: ... }) */
    int threads;                  /* options { threads: N }: busy threads the plan may use; 0: the CPUs */
    const char *metrics;          /* options { metrics: "HOST:PORT" }: serve /metrics there (runtime/metrics.h); NULL: only --metrics */
    const char *checkpoint;       /* options { checkpoint: "DIR" }: state and positions are saved there; NULL: none */
    long long checkpoint_every_ms; /* options { every: N UNIT }: how often (default 10 s) */
    const ast_expr **regexes;     /* the distinct regex literals, compiled at start-up (regex.h) */
    int nregexes, regex_cap;
    uint32_t regex_pairs;         /* the most groups a pattern has, plus the whole match */
    const ast_expr **envs;        /* the distinct env("NAME"[, "default"]) calls, read at start-up */
    bool *env_in_expr;            /* for each: read by an expression (else only a path, which NAME=PATH may replace) */
    int nenvs, env_cap;
    ast_decl **tests; int ntests; /* test "NAME" { ... } blocks, for rgp test (pipeline_test.h) */
    const char **test_files;      /* each test's file, when some are in a file of tests; NULL: all in `file` */
} program;

/* table T = stream S by K: each key's latest record of stream S (else a file read whole). */
static inline bool node_is_stream_table(const node *n) { return n->kind == D_TABLE && n->input; }

/* What messages call a declaration of kind k: schema, source, ..., options. */
const char *decl_word(decl_kind k);

/* What messages and comments call a node: source, stage, sink, route, branch or late stream. */
const char *node_word(const node *n);

/* sema_nats.c: nats("URL", ...) as a source or sink; a sink's subject template once its type is known. */
bool sema_nats_endpoint(arena *a, diag *d, node *n, ast_expr *e, bool is_source);
void sema_nats_subject(arena *a, diag *d, node *n);

/* base_dir: where relative paths in the file resolve (the file's directory). */
/* syslog(SCHEMA, year: N) on source n, its schema resolved (sema_syslog.c). */
void sema_check_syslog(diag *d, node *n, const ast_expr *format);

program *sema_check(arena *a, diag *d, ast_program *ast, const char *file, const char *base_dir);

#endif
