/* nats("nats://HOST:PORT", ...): the options of a NATS JetStream source or
 * sink as sema checked them (compiler/sema_nats.c). */
#ifndef RGP_NATS_OPTIONS_H
#define RGP_NATS_OPTIONS_H
#include <stdint.h>
#include "ast.h"

#define RGP_NATS_PARTITIONS_MAX 1024

/* A sink's subject template "alerts.{sensor_id}": text pieces and fields in turn. */
typedef struct nats_piece {
    const char *text;   /* literal text, or NULL for a field */
    size_t len;
    int field;          /* the field's index in the sink's record type */
} nats_piece;

typedef struct nats_options {
    const char *stream;       /* source: the stream the durable consumer reads */
    const char *subject;      /* source: its filter subject (wildcards allowed), or NULL; sink: the template */
    const char *durable;      /* source: the durable consumer's name */
    long long idle_ms;        /* source: the stream ends after this long without a message; 0: never */
    long long ack_wait_ms;    /* source: the server redelivers what is not acked after this long */
    uint64_t pending;         /* sink: publishes awaiting their ack, at most */
    int partitions;           /* source: 0, or N: the stream's subjects are PREFIX.P.KEY, P from 0 to N-1 */
    int partition;            /* source: which P this process reads (PREFIX.P.>), when not from env */
    ast_expr *partition_env;  /* source: partition: env("NAME"): the env(...) call, read at start-up; else NULL */
    int partition_env_index;  /* its entry in the program's envs, once sema.c has checked it */
    srcloc subject_loc;
    nats_piece *pieces;       /* sink: the template, after the sink's type is known */
    int npieces;
} nats_options;

#endif
