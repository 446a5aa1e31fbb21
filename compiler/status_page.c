/* status_page.c - the status page of GET / (runtime/metrics.h), drawn from the
 * plan at compile time: one band per thread, holding the nodes it runs, each
 * ring in the band of the thread that reads it, columns by how far a node is
 * from the sources. The script only fills in numbers; it never lays anything out. */
#include "status_page.h"
#include <stdlib.h>
#include <string.h>

enum { COL_W = 200, BOX_W = 170, BOX_H = 64, RING_H = 44, ROW_H = 78, BAND_TOP = 24, MARGIN = 16 };

/* One box of the drawing: a source, stage or sink, or a ring. */
typedef struct item {
    const node *n;            /* a component, or NULL */
    const plan_ring *r;       /* a ring, or NULL */
    int band, col, row;
    int x, y, h;
} item;

typedef struct layout {
    item *it; int nit;
    int (*edge)[2]; int nedges;
    int nbands;               /* the plan's threads, then one for stages nothing runs */
    int *band_y, *band_h;
    int width, height;
} layout;

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p) { fputs("rgp: out of memory\n", stderr); exit(2); }
    return p;
}

/* XML text: the five characters that would end it escaped. */
static void xml_text(FILE *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '&': fputs("&amp;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default: fputc(*s, out);
        }
    }
}

static int item_of_node(const layout *L, const node *n)
{
    for (int i = 0; i < L->nit; i++) if (L->it[i].n == n) return i;
    return -1;
}

static int item_of_ring(const layout *L, const plan_ring *r)
{
    for (int i = 0; i < L->nit; i++) if (L->it[i].r == r) return i;
    return -1;
}

static void add_edge(layout *L, int from, int to)
{
    if (from < 0 || to < 0) return;
    for (int i = 0; i < L->nedges; i++) if (L->edge[i][0] == from && L->edge[i][1] == to) return;
    L->edge[L->nedges][0] = from;
    L->edge[L->nedges++][1] = to;
}

/* Where a reader of stream s takes its records from: s's ring, or s itself. */
static int feed_of(const layout *L, const plan *pl, const node *s)
{
    const plan_ring *r = plan_ring_of(pl, s);
    return r ? item_of_ring(L, r) : item_of_node(L, s);
}

static void lay_out(layout *L, const plan *pl)
{
    const program *p = pl->prog;
    int cap = p->nsources + p->nstages + p->nsinks + pl->nrings;
    L->it = xcalloc((size_t)cap, sizeof *L->it);
    L->nbands = pl->nthreads + 1;
    for (int i = 0; i < p->nsources; i++) L->it[L->nit++] = (item){.n = p->sources[i]};
    for (int i = 0; i < p->nstages; i++)
        if (p->stages[i]->used) L->it[L->nit++] = (item){.n = p->stages[i]};
    for (int i = 0; i < p->nsinks; i++) L->it[L->nit++] = (item){.n = p->sinks[i]};
    for (int i = 0; i < pl->nrings; i++) L->it[L->nit++] = (item){.r = pl->rings[i]};
    /* bands: a node's thread; a ring, and a merge (fed, not run), its first reader's */
    for (int i = 0; i < L->nit; i++) {
        item *it = &L->it[i];
        const plan_thread *t = it->n ? plan_thread_of(pl, it->n) : NULL;
        const plan_ring *r = it->r ? it->r : it->n && !t ? plan_ring_of(pl, it->n) : NULL;
        if (!t && r && r->nconsumers) t = r->consumers[0];
        it->band = t ? t->index : pl->nthreads;
    }
    /* edges, in the direction records flow */
    int nedges = pl->nrings;
    for (int i = 0; i < L->nit; i++) nedges += L->it[i].n ? L->it[i].n->ninputs + 1 : 0;
    L->edge = xcalloc((size_t)nedges, sizeof *L->edge);
    for (int i = 0; i < pl->nrings; i++) add_edge(L, item_of_node(L, pl->rings[i]->stream), item_of_ring(L, pl->rings[i]));
    for (int i = 0; i < L->nit; i++) {
        const node *n = L->it[i].n;
        if (!n || n->kind == D_SOURCE) continue;
        if (n->ninputs)
            for (int k = 0; k < n->ninputs; k++) add_edge(L, feed_of(L, pl, n->inputs[k]), i);
        else if (n->input)
            add_edge(L, n->owner ? item_of_node(L, n->owner) : feed_of(L, pl, n->input), i);
    }
    /* columns: the longest way from a source (the graph has no cycle) */
    for (int changed = 1, round = 0; changed && round <= L->nit; round++) {
        changed = 0;
        for (int e = 0; e < L->nedges; e++) {
            item *a = &L->it[L->edge[e][0]], *b = &L->it[L->edge[e][1]];
            if (b->col < a->col + 1) b->col = a->col + 1, changed = 1;
        }
    }
    /* rows: within a band and a column, in the order of the items */
    L->band_y = xcalloc((size_t)L->nbands, sizeof *L->band_y);
    L->band_h = xcalloc((size_t)L->nbands, sizeof *L->band_h);
    int maxcol = 0, y = MARGIN;
    for (int i = 0; i < L->nit; i++) {
        item *it = &L->it[i];
        for (int j = 0; j < i; j++) it->row += L->it[j].band == it->band && L->it[j].col == it->col;
        if (it->col > maxcol) maxcol = it->col;
    }
    for (int b = 0; b < L->nbands; b++) {
        int rows = 0;
        for (int i = 0; i < L->nit; i++) if (L->it[i].band == b && L->it[i].row + 1 > rows) rows = L->it[i].row + 1;
        L->band_y[b] = y;
        L->band_h[b] = rows ? BAND_TOP + rows * ROW_H : 0;
        y += rows ? L->band_h[b] + 12 : 0;
    }
    for (int i = 0; i < L->nit; i++) {
        item *it = &L->it[i];
        it->x = MARGIN + 10 + it->col * COL_W;
        it->y = L->band_y[it->band] + BAND_TOP + it->row * ROW_H;
        it->h = it->r ? RING_H : BOX_H;
    }
    L->width = 2 * MARGIN + 20 + (maxcol + 1) * COL_W;
    L->height = y + MARGIN;
}

static const char *kind_class(const node *n)
{
    return n->kind == D_SOURCE ? "source" : n->kind == D_SINK ? "sink" : "stage";
}

static void draw_component(FILE *out, const item *it)
{
    const node *n = it->n;
    fprintf(out, "<g class=\"comp %s\" data-id=\"", kind_class(n));
    xml_text(out, n->name);
    fprintf(out, "\" transform=\"translate(%d,%d)\">\n<title>", it->x, it->y);
    fprintf(out, "%s ", n->ninputs ? "merge" : node_word(n));
    xml_text(out, n->name);
    if (n->kind != D_STAGE && n->path) {
        fputs(": ", out);
        xml_text(out, n->path);
    }
    fprintf(out, "</title>\n<rect width=\"%d\" height=\"%d\" rx=\"%d\"/>\n", BOX_W, BOX_H, n->kind == D_STAGE ? 4 : 12);
    fprintf(out, "<text x=\"8\" y=\"15\" class=\"name\">%s ", n->ninputs ? "merge" : node_word(n));
    xml_text(out, n->name);
    fputs("</text>\n<text x=\"8\" y=\"30\" class=\"rate\">&#8211; rec/s</text>\n"
          "<text x=\"8\" y=\"44\" class=\"total\">in 0 &#183; out 0</text>\n"
          "<text x=\"8\" y=\"58\" class=\"drops\">dropped 0</text>\n</g>\n", out);
}

static void draw_ring(FILE *out, const item *it)
{
    const plan_ring *r = it->r;
    fputs("<g class=\"ring\" data-ring=\"", out);
    xml_text(out, r->name);
    fprintf(out, "\" data-capacity=\"%llu\" transform=\"translate(%d,%d)\">\n", (unsigned long long)r->slots, it->x, it->y);
    fprintf(out, "<title>ring %s: %llu slots, %s, %d producer%s</title>\n", r->name, (unsigned long long)r->slots,
            wait_names[r->wait], r->nproducers, r->nproducers > 1 ? "s" : "");
    fprintf(out, "<rect class=\"frame\" width=\"%d\" height=\"%d\"/>\n", BOX_W, RING_H);
    fprintf(out, "<rect class=\"fill\" x=\"1\" y=\"%d\" width=\"0\" height=\"7\"/>\n", RING_H - 8);
    fputs("<text x=\"8\" y=\"15\" class=\"name\">ring ", out);
    xml_text(out, r->name);
    fprintf(out, "</text>\n<text x=\"8\" y=\"30\" class=\"lag\">lag 0 / %llu</text>\n</g>\n", (unsigned long long)r->slots);
}

static void draw(FILE *out, const layout *L, const plan *pl)
{
    fprintf(out, "<svg id=\"plan\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n", L->width,
            L->height, L->width, L->height);
    fputs("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" "
          "orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\"/></marker></defs>\n", out);
    for (int b = 0; b < L->nbands; b++) {
        if (!L->band_h[b]) continue;
        const plan_thread *t = b < pl->nthreads ? pl->threads[b] : NULL;
        fprintf(out, "<g class=\"thread\"><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"8\"/>\n", MARGIN, L->band_y[b],
                L->width - 2 * MARGIN, L->band_h[b]);
        fprintf(out, "<text x=\"%d\" y=\"%d\">", MARGIN + 8, L->band_y[b] + 16);
        if (t) {
            fputs("thread ", out);
            xml_text(out, t->name);
            if (t->cpu >= 0) fprintf(out, " (cpu %d)", t->cpu);
            fputs(": ", out);
            xml_text(out, t->why);
        } else {
            fputs("not run: no sink reads them", out);
        }
        fputs("</text></g>\n", out);
    }
    for (int e = 0; e < L->nedges; e++) {
        const item *a = &L->it[L->edge[e][0]], *b = &L->it[L->edge[e][1]];
        int x1 = a->x + BOX_W, y1 = a->y + a->h / 2, x2 = b->x, y2 = b->y + b->h / 2;
        fprintf(out, "<path class=\"edge\" d=\"M%d,%d C%d,%d %d,%d %d,%d\" marker-end=\"url(#arrow)\"/>\n", x1, y1, x1 + 20, y1,
                x2 - 20, y2, x2, y2);
    }
    for (int i = 0; i < L->nit; i++) {
        if (L->it[i].n) draw_component(out, &L->it[i]);
        else draw_ring(out, &L->it[i]);
    }
    fputs("</svg>\n", out);
}

/* Every second: /metrics.json into the boxes. A component shows its records
 * per second in, its totals, its drops (and keys); a ring its fullest reader's
 * lag, as text and as the bar along its foot. */
static const char script[] =
    "<script>\n"
    "(function () {\n"
    "  var prev = null, prevAt = 0;\n"
    "  function num(n) { return n >= 1e9 ? (n / 1e9).toFixed(2) + 'G' : n >= 1e6 ? (n / 1e6).toFixed(2) + 'M' :\n"
    "    n >= 1e4 ? (n / 1e3).toFixed(1) + 'k' : String(Math.round(n)); }\n"
    "  function sum(o) { var s = 0; for (var k in o || {}) s += o[k]; return s; }\n"
    "  function put(g, cls, text) { var t = g.querySelector('.' + cls); if (t) t.textContent = text; }\n"
    "  function show(m) {\n"
    "    var now = performance.now(), seen = {}, lag = {};\n"
    "    m.components.forEach(function (c) { seen[c.id] = c; });\n"
    "    document.querySelectorAll('g.comp').forEach(function (g) {\n"
    "      var c = seen[g.dataset.id];\n"
    "      if (!c) return;\n"
    "      var got = c.received_records || 0, sent = c.sent_records || 0, lost = sum(c.discarded), errs = sum(c.errors);\n"
    "      var rate = prev && prev[c.id] !== undefined ? (got - prev[c.id]) * 1000 / Math.max(1, now - prevAt) : 0;\n"
    "      put(g, 'rate', num(rate) + ' rec/s' + (c.state && c.state !== 'live' ? ' \\u00b7 ' + c.state : ''));\n"
    "      put(g, 'total', 'in ' + num(got) + ' \\u00b7 out ' + num(sent));\n"
    "      put(g, 'drops', 'dropped ' + num(lost) + (errs ? ' \\u00b7 errors ' + num(errs) : '') +\n"
    "        (c.keys !== undefined ? ' \\u00b7 keys ' + num(c.keys) : '') +\n"
    "        (c.lag_records !== undefined ? ' \\u00b7 behind ' + num(c.lag_records) : ''));\n"
    "      g.dataset.received = got; g.dataset.sent = sent; g.dataset.dropped = lost;\n"
    "      g.classList.toggle('lossy', lost + errs > 0);\n"
    "    });\n"
    "    m.rings.forEach(function (r) { lag[r.ring] = Math.max(lag[r.ring] || 0, r.lag); });\n"
    "    document.querySelectorAll('g.ring').forEach(function (g) {\n"
    "      var cap = +g.dataset.capacity, l = lag[g.dataset.ring] || 0;\n"
    "      put(g, 'lag', 'lag ' + num(l) + ' / ' + num(cap));\n"
    "      g.querySelector('.fill').setAttribute('width', Math.round(168 * Math.min(1, l / cap)));\n"
    "      g.dataset.lag = l;\n"
    "    });\n"
    "    prev = {}; m.components.forEach(function (c) { prev[c.id] = c.received_records || 0; }); prevAt = now;\n"
    "    var s = document.getElementById('updated');\n"
    "    s.dataset.n = (+s.dataset.n || 0) + 1;\n"
    "    s.textContent = 'updated ' + new Date().toLocaleTimeString();\n"
    "  }\n"
    "  function tick() {\n"
    "    fetch('/metrics.json', {cache: 'no-store'}).then(function (r) { return r.json(); }).then(show, function () {\n"
    "      document.getElementById('updated').textContent = 'the pipeline does not answer: it has ended, or is unreachable';\n"
    "    }).then(function () { setTimeout(tick, 1000); });\n"
    "  }\n"
    "  tick();\n"
    "})();\n"
    "</script>\n";

static const char style[] =
    "<style>\n"
    "body { font: 13px system-ui, sans-serif; margin: 16px; color: #222; }\n"
    "h1 { font-size: 18px; margin: 0 0 4px; } #updated { color: #666; }\n"
    "svg text { font: 11px system-ui, sans-serif; } svg .name { font-weight: 600; }\n"
    ".thread rect { fill: #f6f7f9; stroke: #c8ccd2; } .thread text { fill: #555; }\n"
    ".comp rect { stroke: #333; stroke-width: 1.2; } .source rect { fill: #e3f0ff; } .stage rect { fill: #fff; }\n"
    ".sink rect { fill: #e6f6e6; } .comp.lossy rect { stroke: #c0392b; stroke-width: 2; }\n"
    ".ring .frame { fill: #eee; stroke: #777; stroke-dasharray: 4 2; } .ring .fill { fill: #e67e22; }\n"
    ".edge { fill: none; stroke: #666; stroke-width: 1.2; } marker path { fill: #666; }\n"
    "</style>\n";

void status_page_write(FILE *out, const plan *pl)
{
    layout L = {0};
    lay_out(&L, pl);
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>rgp: ", out);
    xml_text(out, pl->prog->name);
    fprintf(out, "</title>\n%s</head>\n<body>\n<h1>rgp pipeline ", style);
    xml_text(out, pl->prog->name);
    fputs("</h1>\n<p id=\"updated\" data-n=\"0\">waiting for /metrics.json</p>\n", out);
    draw(out, &L, pl);
    fprintf(out, "%s</body>\n</html>\n", script);
    free(L.it);
    free(L.edge);
    free(L.band_y);
    free(L.band_h);
}
