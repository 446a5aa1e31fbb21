/* ring_bench.c - rgp's contender in `make bench-ring`: the LMAX perf-test
 * shapes on rgp's own runtime, driven the way generated code drives it
 * (producers claim and publish in batches of 256, consumers release at most
 * 1024 at a time; see emit_parse_thread and emit_run_thread in compiler/emit_threads.c).
 *
 *   ring_bench SHAPE STRATEGY [COUNT [WARMUP_PASSES [PAUSE_NS]]]   (COUNT: as bench.h)
 *
 * SHAPE 1p1c 1p3c pipeline 3p1c pingpong, STRATEGY spin yield block adaptive:
 * runtime/sequencer.h and wait.h, the ring every generated program runs on. */
#include "bench.h"
#include "sequencer.h"

#define RING_1P1C (1u << 16) /* LMAX's ring sizes */
#define RING_3P1C (1u << 16)
#define RING_1P3C (1u << 13)
#define RING_PIPELINE (1u << 13)
#define RING_PINGPONG (1u << 10)
#define BATCH 256         /* RGP_BATCH in compiler/emit.c */
#define RELEASE_MAX 1024  /* RGP_BATCH * 4: the consumer's release bound */

/* ---- sequencer.h: the throughput shapes ------------------------------------ */

enum { OP_ADD, OP_SUB, OP_AND, OP_STEP1, OP_STEP2 };

typedef struct seq_consumer {
    rgp_disruptor *d;
    rgp_consumer *c;
    bench_ready *ready;
    int op;
    uint64_t acc; /* read after join */
} seq_consumer;

/* One event processor: takes what its barrier allows, at most RELEASE_MAX,
 * in place, and releases it with one store. The multicast consumers fold the
 * values (LMAX's addition, subtraction, and); pipeline stages one and two
 * rewrite the event for the stage after them; the last stage sums. */
static void *seq_consumer_run(void *arg)
{
    seq_consumer *k = arg;
    uint64_t next = rgp_disruptor_first_seq(k->d);
    uint64_t acc = k->op == OP_AND ? ~(uint64_t)0 : 0;

    bench_ready_signal(k->ready);
    for (;;) {
        uint64_t end = rgp_consumer_wait(k->c, next, RELEASE_MAX);
        if (end == next)
            break; /* closed and drained */
        for (uint64_t s = next; s != end; s++) {
            uint64_t *v = rgp_disruptor_slot(k->d, s);
            switch (k->op) {
            case OP_ADD: acc += *v; break;
            case OP_SUB: acc -= *v; break;
            case OP_AND: acc &= *v; break;
            case OP_STEP1: *v += 1; break;
            default: *v *= 2; break;
            }
        }
        rgp_consumer_release(k->c, end);
        next = end;
    }
    k->acc = acc;
    return NULL;
}

static int wait_kind(const char *name)
{
    if (strcmp(name, "spin") == 0) return RGP_WAIT_SPIN;
    if (strcmp(name, "yield") == 0) return RGP_WAIT_YIELD;
    if (strcmp(name, "block") == 0) return RGP_WAIT_BLOCK;
    if (strcmp(name, "adaptive") == 0) return RGP_WAIT_ADAPTIVE;
    return -1;
}

typedef struct seq_publisher {
    rgp_disruptor *d;
    bench_ready *go; /* producers start together (LMAX's CyclicBarrier) */
    uint64_t n;
} seq_publisher;

/* One of the 3P->1C producers: n events, values 0 .. n-1, claimed with one
 * fetch-add per batch. */
static void *seq_publisher_run(void *arg)
{
    seq_publisher *p = arg;
    rgp_producer prod;
    uint64_t i = 0;

    rgp_producer_init(&prod, p->d);
    bench_ready_signal(p->go);
    bench_ready_wait(p->go, 4);
    while (i < p->n) {
        uint64_t k = p->n - i < BATCH ? p->n - i : BATCH;
        uint64_t seq = rgp_mp_claim(&prod, k);
        for (uint64_t j = 0; j < k; j++)
            *(uint64_t *)rgp_disruptor_slot(p->d, seq + j) = i + j;
        rgp_mp_publish(p->d, seq, seq + k);
        i += k;
    }
    rgp_disruptor_close(p->d);
    return NULL;
}

/* The single producer of 1P->1C, multicast and pipeline: values 0 .. n-1 in
 * claims of BATCH, one publish each. */
static void seq_produce(rgp_disruptor *d, uint64_t n)
{
    uint64_t i = 0;

    while (i < n) {
        uint64_t k = n - i < BATCH ? n - i : BATCH;
        uint64_t seq = rgp_sp_claim(d, k);
        for (uint64_t j = 0; j < k; j++)
            *(uint64_t *)rgp_disruptor_slot(d, seq + j) = i + j;
        rgp_sp_publish(d, seq + k);
        i += k;
    }
    rgp_disruptor_close(d);
}

/* One pass of a throughput shape over n events (3P->1C: 3 * (n / 3));
 * returns nanoseconds from the first claim until every consumer is done. */
static uint64_t seq_pass(const char *shape, int kind, uint64_t n)
{
    rgp_disruptor *d = bench_alloc(sizeof *d);
    bench_ready *ready = bench_alloc(sizeof *ready);
    seq_consumer k[3];
    seq_publisher pub[3];
    pthread_t ct[3], pt[3];
    int nc = 0, np = 0, i;
    uint64_t t0, t1, per = n / 3;

    memset(k, 0, sizeof k);
    if (strcmp(shape, "1p1c") == 0 || strcmp(shape, "3p1c") == 0) {
        int multi = shape[0] == '3';
        if (rgp_disruptor_init(d, multi ? RING_3P1C : RING_1P1C, sizeof(uint64_t), multi ? 3 : 1, kind) != 0)
            bench_die("rgp_disruptor_init failed");
        k[0].c = rgp_disruptor_add_consumer(d, NULL, 0, RGP_POLICY_BLOCK, 0);
        k[0].op = OP_ADD;
        nc = 1;
    } else if (strcmp(shape, "1p3c") == 0) {
        if (rgp_disruptor_init(d, RING_1P3C, sizeof(uint64_t), 1, kind) != 0)
            bench_die("rgp_disruptor_init failed");
        for (i = 0; i < 3; i++) {
            k[i].c = rgp_disruptor_add_consumer(d, NULL, 0, RGP_POLICY_BLOCK, 0);
            k[i].op = OP_ADD + i;
        }
        nc = 3;
    } else { /* pipeline: each stage depends on the one before */
        if (rgp_disruptor_init(d, RING_PIPELINE, sizeof(uint64_t), 1, kind) != 0)
            bench_die("rgp_disruptor_init failed");
        for (i = 0; i < 3; i++) {
            k[i].c = rgp_disruptor_add_consumer(d, i ? &k[i - 1].c : NULL, i ? 1 : 0, RGP_POLICY_BLOCK, 0);
            k[i].op = i == 0 ? OP_STEP1 : i == 1 ? OP_STEP2 : OP_ADD;
        }
        nc = 3;
    }
    for (i = 0; i < nc; i++) {
        if (!k[i].c)
            bench_die("rgp_disruptor_add_consumer failed");
        k[i].d = d;
        k[i].ready = ready;
        bench_start(&ct[i], seq_consumer_run, &k[i]);
    }
    bench_ready_wait(ready, nc);
    if (strcmp(shape, "3p1c") == 0) {
        bench_ready *go = bench_alloc(sizeof *go);
        np = 3;
        for (i = 0; i < np; i++) {
            pub[i].d = d;
            pub[i].go = go;
            pub[i].n = per;
            bench_start(&pt[i], seq_publisher_run, &pub[i]);
        }
        bench_ready_wait(go, 3);
        t0 = bench_now_ns();
        bench_ready_signal(go); /* the fourth party: go */
        for (i = 0; i < np; i++)
            pthread_join(pt[i], NULL);
        free(go);
    } else {
        t0 = bench_now_ns();
        seq_produce(d, n);
    }
    for (i = 0; i < nc; i++)
        pthread_join(ct[i], NULL);
    t1 = bench_now_ns();

    if (strcmp(shape, "3p1c") == 0) {
        bench_check("rgp 3p1c sum", k[0].acc, 3 * (per * (per - 1) / 2));
    } else if (strcmp(shape, "pipeline") == 0) {
        bench_check("rgp pipeline sum", k[2].acc, n * (n + 1)); /* sum of 2 * (i + 1) */
    } else {
        bench_check("rgp add", k[0].acc, n * (n - 1) / 2);
        if (nc == 3) {
            bench_check("rgp sub", k[1].acc, (uint64_t)0 - n * (n - 1) / 2);
            bench_check("rgp and", k[2].acc, 0);
        }
    }
    rgp_disruptor_destroy(d);
    free(ready);
    free(d);
    return t1 - t0;
}

/* ---- sequencer.h: ping-pong ------------------------------------------------ */

typedef struct seq_pingpong {
    rgp_disruptor ping, pong;
    rgp_consumer *ping_c, *pong_c;
    bench_ready ready;
} seq_pingpong;

/* Echoes every ping into the pong ring until the ping ring closes. */
static void *seq_ponger(void *arg)
{
    seq_pingpong *b = arg;
    uint64_t next = rgp_disruptor_first_seq(&b->ping);

    bench_ready_signal(&b->ready);
    for (;;) {
        uint64_t end = rgp_consumer_wait(b->ping_c, next, RELEASE_MAX);
        if (end == next)
            break;
        for (; next != end; next++) {
            uint64_t v = *(const uint64_t *)rgp_disruptor_slot(&b->ping, next);
            uint64_t out = rgp_sp_claim(&b->pong, 1);
            *(uint64_t *)rgp_disruptor_slot(&b->pong, out) = v;
            rgp_sp_publish(&b->pong, out + 1);
        }
        rgp_consumer_release(b->ping_c, end);
    }
    rgp_disruptor_close(&b->pong);
    return NULL;
}

static void seq_pingpong_pass(int kind, uint64_t warm, uint64_t n, uint64_t pause_ns, uint64_t *s)
{
    seq_pingpong *b = bench_alloc(sizeof *b);
    struct timespec settle = {0, 100 * 1000 * 1000};
    uint64_t in, k;
    pthread_t p;

    if (rgp_disruptor_init(&b->ping, RING_PINGPONG, sizeof(uint64_t), 1, kind) != 0 ||
        rgp_disruptor_init(&b->pong, RING_PINGPONG, sizeof(uint64_t), 1, kind) != 0)
        bench_die("rgp_disruptor_init failed");
    b->ping_c = rgp_disruptor_add_consumer(&b->ping, NULL, 0, RGP_POLICY_BLOCK, 0);
    b->pong_c = rgp_disruptor_add_consumer(&b->pong, NULL, 0, RGP_POLICY_BLOCK, 0);
    if (!b->ping_c || !b->pong_c)
        bench_die("rgp_disruptor_add_consumer failed");
    in = rgp_disruptor_first_seq(&b->pong);
    bench_start(&p, seq_ponger, b);
    bench_ready_wait(&b->ready, 1);
    nanosleep(&settle, NULL);
    for (k = 0; k < warm + n; k++) {
        uint64_t t0 = bench_now_ns(), t1, end, out;
        out = rgp_sp_claim(&b->ping, 1);
        *(uint64_t *)rgp_disruptor_slot(&b->ping, out) = k;
        rgp_sp_publish(&b->ping, out + 1);
        end = rgp_consumer_wait(b->pong_c, in, RELEASE_MAX);
        t1 = bench_now_ns();
        bench_check("rgp pingpong echo", *(const uint64_t *)rgp_disruptor_slot(&b->pong, in), k);
        rgp_consumer_release(b->pong_c, end);
        in = end;
        if (k >= warm)
            s[k - warm] = t1 - t0;
        bench_pause(t1, pause_ns);
    }
    rgp_disruptor_close(&b->ping);
    pthread_join(p, NULL);
    rgp_disruptor_destroy(&b->ping);
    rgp_disruptor_destroy(&b->pong);
    free(b);
}

/* ---- main ---------------------------------------------------------------- */

int main(int argc, char **argv)
{
    bench_args a = bench_parse(argc, argv,
                               "  SHAPE 1p1c 1p3c pipeline 3p1c pingpong, STRATEGY spin yield block adaptive\n");
    uint64_t warm_n = a.count < BENCH_WARMUP_CAP ? a.count : BENCH_WARMUP_CAP;
    uint64_t warm = bench_pingpong_warm(a.count);
    int w;

    int kind = wait_kind(a.strat);
    if (kind < 0) {
        fprintf(stderr, "ring_bench: unknown strategy '%s', expected spin, yield, block or adaptive\n", a.strat);
        return 1;
    }
    if (strcmp(a.shape, "pingpong") == 0) {
        uint64_t *s = bench_alloc(a.count * sizeof *s);
        for (w = 0; w < a.warmups; w++)
            seq_pingpong_pass(kind, warm, warm < a.count ? warm : a.count, a.pause_ns, s);
        seq_pingpong_pass(kind, warm, a.count, a.pause_ns, s);
        bench_print_latency("rgp", a.strat, s, a.count, a.pause_ns);
        free(s);
        return 0;
    }
    if (strcmp(a.shape, "1p1c") == 0 || strcmp(a.shape, "1p3c") == 0 ||
        strcmp(a.shape, "pipeline") == 0 || strcmp(a.shape, "3p1c") == 0) {
        uint64_t n = strcmp(a.shape, "3p1c") == 0 ? a.count / 3 * 3 : a.count;
        for (w = 0; w < a.warmups; w++)
            seq_pass(a.shape, kind, warm_n);
        bench_print_throughput("rgp", a.shape, a.strat, n, seq_pass(a.shape, kind, a.count));
        return 0;
    }
    fprintf(stderr, "ring_bench: unknown shape '%s', expected 1p1c, 1p3c, pipeline, 3p1c or pingpong\n", a.shape);
    return 1;
}
