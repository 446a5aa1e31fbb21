/* gen.c - writes the order-book benchmark's input (bench/orderbook/run.sh):
 * EVENTS CSV rows of ts,op,id,sym,side,price,qty from a fixed seed, the same
 * bytes on every machine. The model is examples/make_data.sh's: each of SYMS
 * symbols has a price that walks a cent at a time; adds rest 1 to 15 cents
 * from it (bids below, asks above), modifies change an order's size and now
 * and then its price, cancels remove one, and the orders a move of the price
 * passes are cancelled first, so no book crosses. About 45% adds, 30%
 * modifies, 25% cancels. Every row names its symbol, as ITCH's stock locate
 * does; a modify or cancel has no side (empty), a cancel no price or qty (0).
 * Usage: gen EVENTS [SYMS] > orders.csv */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* splitmix64, as in the other generators: tiny and the same everywhere. */
static uint64_t state = 77;
static uint64_t next_u64(void)
{
    uint64_t z = (state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}
static double rand01(void) { return (double)(next_u64() >> 11) / 9007199254740992.0; }

enum { MAX_SYMS = 64, MAX_LIVE = 4096 };
typedef struct order { uint64_t id; int buy; long price; } order;
typedef struct book { long mid; int n; order live[MAX_LIVE]; } book;
static book books[MAX_SYMS];
static long long ts = 1767259800000LL, events, wanted;

static void row(const char *op, uint64_t id, int sym, const char *side, long price, long qty)
{
    printf("%lld,%s,%llu,S%02d,%s,%ld,%ld\n", ts, op, (unsigned long long)id, sym, side, price, qty);
    events++;
}

static long away(const book *b, int buy) { return b->mid + (buy ? -1 : 1) * (1 + (long)(rand01() * rand01() * 15)); }

static void cancel(book *b, int s, int k)
{
    row("cancel", b->live[k].id, s, "", 0, 0);
    b->live[k] = b->live[--b->n];
}

int main(int argc, char **argv)
{
    if (argc < 2) { fputs("usage: gen EVENTS [SYMS]\n", stderr); return 1; }
    wanted = atoll(argv[1]);
    int syms = argc > 2 ? atoi(argv[2]) : 8;
    if (wanted < 1 || syms < 1 || syms > MAX_SYMS) { fputs("gen: EVENTS >= 1, SYMS 1 to 64\n", stderr); return 1; }
    uint64_t ids = 0;
    for (int s = 0; s < syms; s++) books[s].mid = 1000 + (long)(rand01() * 50000);
    puts("ts,op,id,sym,side,price,qty");
    while (events < wanted) {
        ts += (long long)(next_u64() % 3);
        int s = (int)(next_u64() % (uint64_t)syms);
        book *b = &books[s];
        if (rand01() < 0.03) {   /* the price moves a cent; the orders it passes are pulled */
            b->mid += rand01() < 0.5 ? 1 : -1;
            for (int k = b->n - 1; k >= 0 && events < wanted; k--)
                if (b->live[k].buy ? b->live[k].price >= b->mid : b->live[k].price <= b->mid) cancel(b, s, k);
            continue;
        }
        double r = rand01();
        if ((b->n < 40 || r < 0.45) && b->n < MAX_LIVE) {
            order o = {++ids, rand01() < 0.5, 0};
            o.price = away(b, o.buy);
            b->live[b->n++] = o;
            row("add", o.id, s, o.buy ? "B" : "S", o.price, 100 * (1 + (long)(rand01() * 10)));
        } else if (r < 0.75) {
            order *o = &b->live[next_u64() % (uint64_t)b->n];
            if (rand01() < 0.3) o->price = away(b, o->buy);
            row("modify", o->id, s, "", o->price, 100 * (1 + (long)(rand01() * 10)));
        } else {
            cancel(b, s, (int)(next_u64() % (uint64_t)b->n));
        }
    }
    return 0;
}
