/* Plan tests: for each shape of pipeline, the rings, the threads, what each
 * thread runs (its nodes, entries, outputs, sinks and flushes) and why it
 * exists. Every program states its budget (`options { threads: N }`) so the
 * plan does not depend on the machine that runs the tests. */
#include <check.h>
#include <stdlib.h>
#include "check_util.h"

static compilation C;

static const plan *plan_of(const char *text)
{
    char errs[4096];
    ck_assert_msg(compile_capture(&C, text, errs, sizeof errs) == 0, "%s", errs);
    return C.plan;
}

static void done(void) { driver_free(&C); }

static const plan_thread *thread_named(const plan *pl, const char *name)
{
    for (int i = 0; i < pl->nthreads; i++)
        if (!strcmp(pl->threads[i]->name, name)) return pl->threads[i];
    ck_abort_msg("no thread %s", name);
    return NULL;
}

static const node *stream_named(const plan *pl, const char *name)
{
    const program *p = pl->prog;
    for (int i = 0; i < p->nsources; i++) if (!strcmp(p->sources[i]->name, name)) return p->sources[i];
    for (int i = 0; i < p->nstages; i++) if (!strcmp(p->stages[i]->name, name)) return p->stages[i];
    for (int i = 0; i < p->nsinks; i++) if (!strcmp(p->sinks[i]->name, name)) return p->sinks[i];
    ck_abort_msg("no node %s", name);
    return NULL;
}

/* The names of a thread's nodes, space separated. */
static const char *nodes_of(const plan_thread *t)
{
    static char out[1024];
    out[0] = 0;
    for (int i = 0; i < t->nnodes; i++)
        snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s", i ? " " : "", t->nodes[i]->name);
    return out;
}

/* What every plan must hold: each live node in exactly one thread's body, the
 * thread it names; each thread with a reason; each run thread's entries read its ring. */
static void check_invariants(const plan *pl)
{
    const program *p = pl->prog;
    int n = p->nsources + p->nstages + p->nsinks;
    for (int j = 0; j < n; j++) {
        const node *x = j < p->nsources ? p->sources[j] : j < p->nsources + p->nstages ? p->stages[j - p->nsources]
                                                                                       : p->sinks[j - p->nsources - p->nstages];
        if (!plan_is_live(x)) continue;
        int seen = 0;
        for (int i = 0; i < pl->nthreads; i++)
            for (int k = 0; k < pl->threads[i]->nnodes; k++)
                if (pl->threads[i]->nodes[k] == x) {
                    seen++;
                    ck_assert_ptr_eq(plan_thread_of(pl, x), pl->threads[i]);
                }
        ck_assert_msg(seen == (x->ninputs ? 0 : 1), "%s is run by %d threads", x->name, seen);
    }
    for (int i = 0; i < pl->nthreads; i++) {
        const plan_thread *t = pl->threads[i];
        ck_assert_msg(t->why && *t->why, "thread %s says why it exists", t->name);
        ck_assert_int_eq(t->index, i);
        if (t->kind != TH_RUN) continue;
        ck_assert_int_ge(t->nentries, 1);
        ck_assert_ptr_eq(t->entry, t->entries[0]);
        for (int k = 0; k < t->nentries; k++) {
            const node *e = t->entries[k];
            bool reads = e->input == t->in->stream;
            for (int m = 0; m < e->ninputs; m++) reads |= e->inputs[m] == t->in->stream;
            ck_assert_msg(reads, "entry %s of %s reads ring %s", e->name, t->name, t->in->name);
        }
    }
}

START_TEST(test_source_to_sink)
{
    const plan *pl = plan_of("options { threads: 2 }\n" SCHEMA_R "sink o = stdout as csv <- src\n");
    check_invariants(pl);
    ck_assert_int_eq(pl->nrings, 1);
    ck_assert_str_eq(pl->rings[0]->name, "src");
    ck_assert_int_eq(pl->nthreads, 2);
    const plan_thread *t = thread_named(pl, "o.run");
    ck_assert_ptr_eq(t->in, pl->rings[0]);
    ck_assert_int_eq(t->nsinks, 1);
    ck_assert_int_eq(t->nouts, 0);
    ck_assert_int_eq(thread_named(pl, "src.parse")->nouts, 1);
    done();
}
END_TEST

/* The sensor job on two cores: the parser, which applies the filter valid
 * before it publishes, and one thread that runs every reader of the filtered
 * stream in turn. */
static const char *sensors =
    "schema Reading { sensor_id: u32, site: str, value: f64, ts: time }\n"
    "source readings = stdin as csv(Reading)\n"
    "stage valid = readings | where value >= -40.0 and value <= 125.0\n"
    "stage hot = valid | where value > 80.0 | select { ts, sensor_id, site, value, over: value - 80.0 }\n"
    "stage spikes = valid | by sensor_id state { n: u64 = 0, sum: f64 = 0.0 } {\n"
    "    if n >= 10 and value > 1.5 * sum / n { emit { ts, sensor_id, value } }\n"
    "    n += 1\n"
    "    sum += value\n"
    "}\n"
    "stage summary = valid | group by sensor_id { readings: count(), mean: avg(value) }\n"
    "sink alerts = stdout as csv <- hot\n"
    "sink archive = file(\"hot.jsonl\") as jsonl <- hot\n"
    "sink spiked = file(\"spikes.csv\") as csv <- spikes\n"
    "sink table = file(\"summary.csv\") as csv <- summary\n";

START_TEST(test_fan_out_shares_a_thread)
{
    char text[2048];
    snprintf(text, sizeof text, "options { threads: 2 }\n%s", sensors);
    const plan *pl = plan_of(text);
    check_invariants(pl);
    ck_assert_int_eq(pl->nthreads, 2);
    ck_assert_int_eq(pl->nrings, 1);
    ck_assert_ptr_null(plan_ring_of(pl, stream_named(pl, "readings")));   /* no record filtered out crosses a ring */
    ck_assert_ptr_nonnull(plan_ring_of(pl, stream_named(pl, "valid")));
    ck_assert_ptr_null(plan_ring_of(pl, stream_named(pl, "hot")));
    const plan_thread *parse = thread_named(pl, "readings.parse");
    ck_assert_str_eq(nodes_of(parse), "readings valid");
    ck_assert_ptr_eq(parse->end, stream_named(pl, "valid"));
    ck_assert_ptr_eq(parse->outs[0].ring, plan_ring_of(pl, stream_named(pl, "valid")));
    const plan_thread *t = thread_named(pl, "valid.readers");
    ck_assert_int_eq(t->nentries, 3);
    /* each reader in declaration order, its sinks right after it */
    ck_assert_str_eq(nodes_of(t), "hot alerts archive spikes spiked summary table");
    ck_assert_int_eq(t->nsinks, 4);
    ck_assert_int_eq(t->nflushes, 1);
    ck_assert_str_eq(t->flushes[0].stage->name, "summary");
    ck_assert_int_eq(pl->cuts, 0);
    done();
}
END_TEST

/* With cores to spare, the planner cuts where the busiest thread's work drops
 * most, and never past the budget. */
START_TEST(test_cuts_by_cost_within_budget)
{
    int last = 0;
    for (int budget = 1; budget <= 8; budget++) {
        char text[2048];
        snprintf(text, sizeof text, "options { threads: %d }\n%s", budget, sensors);
        const plan *pl = plan_of(text);
        check_invariants(pl);
        /* a source needs its parser and one reader thread, whatever the budget */
        int want_max = budget < 2 ? 2 : budget;
        ck_assert_int_le(pl->nthreads, want_max);
        ck_assert_int_ge(pl->nthreads, last);   /* more budget never gives fewer threads */
        if (budget <= 2) ck_assert_int_eq(pl->cuts, 0);
        double top = 0;
        for (int i = 0; i < pl->nthreads; i++) if (pl->threads[i]->cost > top) top = pl->threads[i]->cost;
        ck_assert(top > 0);
        if (budget >= 4) {
            ck_assert_int_gt(pl->cuts, 0);
            bool said = false;
            for (int i = 0; i < pl->nthreads; i++) said |= strstr(pl->threads[i]->why, "placed by cost") != NULL;
            ck_assert_msg(said, "a thread placed by cost says so");
        }
        last = pl->nthreads;
        done();
    }
}
END_TEST

/* A stream table and the joins that read it stay in one thread at every budget:
 * the cut cost would make first (each reader of the ring on a thread of its
 * own) would part them, so it is passed over for the next (rings before the
 * heavy sinks). */
START_TEST(test_stream_table_keeps_its_joins)
{
    for (int budget = 1; budget <= 8; budget++) {
        char text[2048];
        snprintf(text, sizeof text,
                 "options { threads: %d }\n"
                 "schema Ev { kind: str, symbol: str, price: f64, a: i64, b: i64, c: i64, d: i64, ts: time }\n"
                 "source ev = file(\"ev.csv\") as csv(Ev)\n"
                 "stage prices = ev | where kind == \"quote\" | select { symbol, price, ts }\n"
                 "table latest = stream prices by symbol\n"
                 "stage filled = ev | where kind == \"trade\" | join latest on symbol\n"
                 "stage left = ev | join latest on symbol or default | select { ts, symbol, a, b, c, d, p: latest.price }\n"
                 "sink o1 = file(\"o1.jsonl\") as jsonl <- filled\n"
                 "sink o2 = file(\"o2.jsonl\") as jsonl <- left\n"
                 "sink o3 = file(\"o3.jsonl\") as jsonl <- ev\n",
                 budget);
        const plan *pl = plan_of(text);
        check_invariants(pl);
        const node *tab = pl->prog->stream_tables[0];
        ck_assert_ptr_nonnull(tab->thread);
        ck_assert_ptr_eq(plan_thread_of(pl, stream_named(pl, "filled")), tab->thread);
        ck_assert_ptr_eq(plan_thread_of(pl, stream_named(pl, "left")), tab->thread);
        ck_assert_ptr_eq(plan_thread_of(pl, stream_named(pl, "prices")), tab->thread);
        if (budget >= 5) ck_assert_int_gt(pl->cuts, 0);   /* the cuts that keep them together are still made */
        done();
    }
}
END_TEST

START_TEST(test_thread_own_and_cpu)
{
    const plan *pl = plan_of("options { threads: 1 }\n" SCHEMA_R
                             "stage a = src | where v > 1.0\n"
                             "sink o = stdout as csv <- a with { thread: own }\n"
                             "sink p = file(\"p.csv\") as csv <- a with { cpu: 1 }\n"
                             "sink q = file(\"q.csv\") as csv <- a\n");
    check_invariants(pl);
    ck_assert_ptr_nonnull(plan_ring_of(pl, stream_named(pl, "a")));
    ck_assert_int_eq(pl->nthreads, 4);   /* src.parse (which filters a), o.run, p.run, q.run */
    ck_assert_str_eq(nodes_of(thread_named(pl, "src.parse")), "src a");
    ck_assert_str_eq(thread_named(pl, "o.run")->why, "thread: own asks for it");
    ck_assert_int_eq(thread_named(pl, "p.run")->cpu, 1);
    ck_assert_int_eq(thread_named(pl, "q.run")->nentries, 1);
    done();
}
END_TEST

START_TEST(test_drop_policies)
{
    const plan *pl = plan_of("options { threads: 1 }\n" SCHEMA_R
                             "sink o = stdout as csv <- src\n"
                             "sink p = file(\"p.csv\") as csv <- src with { policy: drop_oldest(64) }\n"
                             "sink q = file(\"q.csv\") as csv <- src with { policy: drop_newest(64) }\n"
                             "sink r = file(\"r.csv\") as csv <- src\n");
    check_invariants(pl);
    ck_assert_int_eq(pl->nthreads, 4);   /* parse, o and r sharing, p and q alone */
    const plan_thread *shared = thread_named(pl, "src.readers");
    ck_assert_int_eq(shared->nentries, 2);
    ck_assert_str_eq(nodes_of(shared), "o r");
    ck_assert_int_eq(thread_named(pl, "p.run")->policy, POLICY_DROP_OLDEST);
    ck_assert_int_eq(thread_named(pl, "src.parse")->nrelays, 1);   /* the parser fills q's own buffer */
    ck_assert_ptr_eq(thread_named(pl, "src.parse")->relays[0], thread_named(pl, "q.run"));
    done();
}
END_TEST

START_TEST(test_merge)
{
    const plan *pl = plan_of("options { threads: 2 }\n" SCHEMA_R
                             "source b = file(\"b.csv\") as csv(R)\n"
                             "stage x = src | where v > 1.0\n"
                             "stage m = merge(x, b) | where id != 0\n"
                             "sink o = stdout as csv <- m\n");
    check_invariants(pl);
    const plan_ring *r = plan_ring_of(pl, stream_named(pl, "m"));
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->nproducers, 2);
    ck_assert_str_eq(nodes_of(thread_named(pl, "src.parse")), "src x");   /* x filters in place */
    ck_assert_int_eq(thread_named(pl, "m<-x")->nouts, 1);
    ck_assert_ptr_eq(thread_named(pl, "m<-x")->outs[0].ring, r);
    ck_assert_int_eq(thread_named(pl, "m<-b")->nouts, 1);
    ck_assert_int_eq(thread_named(pl, "o.run")->nsinks, 1);
    done();
}
END_TEST

/* Two readers of one stream that meet at a merge each keep a thread, so the
 * merge sees each input's watermark on its own lane. */
START_TEST(test_diamond)
{
    const plan *pl = plan_of("options { threads: 1 }\n" SCHEMA_R
                             "stage x = src | where v > 1.0\n"
                             "stage y = src | where v <= 1.0\n"
                             "stage m = merge(x, y)\n"
                             "stage w = m | window t every 10 s { n: count() }\n"
                             "sink o = stdout as csv <- w\n");
    check_invariants(pl);
    ck_assert_int_eq(pl->nthreads, 4);   /* src.parse, x.run, y.run, w.run */
    ck_assert_ptr_ne(plan_thread_of(pl, stream_named(pl, "x")), plan_thread_of(pl, stream_named(pl, "y")));
    ck_assert_ptr_nonnull(strstr(thread_named(pl, "x.run")->why, "merge"));
    done();
}
END_TEST

START_TEST(test_route)
{
    const plan *pl = plan_of("options { threads: 2 }\n" SCHEMA_R
                             "stage pos = src | where v > 0.0\n"
                             "route r = pos { big: v > 10.0, default: small }\n"
                             "sink o = stdout as csv <- big\n"
                             "sink p = file(\"p.csv\") as csv <- small\n");
    check_invariants(pl);
    ck_assert_int_eq(pl->nthreads, 2);
    ck_assert_str_eq(nodes_of(thread_named(pl, "src.parse")), "src pos");
    const plan_thread *t = thread_named(pl, "r.run");
    ck_assert_str_eq(nodes_of(t), "r big o small p");
    ck_assert_int_eq(t->nsinks, 2);
    done();
}
END_TEST

/* Groups of one thread are flushed upstream first: a group's results reach
 * the groups after it before those are flushed. */
START_TEST(test_many_groups_in_one_thread)
{
    const plan *pl = plan_of("options { threads: 2 }\n" SCHEMA_R
                             "stage g1 = src | group by id { n: count() }\n"
                             "stage g2 = g1 | group { keys: count() }\n"
                             "stage g3 = src | group by s { n: count() }\n"
                             "sink o = stdout as csv <- g2\n"
                             "sink p = file(\"p.csv\") as csv <- g3\n");
    check_invariants(pl);
    const plan_thread *t = thread_named(pl, "src.readers");
    ck_assert_int_eq(t->nflushes, 3);
    ck_assert_str_eq(t->flushes[0].stage->name, "g1");
    ck_assert_str_eq(t->flushes[1].stage->name, "g2");
    ck_assert_str_eq(t->flushes[2].stage->name, "g3");
    done();
}
END_TEST

/* More readers than a ring could have consumers: they share one thread. */
START_TEST(test_many_readers_share)
{
    char text[8192] = "options { threads: 2 }\n" SCHEMA_R;
    for (int i = 0; i < 40; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text), "sink o%d = file(\"o%d.csv\") as csv <- src\n", i, i);
    const plan *pl = plan_of(text);
    check_invariants(pl);
    ck_assert_int_eq(pl->nthreads, 2);
    ck_assert_int_eq(thread_named(pl, "src.readers")->nentries, 40);
    ck_assert_int_eq(thread_named(pl, "src.readers")->nsinks, 40);
    done();
}
END_TEST

/* A chain of filters is applied by the parser; a select, a second reader of
 * the source, or a filter with a policy of its own keeps the source's ring. */
START_TEST(test_filters_in_parser)
{
    const plan *pl = plan_of("options { threads: 2 }\n" SCHEMA_R
                             "stage a = src | where v > 1.0\n"
                             "stage b = a | where id != 3 | where v < 9.0\n"
                             "stage c = b | select { id }\n"
                             "sink o = stdout as csv <- c\n");
    check_invariants(pl);
    ck_assert_str_eq(nodes_of(thread_named(pl, "src.parse")), "src a b");
    ck_assert_ptr_null(plan_ring_of(pl, stream_named(pl, "a")));
    ck_assert_ptr_nonnull(plan_ring_of(pl, stream_named(pl, "b")));
    ck_assert_str_eq(nodes_of(thread_named(pl, "c.run")), "c o");
    done();
    pl = plan_of("options { threads: 2 }\n" SCHEMA_R
                 "stage a = src | select { id, v, t, s }\n"
                 "sink o = stdout as csv <- a\n");
    ck_assert_str_eq(nodes_of(thread_named(pl, "src.parse")), "src");
    done();
    pl = plan_of("options { threads: 2 }\n" SCHEMA_R
                 "stage a = src | where v > 1.0\n"
                 "sink o = stdout as csv <- a\n"
                 "sink p = file(\"p.csv\") as csv <- src\n");
    ck_assert_str_eq(nodes_of(thread_named(pl, "src.parse")), "src");
    done();
    pl = plan_of("options { threads: 2 }\n" SCHEMA_R
                 "stage a = src | where v > 1.0 with { policy: drop_oldest(64) }\n"
                 "sink o = stdout as csv <- a\n");
    ck_assert_str_eq(nodes_of(thread_named(pl, "src.parse")), "src");
    done();
    pl = plan_of("options { threads: 2 }\nschema R { id: u32, v: f64 }\n"
                 "source src = stdin as csv(R) with { ring: 1024 }\n"
                 "stage a = src | where v > 1.0\n"
                 "sink o = stdout as csv <- a\n");
    ck_assert_str_eq(nodes_of(thread_named(pl, "src.parse")), "src");   /* the source's own ring: was asked for */
    done();
}
END_TEST

/* A checkpoint's components: sources, then stateful operators in stage order,
 * then journal sinks, each saved by the thread that runs it, with its
 * fingerprint line; every thread is a part. A file sink saves nothing. */
START_TEST(test_checkpoint_components)
{
    const plan *pl = plan_of("options { threads: 2, checkpoint: \"ck\", every: 2 s }\n"
                             "schema R { id: u32, name: str, v: f64, t: time }\n"
                             "source src = journal(\"in\") as R\n"
                             "stage k = src | where v > 1.0 | by id state { n: u64 = 0 } { n += 1 emit { id, n, t } }\n"
                             "stage d = k | dedup by id on n with { thread: own }\n"
                             "stage w = d | window t every 10 s by id { c: count() }\n"
                             "sink j = journal(\"out\") <- w\n"
                             "sink f = file(\"f.csv\") as csv <- w\n");
    ck_assert_int_eq(pl->prog->checkpoint_every_ms, 2000);
    ck_assert_int_eq(pl->nckpt, 5);
    static const char *const lines[] = {
        "source src: journal(id:u32;name:str;v:f64;t:time)",
        "stage k: by id:u32 state {n:u64}",
        "stage d: dedup by id:u32 on n:u64 within 0 ms",
        "stage w: window every 10000 ms lateness 0 ms ahead 0 ms by id:u32 {c:count()}",
        "sink j: journal(id:u32;window_start:time;window_end:time;c:u64)",
    };
    for (int i = 0; i < 5; i++) ck_assert_str_eq(pl->ckpt[i].line, lines[i]);
    ck_assert_ptr_eq(pl->ckpt[0].t, thread_named(pl, "src.parse"));
    ck_assert_ptr_eq(pl->ckpt[1].t, plan_thread_of(pl, stream_named(pl, "k")));
    ck_assert_ptr_eq(pl->ckpt[2].t, plan_thread_of(pl, stream_named(pl, "d")));
    ck_assert_ptr_ne(pl->ckpt[1].t, pl->ckpt[2].t);   /* thread: own: the barrier crosses a second ring */
    ck_assert_ptr_eq(pl->ckpt[4].t, plan_thread_of(pl, stream_named(pl, "j")));
    ck_assert_int_eq(pl->nckpt_parts, pl->nthreads);
    for (int i = 0; i < pl->nthreads; i++) ck_assert_int_eq(pl->threads[i]->ckpt_part, i);
    done();
    pl = plan_of("options { threads: 2 }\nschema R { id: u32 }\nsource src = journal(\"in\") as R\nsink o = stdout as csv <- src\n");
    ck_assert_int_eq(pl->nckpt, 0);   /* no checkpoint: no parts */
    ck_assert_int_eq(pl->threads[0]->ckpt_part, -1);
    done();
}
END_TEST

Suite *plan_suite(void)
{
    Suite *s = suite_create("plan");
    TCase *c = tcase_create("shapes");
    tcase_add_test(c, test_source_to_sink);
    tcase_add_test(c, test_fan_out_shares_a_thread);
    tcase_add_test(c, test_cuts_by_cost_within_budget);
    tcase_add_test(c, test_thread_own_and_cpu);
    tcase_add_test(c, test_drop_policies);
    tcase_add_test(c, test_merge);
    tcase_add_test(c, test_diamond);
    tcase_add_test(c, test_route);
    tcase_add_test(c, test_many_groups_in_one_thread);
    tcase_add_test(c, test_many_readers_share);
    tcase_add_test(c, test_filters_in_parser);
    tcase_add_test(c, test_stream_table_keeps_its_joins);
    tcase_add_test(c, test_checkpoint_components);
    suite_add_tcase(s, c);
    return s;
}
