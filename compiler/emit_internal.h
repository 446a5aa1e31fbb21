/* What the emitter's files share: the emitter state, the one emit() that writes
 * a line of C, a growable string for building expressions, and the pieces each
 * file offers the others. Private to compiler/emit*.c. */
#ifndef RGP_EMIT_INTERNAL_H
#define RGP_EMIT_INTERNAL_H
#include <stdio.h>
#include "emit.h"

#define RGP_BATCH 256   /* records claimed (parser) and read (consumer) per batch, at most */

typedef struct emitter {
    const plan *pl;
    const program *p;
    const emit_options *o;
    char *buf;
    size_t len, cap;
    int lines;                  /* newlines emitted so far, for #line back into the C file */
    int indent;
    unsigned rgp_line;          /* the .rgp line the C lines are mapped to now, 0 for none */
    const char *c_name;
    int tmp;                    /* counter for unique local names */
    const rectype **written;    /* (type, format) pairs that have a write function: */
    format_kind *written_fmt;   /* room for each type in each format, and a variant per sink */
    int *written_floats;        /* its decimals for f64 fields (floats: N), or -1 */
    int nwritten;
    const rectype **slotted;    /* record types that have a slot type and put_ function: */
    int nslotted;               /* room for each type */
    const plan_thread *thread;  /* the thread whose loop is being written, or NULL */
} emitter;

typedef struct sbuf { char *s; size_t len, cap; } sbuf;
void sb(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* emit.c */
void emit(emitter *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void blank(emitter *e);
void line_to_rgp(emitter *e, srcloc at);
void line_to_c(emitter *e);
void c_string(sbuf *b, const char *s, size_t n);
const char *ctype(type_id t);
int endpoint_index(const program *p, const node *n);
void emit_slot_type(emitter *e, const rectype *r);
const char *writer_name(const rectype *r, format_kind fmt);
/* emit_env.c: env(...) statics, and their start-up reads (paths of sources and sinks too) */
void emit_env_globals(emitter *e);
void emit_env_read(emitter *e);
/* The write function a sink calls: writer_name's, or a variant for its floats: N. */
const char *sink_writer_name(const node *sink);
/* Whether a sink counts the records whose invalid UTF-8 it replaced (JSON lines with strings). */
bool sink_counts_replaced(const node *sink);

/* emit_expr.c */
const char *helper_suffix(type_id t);
void expr_c(sbuf *b, const ast_expr *x, const char *rec);
void emit_user_expr(emitter *e, const ast_expr *x, const char *rec, const char *prefix, const char *suffix);

/* emit_threads.c: rings, thread bodies, and starting them in main */
void emit_threads(emitter *e);
void emit_thread_start(emitter *e);
void emit_deliver(emitter *e, const plan *pl, const plan_ring *r, const char *rec);
/* Merged streams: how many lanes (inputs, nested merges flattened) a ring's
 * records come through, 1 for an unmerged one; the lanes an event-time window
 * or throttle reads (1: it keeps one watermark, or none); and the idle option
 * of the source behind a lane. */
int ring_lanes(const plan *pl, const plan_ring *r);
int op_lanes(const plan *pl, const ast_op *o);
long long op_lane_idle_ms(const plan *pl, const ast_op *o, int lane);

/* emit_metrics.c: every component's counters (runtime/counters.h), the metrics server */
void emit_metrics_globals(emitter *e);
void emit_metrics_received(emitter *e, const node *n);
void emit_metrics_sent(emitter *e, const node *n);
void emit_metrics_publish(emitter *e, const plan_thread *t);
void emit_metrics_source_end(emitter *e, const plan_thread *t);
void emit_metrics_default(emitter *e);
void emit_metrics_listen(emitter *e);
void emit_metrics_start(emitter *e, int nstats);
void emit_metrics_stop(emitter *e);
void emit_progress_start(emitter *e);
void emit_progress_stop(emitter *e);
/* emit_threads.c, for the metrics: the loss counters of a stage, each handed to fn, and a slow reader's drops */
typedef void loss_fn(emitter *e, const node *who, const char *cause, const char *n, const char *of, const char *detail,
                     const ast_op *window);
void emit_stage_losses(emitter *e, const node *st, loss_fn *fn);
void thread_drops_expr(emitter *e, const plan_thread *t, char *n, size_t cap);
const plan_thread *merge_feeder(const plan *pl, const node *m, int i);
void fault_counter(const node *st, const ast_op *o, const plan_thread *t, const char *which, char *out, size_t cap);

/* emit_ops.c: the operators a reader runs for each record */
void emit_lookup(emitter *e, const node *st, const ast_op *o, const char *cur, const char *var);
/* emit_map.c: map-valued state */
void emit_map_type(emitter *e, const state_map *m);
void emit_map_assign(emitter *e, const ast_stmt *x, const char *cur);
void emit_map_delete(emitter *e, const ast_stmt *x, const char *cur);
void emit_map_for_open(emitter *e, const ast_stmt *x);
void emit_map_for_close(emitter *e);
void emit_ops(emitter *e, const node *st, const ast_op *o, const char *cur);
void emit_throttle_advance(emitter *e, const node *st, const ast_op *o, const char *now);
void emit_stage(emitter *e, const node *st, const char *rec);
void emit_reader(emitter *e, const node *n, const char *rec);
/* emit_join.c: a stream table's update, in the thread that computes its stream */
void emit_stream_table_update(emitter *e, const node *tab, const char *rec);

/* emit_aggregates.c: group and window operators, per record and at the end */
void emit_group_update(emitter *e, const node *st, const ast_op *o, const char *cur);
void emit_group_flush(emitter *e, const node *st, const ast_op *o);
void emit_window_update(emitter *e, const node *st, const ast_op *o, const char *cur);
void emit_window_close(emitter *e, const node *st, const ast_op *o, const char *upto);
void emit_event_time(emitter *e, const ast_op *o, const char *cur, const char *watermark);
void emit_merged_advance(emitter *e, const node *st, const ast_op *o, const char *now);
/* The group and window operators a thread must finish at the end of input, upstream first. */

/* emit_limit.c: limit N after a group or window */
void emit_limit_state(emitter *e, const node *st, const ast_op *o);
void emit_limit(emitter *e, const node *st, const ast_op *o, const char *cur);
void emit_batch_end(emitter *e, const node *st, const ast_op *o);

/* emit_sort.c: sort by FIELD [desc], ... after a group or window */
void emit_sort_state(emitter *e, const node *st, const ast_op *o);
void emit_sort_add(emitter *e, const node *st, const ast_op *o, const char *cur);
void emit_sort_flush(emitter *e, const node *st, const ast_op *o);

/* emit_journal.c: journal sources and sinks */
void journal_schema_text(sbuf *b, const rectype *r);
void emit_journal_writer(emitter *e, const rectype *r);
void emit_journal_parser(emitter *e, const rectype *r);
void emit_journal_globals(emitter *e);
void emit_journal_open(emitter *e);
void emit_journal_close(emitter *e);

/* emit_checkpoint.c: options { checkpoint: "DIR" } (runtime/checkpoint.h) */
bool emit_checkpoints(const program *p);
int ckpt_component(const plan *pl, const node *n, const ast_op *op);
void emit_checkpoint_globals(emitter *e);
void emit_checkpoint_source_locals(emitter *e);
void emit_checkpoint_source_check(emitter *e, const plan_thread *t, unsigned long long batch);
void emit_checkpoint_source_end(emitter *e, const plan_thread *t, unsigned long long batch);
void emit_checkpoint_run_locals(emitter *e);
void emit_checkpoint_batch(emitter *e, const plan_thread *t);
void emit_checkpoint_barrier(emitter *e, const plan_thread *t);
void emit_checkpoint_close(emitter *e, const plan_thread *t);
const char *emit_checkpoint_flush_guard(const emitter *e);
void emit_checkpoint_load(emitter *e);
void emit_checkpoint_seek(emitter *e);
void emit_checkpoint_start(emitter *e);
void emit_checkpoint_finish(emitter *e);
/* emit_net.c: tcp and udp sources, tcp sinks */
bool emit_is_net(const node *n);
void emit_net_globals(emitter *e);
void emit_net_open(emitter *e);
void emit_net_close(emitter *e);
void emit_net_parse_locals(emitter *e, const node *src);
const char *emit_net_stop_guard(const node *src);
void emit_net_next(emitter *e, const node *src, unsigned long long batch);
void emit_net_wait(emitter *e, const node *src);

/* emit_nats.c: nats sources (and their drain) and sinks */
bool emit_uses_nats(const program *p);
void emit_nats_link(emitter *e);
void emit_nats_globals(emitter *e);
void emit_nats_open(emitter *e);
void emit_nats_close(emitter *e);
void emit_nats_done_globals(emitter *e);
void emit_nats_drains(emitter *e);
void emit_nats_idle_done(emitter *e, const plan_thread *t);
void emit_nats_batch_done(emitter *e, const plan_thread *t);
void emit_nats_next(emitter *e, const node *src);
void emit_nats_wait(emitter *e, const node *src);
void emit_nats_sink_before(emitter *e, const node *sink, const char *rec);
void emit_nats_sink_after(emitter *e, const node *sink);

/* emit_csv.c: csv sources with a header, matched to the schema by column name */
void emit_csv_named_parser(emitter *e, const rectype *r);
void csv_delim_literal(sbuf *b, char d);
void emit_csv_header_globals(emitter *e);
void emit_csv_headers_read(emitter *e);
void emit_csv_headers_free(emitter *e);
void emit_csv_row_fields(emitter *e, const node *src);
void emit_csv_parse_call(emitter *e, const node *src, const char *copied);
/* emit_csv_scan.c: the one-pass CSV parser, for the rows it can take whole */
bool emit_csv_scans(const node *src);
void emit_csv_scanner(emitter *e, const rectype *r);
void emit_csv_scan_call(emitter *e, const node *src, const char *delim, const char *copied);

/* emit_follow.c: file("PATH", follow: true, state: "PATH") sources */
bool emit_follow_watch(const program *p);
void emit_follow_globals(emitter *e);
void emit_follow_drained(emitter *e);
void emit_follow_idle(emitter *e, const plan_thread *t);
void emit_follow_open(emitter *e);
void emit_follow_wait(emitter *e, const node *src);
void emit_follow_end(emitter *e, const node *src);
void emit_follow_close(emitter *e);

/* emit_syslog.c: syslog(SCHEMA) sources */
void emit_syslog_parser(emitter *e, const rectype *r);
void emit_syslog_parse_call(emitter *e, const node *src, const char *copied);

/* emit_regex.c: patterns compiled at start-up, match data per thread */
bool emit_uses_regex(const program *p);
void emit_regex_globals(emitter *e);
void emit_regex_compile(emitter *e);
void emit_regex_free(emitter *e);
void emit_regex_thread_begin(emitter *e);
void emit_regex_thread_end(emitter *e);

/* emit_join.c: lookup tables (their types, loaders and reload) and the join operator */
typedef enum join_point { JOIN_DECLARE, JOIN_ENTER, JOIN_LEAVE } join_point;
void emit_record_members(emitter *e, const rectype *r);
void emit_lookup_tables(emitter *e);
void emit_tables_on_hup(emitter *e);
void emit_tables_load(emitter *e);
void emit_tables_reload_start(emitter *e);
void emit_tables_free(emitter *e);
void emit_join_thread(emitter *e, const plan_thread *t, join_point at);
void emit_join_prefetch(emitter *e, const plan_thread *t, const rectype *r);
void emit_join_state(emitter *e, const node *st, const ast_op *o);
void emit_join(emitter *e, const node *st, const ast_op *o, const char *cur);

/* emit_tables.c: the per-operator tables */
const char *table_name(const node *st, const ast_op *op);
const char *value_type(const node *st, const ast_op *o);
bool keyed_by_start(const ast_op *o);
bool keyed_by_span(const plan *pl, const ast_op *o);
bool aggs_own_memory(const ast_op *o);
void emit_table(emitter *e, const node *st, const ast_op *o);

#endif
