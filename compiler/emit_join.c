/* Lookup tables and joins: each table's key, entry and table types and its
 * loader (run by main before any stream starts, and again on SIGHUP by the
 * reload thread, runtime/lookup.h), and the join operator, which finds a
 * record's row inline and makes the joined record: the record's fields, then
 * the table's as a struct named after the table (rec->users.name). */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include "emit_internal.h"

/* ---- record members: a struct member per joined table or nested object ----- */

/* Fields [from, to) of r, whose names all start with the first skip bytes: a
 * plain member for each name without a further dot, else one struct for each run
 * of names that share their next part (a joined row's TABLE., an object's path). */
static void emit_members_under(emitter *e, const rectype *r, int from, int to, size_t skip)
{
    for (int i = from; i < to; i++) {
        const char *rest = r->fields[i].name + skip, *dot = strchr(rest, '.');
        if (!dot) {
            emit(e, "%s %s;", ctype(r->fields[i].type), rest);
            continue;
        }
        size_t ql = (size_t)(dot - rest);
        int j = i;
        while (j < to && !strncmp(r->fields[j].name + skip, rest, ql + 1)) j++;
        if (r->fields[i].nest) emit(e, "struct {   /* the object %.*s */", (int)(skip + ql), r->fields[i].name);
        else emit(e, "struct {   /* the row joined from table %.*s */", (int)ql, rest);
        e->indent++;
        emit_members_under(e, r, i, j, skip + ql + 1);
        e->indent--;
        emit(e, "} %.*s;", (int)ql, rest);
        i = j - 1;
    }
}

void emit_record_members(emitter *e, const rectype *r)
{
    emit_members_under(e, r, 0, r->nfields, 0);
}

/* ---- tables ------------------------------------------------------------------- */

static int table_endpoint(const program *p, const node *t)
{
    for (int i = 0; i < p->ntables; i++)
        if (p->tables[i] == t) return p->nsources + p->nsinks + i;
    return -1;
}

static bool any_table(const program *p)
{
    for (int i = 0; i < p->ntables; i++)
        if (p->tables[i]->used) return true;
    return false;
}

static const char *hash_of(type_id t)
{
    return t == T_STR ? "rgp_hash_str" : t == T_BOOL ? "rgp_hash_bool" : t == T_F64 ? "rgp_hash_f64"
         : type_is_int(t) && !scalar_types[t].is_signed ? "rgp_hash_u64" : "rgp_hash_i64";
}

static void emit_key_type(emitter *e, const node *tab)
{
    const char *n = tab->name;
    emit(e, "typedef struct tab_%s_key {", n);
    for (const ast_arg *g = tab->decl->keys; g; g = g->next) emit(e, "    %s %s;", ctype(g->value->type), g->value->text);
    emit(e, "} tab_%s_key;", n);
    emit(e, "typedef struct tab_%s_entry {", n);
    emit(e, "    tab_%s_key key;   /* its strings are the row's */", n);
    if (node_is_stream_table(tab)) {
        emit(e, "    slot_%s *held;   /* the key's latest record, its strings with it; made once per key, so it never moves */",
             tab->type->cname);
    } else {
        emit(e, "    %s row;   /* strings in the table's blocks */", tab->type->cname);
        emit(e, "    uint64_t line;    /* where the row was read */");
    }
    emit(e, "} tab_%s_entry;", n);
    emit(e, "static inline uint64_t tab_%s_hash(const tab_%s_key *k)", n, n);
    emit(e, "{");
    emit(e, "    uint64_t h = 0;");
    for (const ast_arg *g = tab->decl->keys; g; g = g->next)
        emit(e, "    h = rgp_hash_u64(h ^ %s(k->%s));", hash_of(g->value->type), g->value->text);
    emit(e, "    return h;");
    emit(e, "}");
    emit(e, "static inline bool tab_%s_eq(const tab_%s_key *a, const tab_%s_key *b)", n, n, n);
    emit(e, "{");
    sbuf eq = {0};
    for (const ast_arg *g = tab->decl->keys; g; g = g->next) {
        const char *f = g->value->text;
        if (g->value->type == T_STR) sb(&eq, "%srgp_str_eq(a->%s, b->%s)", eq.len ? " && " : "", f, f);
        else if (g->value->type == T_F64) sb(&eq, "%s(a->%s == b->%s || (a->%s != a->%s && b->%s != b->%s))", eq.len ? " && " : "", f, f, f, f, f, f);
        else sb(&eq, "%sa->%s == b->%s", eq.len ? " && " : "", f, f);
    }
    emit(e, "    return %s;", eq.s);
    free(eq.s);
    emit(e, "}");
    emit(e, "RGP_TABLE_PROTOTYPE(tab_%s, tab_%s_entry, tab_%s_key, tab_%s_hash, tab_%s_eq)", n, n, n, n, n);
    blank(e);
}

/* The loader's read of one row into slot.rec: rc and the row's text or fields. */
static void emit_row_read(emitter *e, const node *tab)
{
    const rectype *r = tab->type;
    const char *copied = r->has_str ? ", 0" : "";
    if (tab->format == FMT_JSONL) {
        emit(e, "if (rgp_json_blank(text)) continue;   /* blank lines hold no object */");
        emit(e, "st.rows++;");
        emit(e, "if (parse_%s_jsonl(&st, text, line, &slot%s) != 0) continue;", r->name, copied);
        return;
    }
    emit(e, "st.rows++;");
    emit(e, "if (rc == RGP_ROW_BAD) {");
    emit(e, "    rgp_reject(&st, line, \"%%s\", why);");
    emit(e, "    continue;");
    emit(e, "}");
    if (tab->header) {
        emit(e, "if (header.in_order ? parse_%s_csv(&st, f, nf, line, &slot%s) != 0", r->name, copied);
        emit(e, "                    : parse_%s_csv_named(&st, f, nf, line, &slot%s, &header) != 0)", r->name, copied);
        emit(e, "    continue;");
    } else {
        emit(e, "if (parse_%s_csv(&st, f, nf, line, &slot%s) != 0) continue;", r->name, copied);
    }
}

static void emit_loader(emitter *e, const node *tab)
{
    const char *n = tab->name;
    const rectype *r = tab->type;
    bool csv = tab->format == FMT_CSV;
    emit(e, "/* Reads table %s's file whole into a new table: rows that do not fit %s are", n, r->name);
    emit(e, " * rejected and counted, as a source's are; of rows with one key the last is kept.");
    emit(e, " * NULL when the file cannot be read (said on stderr). */");
    emit(e, "static tab_%s *tab_%s_load(const rgp_endpoint *ep)", n, n);
    emit(e, "{");
    e->indent++;
    emit(e, "rgp_reader in;");
    emit(e, "if (rgp_reader_open(&in, ep->path, ep->display) != 0) {");
    emit(e, "    fprintf(stderr, \"%%s: %%s: error: cannot read table '%%s': %%s: %%s\\n\", RGP_PROGRAM, ep->where, ep->name, ep->display, strerror(errno));");
    emit(e, "    return NULL;");
    emit(e, "}");
    emit(e, "tab_%s *t = calloc(1, sizeof *t);", n);
    emit(e, "if (!t) rgp_out_of_memory(RGP_PROGRAM);");
    emit(e, "rgp_source_stats st = {.prog = RGP_PROGRAM, .name = ep->name, .display = ep->display};");
    emit(e, "slot_%s slot;", r->cname);
    emit(e, "memset(&slot, 0, sizeof slot);");
    emit(e, "uint64_t line;");
    emit(e, "int ok = 1;");
    if (csv) {
        sbuf d = {0};
        if (tab->delim == '\'' || tab->delim == '\\') sb(&d, "'\\%c'", tab->delim);
        else if (tab->delim == '\t') sb(&d, "'\\t'");
        else sb(&d, "'%c'", tab->delim);
        emit(e, "int nf;");
        emit(e, "const char *why;");
        emit(e, "rgp_reader_set_max_row(&in, %lluu);", (unsigned long long)tab->max_row);
        if (tab->header) {
            emit(e, "int header_col[%d];", r->nfields);
            emit(e, "rgp_csv_header header = {.col = header_col};");
            emit(e, "if (rgp_csv_header_read(RGP_PROGRAM, ep, &in, %s, \"%s\", fields_%s, columns_%s, defaults_%s, %d, &header) != 0) {",
                 d.s, r->name, r->name, r->name, r->name, r->nfields);
            emit(e, "    rgp_reader_close(&in);");
            emit(e, "    free(t);");
            emit(e, "    return NULL;");
            emit(e, "}");
            emit(e, "rgp_str *f = header.cells;");
            emit(e, "const int fcap = header.fcap;");
        } else {
            emit(e, "rgp_str f[%d];   /* one more than the schema has, to notice extra fields */", r->nfields + 1);
            emit(e, "const int fcap = %d;", r->nfields + 1);
        }
        emit(e, "for (;;) {");
        e->indent++;
        emit(e, "int rc = rgp_csv_next_row(&in, %s, f, fcap, &nf, &line, &why);", d.s);
        free(d.s);
    } else {
        emit(e, "rgp_str text;");
        emit(e, "for (;;) {");
        e->indent++;
        emit(e, "int rc = rgp_line_next(&in, &text, &line);");
    }
    emit(e, "if (rc == RGP_ROW_NEED_INPUT) {");
    emit(e, "    if (rgp_reader_fill(&in) < 0) {");
    emit(e, "        if (errno == EINTR) continue;");
    emit(e, "        fprintf(stderr, \"%%s: %%s: error: cannot read table '%%s': %%s: %%s\\n\", RGP_PROGRAM, ep->where, ep->name, ep->display, strerror(errno));");
    emit(e, "        ok = 0;");
    emit(e, "        break;");
    emit(e, "    }");
    emit(e, "    continue;");
    emit(e, "}");
    emit(e, "if (rc == RGP_ROW_EOF) break;");
    emit_row_read(e, tab);
    sbuf key = {0};
    for (const ast_arg *g = tab->decl->keys; g; g = g->next) sb(&key, "%sslot.rec.%s", key.len ? ", " : "", g->value->text);
    emit(e, "tab_%s_key key = {%s};", n, key.s);
    free(key.s);
    emit(e, "bool fresh;");
    emit(e, "tab_%s_entry *en = rgp_table_get_tab_%s(&t->t, &key, &fresh);", n, n);
    emit(e, "if (!en) rgp_out_of_memory(RGP_PROGRAM);");
    emit(e, "if (!fresh && t->duplicates++ < RGP_REJECTS_SHOWN)");
    emit(e, "    fprintf(stderr, \"%%s: %%s:%%llu: warning: table '%%s': this row repeats the key of line %%llu, and replaces it\\n\", RGP_PROGRAM,");
    emit(e, "            ep->display, (unsigned long long)line, ep->name, (unsigned long long)en->line);");
    emit(e, "en->row = slot.rec;");
    emit(e, "en->line = line;");
    for (int i = 0; i < r->nfields; i++)
        if (r->fields[i].type == T_STR) emit(e, "en->row.%s = rgp_lookup_keep(&t->strs, slot.rec.%s);", r->fields[i].name, r->fields[i].name);
    for (const ast_arg *g = tab->decl->keys; g; g = g->next)
        if (g->value->type == T_STR) emit(e, "en->key.%s = en->row.%s;   /* the key's bytes are the row's */", g->value->text, g->value->text);
    e->indent--;
    emit(e, "}");
    emit(e, "t->rows = st.rows;");
    emit(e, "t->rejected = st.rejected;");
    if (csv && tab->header) emit(e, "rgp_csv_header_free(&header);");
    if (r->has_str) emit(e, "rgp__slot_strs_free(&slot.strs);");
    emit(e, "rgp_reader_close(&in);");
    emit(e, "if (!ok) {");
    emit(e, "    tab_%s_free(t);", n);
    emit(e, "    return NULL;");
    emit(e, "}");
    emit(e, "if (t->duplicates)");
    emit(e, "    fprintf(stderr, \"%%s: warning: table '%%s': %%llu row%%s repeated an earlier row's key; the last row of each key is kept (%%s)\\n\",");
    emit(e, "            RGP_PROGRAM, ep->name, (unsigned long long)t->duplicates, t->duplicates == 1 ? \"\" : \"s\", ep->display);");
    emit(e, "if (t->rejected)");
    emit(e, "    fprintf(stderr, \"%%s: table '%%s': %%llu of %%llu rows rejected (%%s)\\n\", RGP_PROGRAM, ep->name,");
    emit(e, "            (unsigned long long)t->rejected, (unsigned long long)t->rows, ep->display);");
    emit(e, "return t;");
    e->indent--;
    emit(e, "}");
    blank(e);
}

/* The row a left join gives a record its table has no row for: the schema's
 * defaults, zero and empty for fields without one. */
static void emit_none_row(emitter *e, const node *tab)
{
    const rectype *r = tab->type;
    emit(e, "static void tab_%s_none_init(void)", tab->name);
    emit(e, "{");
    e->indent++;
    emit(e, "memset(&tab_%s_none, 0, sizeof tab_%s_none);", tab->name, tab->name);
    for (int i = 0; i < r->nfields; i++) {
        if (!r->fields[i].def) continue;
        sbuf v = {0};
        expr_c(&v, r->fields[i].def, "r");
        emit(e, "tab_%s_none.%s = %s;", tab->name, r->fields[i].name, v.s);
        free(v.s);
    }
    e->indent--;
    emit(e, "}");
    blank(e);
}

static void emit_one_table(emitter *e, const node *tab)
{
    const char *n = tab->name;
    sbuf by = {0};
    for (const ast_arg *g = tab->decl->keys; g; g = g->next) sb(&by, "%s%s", by.len ? ", " : "", g->value->text);
    emit(e, "/* table %s (%s:%u): rows of %s read from %s, by %s%s%s */", n, e->p->file, tab->loc.line, tab->type->name, tab->path,
         tab->decl->keys->next ? "(" : "", by.s, tab->decl->keys->next ? ")" : "");
    free(by.s);
    emit_key_type(e, tab);
    emit(e, "typedef struct tab_%s {", n);
    emit(e, "    struct rgp_table_tab_%s t;   /* one entry per key (runtime/table.h) */", n);
    emit(e, "    rgp_lookup_strs strs;          /* the rows' strings */");
    emit(e, "    uint64_t rows, rejected, duplicates;");
    emit(e, "} tab_%s;", n);
    emit(e, "static RGP_ATOMIC(uint64_t) tab_%s_hazards[%d];   /* per thread: the table it reads this batch */", n,
         e->pl->nthreads ? e->pl->nthreads : 1);
    emit(e, "static rgp_lookup lookup_%s = {\"%s\", 0, tab_%s_hazards, %d};   /* the live table (runtime/lookup.h) */", n, n, n,
         e->pl->nthreads);
    emit(e, "static %s tab_%s_none;   /* a left join's row where the table has none */", tab->type->cname, n);
    blank(e);
    emit(e, "static void tab_%s_free(tab_%s *t)", n, n);
    emit(e, "{");
    emit(e, "    rgp_table_free_tab_%s(&t->t);", n);
    emit(e, "    rgp_lookup_strs_free(&t->strs);");
    emit(e, "    free(t);");
    emit(e, "}");
    blank(e);
    emit_loader(e, tab);
    emit_none_row(e, tab);
}

/* ---- stream tables: table T = stream S by K ------------------------------------ */

/* The table's storage. One thread writes it and the joins of that same thread
 * read it (plan.c keeps them together, or says why it cannot), so it is a
 * plain hash table: program order is the only order it needs, no atomics. */
static void emit_stream_table(emitter *e, const node *tab)
{
    const char *n = tab->name;
    sbuf by = {0};
    for (const ast_arg *g = tab->decl->keys; g; g = g->next) sb(&by, "%s%s", by.len ? ", " : "", g->value->text);
    emit(e, "/* table %s (%s:%u): each (%s)'s latest record of stream %s.", n, e->p->file, tab->loc.line, by.s, tab->input->name);
    emit(e, " * Written by thread %s as the records pass, and read by the joins in", tab->thread ? tab->thread->name : "?");
    emit(e, " * that same thread: no other thread touches it, so it takes no locks and no");
    emit(e, " * atomics (plan.c, stream tables). The records reach this thread through its");
    emit(e, " * input ring, whose wait's acquire pairs with the producer's publish release:");
    emit(e, " * program order in this thread is all the table needs. */");
    free(by.s);
    emit_slot_type(e, tab->type);
    emit_key_type(e, tab);
    emit(e, "typedef struct tab_%s {", n);
    emit(e, "    struct rgp_table_tab_%s t;   /* one entry per key (runtime/table.h) */", n);
    emit(e, "} tab_%s;", n);
    emit(e, "static tab_%s tab_%s_kept;", n, n);
    emit(e, "static %s tab_%s_none;   /* a left join's row where the table has none yet */", tab->type->cname, n);
    blank(e);
    emit_none_row(e, tab);
}

/* In the thread that computes the table's stream, for each of its records. */
void emit_stream_table_update(emitter *e, const node *tab, const char *rec)
{
    const char *n = tab->name;
    const rectype *r = tab->type;
    sbuf key = {0};
    for (const ast_arg *g = tab->decl->keys; g; g = g->next) sb(&key, "%s%s->%s", key.len ? ", " : "", rec, g->value->text);
    emit(e, "/* table %s (%s:%u): the record becomes its key's latest */", n, e->p->file, tab->loc.line);
    emit(e, "{");
    e->indent++;
    emit(e, "tab_%s_key key = {%s};", n, key.s);
    free(key.s);
    emit(e, "bool fresh;");
    emit(e, "tab_%s_entry *en = rgp_table_get_tab_%s(&tab_%s_kept.t, &key, &fresh);", n, n, n);
    emit(e, "if (!en) rgp_out_of_memory(RGP_PROGRAM);");
    emit(e, "if (fresh && !(en->held = calloc(1, sizeof *en->held))) rgp_out_of_memory(RGP_PROGRAM);   /* once per key */");
    emit(e, "put_%s(en->held, %s%s);", r->cname, rec, r->has_str ? ", 0" : "");
    for (const ast_arg *g = tab->decl->keys; g; g = g->next)
        if (g->value->type == T_STR)
            emit(e, "en->key.%s = en->held->rec.%s;   /* the key's bytes: the kept record's */", g->value->text, g->value->text);
    e->indent--;
    emit(e, "}");
}

/* At file scope, after the parsers: every joined table's types and loader, and
 * the reload SIGHUP asks for. */
void emit_lookup_tables(emitter *e)
{
    const program *p = e->p;
    for (int i = 0; i < p->nstream_tables; i++)
        if (p->stream_tables[i]->used) emit_stream_table(e, p->stream_tables[i]);
    if (!any_table(p)) return;
    emit(e, "/* ---- lookup tables: read whole before any stream starts, again on SIGHUP ---- */");
    blank(e);
    for (int i = 0; i < p->ntables; i++)
        if (p->tables[i]->used) emit_one_table(e, p->tables[i]);
    emit(e, "/* On SIGHUP (the reload thread): each table read again; a file that cannot be read");
    emit(e, " * or has rejected rows keeps the table loaded before. The old one is freed once no");
    emit(e, " * thread still reads it (rgp_lookup_swap). */");
    emit(e, "static void tables_reload(void)");
    emit(e, "{");
    e->indent++;
    for (int i = 0; i < p->ntables; i++) {
        const node *tab = p->tables[i];
        if (!tab->used) continue;
        const char *n = tab->name;
        int k = table_endpoint(p, tab);
        emit(e, "{");
        e->indent++;
        emit(e, "const rgp_endpoint *ep = &endpoints[%d];", k);
        emit(e, "tab_%s *t = tab_%s_load(ep);", n, n);
        emit(e, "const tab_%s *cur = rgp_lookup_current(&lookup_%s);", n, n);
        emit(e, "if (t && t->rejected) {");
        emit(e, "    fprintf(stderr, \"%%s: table '%%s': not reloaded: %%llu of %%llu rows of %%s were rejected; keeping the %%zu rows loaded before\\n\",");
        emit(e, "            RGP_PROGRAM, ep->name, (unsigned long long)t->rejected, (unsigned long long)t->rows, ep->display, cur->t.len);");
        emit(e, "    tab_%s_free(t);", n);
        emit(e, "} else if (!t) {");
        emit(e, "    fprintf(stderr, \"%%s: table '%%s': not reloaded; keeping the %%zu rows loaded before\\n\", RGP_PROGRAM, ep->name, cur->t.len);");
        emit(e, "} else {");
        emit(e, "    tab_%s_free(rgp_lookup_swap(&lookup_%s, t));", n, n);
        emit(e, "    fprintf(stderr, \"%%s: table '%%s': reloaded from %%s: %%zu rows\\n\", RGP_PROGRAM, ep->name, ep->display, t->t.len);");
        emit(e, "}");
        e->indent--;
        emit(e, "}");
    }
    e->indent--;
    emit(e, "}");
    blank(e);
    assert(e->indent == 0);
}

/* In main, after the sources are opened and before any sink is: a table that
 * cannot be read stops the program with the sinks' files untouched. */
void emit_tables_load(emitter *e)
{
    const program *p = e->p;
    for (int i = 0; i < p->nstream_tables; i++)
        if (p->stream_tables[i]->used) emit(e, "tab_%s_none_init();   /* stream table %s: its left joins' defaults */",
                                            p->stream_tables[i]->name, p->stream_tables[i]->name);
    if (!any_table(p)) return;
    emit(e, "/* lookup tables, read whole before any stream starts */");
    for (int i = 0; i < p->ntables; i++) {
        const node *tab = p->tables[i];
        if (!tab->used) continue;
        emit(e, "tab_%s_none_init();", tab->name);
        emit(e, "{");
        emit(e, "    tab_%s *t = tab_%s_load(&endpoints[%d]);", tab->name, tab->name, table_endpoint(p, tab));
        emit(e, "    if (!t) return 1;");
        emit(e, "    rgp_lookup_publish(&lookup_%s, t);", tab->name);
        emit(e, "}");
    }
}

/* First in main: SIGHUP blocked until the signal thread takes it, to reload. */
void emit_tables_on_hup(emitter *e)
{
    if (any_table(e->p)) emit(e, "rgp_reload_on_hup(tables_reload);   /* SIGHUP reads the tables again */");
}

/* In main, once signals are blocked (the reload thread inherits the mask). */
void emit_tables_reload_start(emitter *e)
{
    if (any_table(e->p)) emit(e, "rgp_reload_start(RGP_PROGRAM);");
}

/* In main, after the signal thread has stopped: the reload thread, then the tables. */
void emit_tables_free(emitter *e)
{
    const program *p = e->p;
    for (int i = 0; i < p->nstream_tables; i++) {
        const node *tab = p->stream_tables[i];
        if (!tab->used) continue;
        emit(e, "for (size_t i = 0; i < tab_%s_kept.t.len; i++) {   /* stream table %s: every key's record */", tab->name, tab->name);
        if (tab->type->has_str) emit(e, "    rgp__slot_strs_free(&tab_%s_kept.t.entries[i].held->strs);", tab->name);
        emit(e, "    free(tab_%s_kept.t.entries[i].held);", tab->name);
        emit(e, "}");
        emit(e, "rgp_table_free_tab_%s(&tab_%s_kept.t);", tab->name, tab->name);
    }
    if (!any_table(p)) return;
    emit(e, "rgp_reload_stop();");
    for (int i = 0; i < p->ntables; i++)
        if (p->tables[i]->used)
            emit(e, "tab_%s_free(rgp_lookup_current(&lookup_%s));", p->tables[i]->name, p->tables[i]->name);
}

/* ---- in the threads: which table each reads, announced per batch -------------- */

void emit_join_thread(emitter *e, const plan_thread *t, join_point at)
{
    const program *p = e->p;
    for (int i = 0; i < p->ntables; i++) {
        const node *tab = p->tables[i];
        if (!tab->used) continue;
        const char *n = tab->name;
        if (at == JOIN_DECLARE)
            emit(e, "const tab_%s *tab_%s_t = rgp_lookup_enter(&lookup_%s, %d);   /* table %s as this batch reads it */", n, n, n,
                 t->index, n);
        else if (at == JOIN_ENTER)
            emit(e, "tab_%s_t = rgp_lookup_enter(&lookup_%s, %d);   /* a batch: table %s, reloaded or not */", n, n, t->index, n);
        else
            emit(e, "rgp_lookup_leave(&lookup_%s, %d);   /* no batch: a reload may free the table it read */", n, t->index);
    }
}

/* A join that is the first operator of a stage reading the ring straight: the
 * keys of records later in the batch are known, so their rows are fetched
 * ahead, each probe then finds them in the cache (a table of millions of rows
 * is mostly outside it): the index slot 16 records ahead, the entry 8 ahead,
 * its strings 4 ahead. */
#define JOIN_AHEAD 16

void emit_join_prefetch(emitter *e, const plan_thread *t, const rectype *r)
{
    for (int i = 0; i < t->nentries; i++) {
        const node *st = t->entries[i];
        const ast_op *o = st->kind == D_STAGE && !st->is_route ? st->ops : NULL;
        if (!o || o->kind != OP_JOIN || o->in != r || node_is_stream_table(o->table)) continue;
        const char *n = o->table->name;
        sbuf key = {0};
        for (const ast_arg *g = o->keys; g; g = g->next) sb(&key, "%sahead->%s", key.len ? ", " : "", g->value->text);
        emit(e, "/* join %s of stage %s: for the records %d, %d and %d ahead, their index slot, entry and strings,", n, st->name,
             JOIN_AHEAD, JOIN_AHEAD / 2, JOIN_AHEAD / 4);
        emit(e, " * fetched while this one runs */");
        const rectype *row = o->table->type;
        bool strs = row->has_str;
        for (int d = JOIN_AHEAD, step = 0; step < (strs ? 3 : 2); d /= 2, step++) {
            emit(e, "if (end - s > %d && tab_%s_t->t.icap) {", d, n);
            e->indent++;
            emit(e, "const %s *ahead = &((const slot_%s *)rgp_disruptor_slot(ring, s + %d))->rec;", r->cname, r->cname, d);
            emit(e, "tab_%s_key k = {%s};", n, key.s);
            emit(e, "size_t at = (size_t)tab_%s_hash(&k) & (tab_%s_t->t.icap - 1);", n, n);
            if (step == 0) {
                emit(e, "rgp_prefetch(&tab_%s_t->t.index[at]);", n);
            } else {
                emit(e, "uint32_t en = tab_%s_t->t.index[at];   /* its first probe: mostly the one */", n);
                if (step == 1) {
                    emit(e, "if (en) rgp_prefetch(&tab_%s_t->t.entries[en - 1]);", n);
                } else {
                    emit(e, "if (en) {");
                    for (int f = 0; f < row->nfields; f++)
                        if (row->fields[f].type == T_STR)
                            emit(e, "    rgp_prefetch(tab_%s_t->t.entries[en - 1].row.%s.ptr);", n, row->fields[f].name);
                    emit(e, "}");
                }
            }
            e->indent--;
            emit(e, "}");
        }
        free(key.s);
    }
}

/* ---- the operator ------------------------------------------------------------- */

void emit_join_state(emitter *e, const node *st, const ast_op *o)
{
    char c[192];
    snprintf(c, sizeof c, "%s", table_name(st, o));
    emit(e, "/* join %s of stage %s (%s:%u) */", o->word, st->name, e->p->file, o->loc.line);
    emit(e, "static uint64_t %s_in, %s_unmatched;   /* records joined, and those with no row */", c, c);
    blank(e);
}

void emit_join(emitter *e, const node *st, const ast_op *o, const char *cur)
{
    const node *tab = o->table;
    const char *n = tab->name;
    char c[192];   /* table_name's buffer is rewritten by the operators after this one */
    snprintf(c, sizeof c, "%s", table_name(st, o));
    sbuf on = {0}, key = {0};
    for (const ast_arg *g = o->keys; g; g = g->next) {
        sb(&on, "%s%s", on.len ? ", " : "", g->value->text);
        sb(&key, "%s%s->%s", key.len ? ", " : "", cur, g->value->text);
    }
    emit(e, "/* join %s on %s%s%s%s (%s:%u): the record's row in table %s, found inline */", n, o->keys->next ? "(" : "", on.s,
         o->keys->next ? ")" : "", o->left ? " or default" : "", e->p->file, o->loc.line, n);
    free(on.s);
    line_to_rgp(e, o->loc);
    emit(e, "{");
    e->indent++;
    emit(e, "%s_in++;", c);
    emit(e, "tab_%s_key key = {%s};", n, key.s);
    free(key.s);
    /* an integer key of another width or sign than the table's: a value its type cannot hold matches no row */
    sbuf fits = {0};
    const ast_arg *h = tab->decl->keys;
    for (const ast_arg *g = o->keys; g; g = g->next, h = h->next) {
        type_id from = g->value->type, to = h->value->type;
        if (from == to || !type_is_int(from) || !type_is_int(to)) continue;
        const scalar_info *si = &scalar_types[from], *ti = &scalar_types[to];
        if (ti->bits == 64 && si->is_signed == ti->is_signed) continue;
        if (si->bits < ti->bits && (ti->is_signed || !si->is_signed)) continue;   /* every value fits */
        sb(&fits, "%srgp_key_fits_%s(%s->%s, %d, %d)", fits.len ? " && " : "", si->is_signed ? "i64" : "u64", cur, g->value->text,
           ti->bits, ti->is_signed);
    }
    bool stream = node_is_stream_table(tab);   /* kept by this thread (plan.c): read as it stands */
    char t[160];
    snprintf(t, sizeof t, stream ? "tab_%s_kept.t" : "tab_%s_t->t", n);
    const char *row = stream ? "&hit->held->rec" : "&hit->row";
    if (fits.len)
        emit(e, "const tab_%s_entry *hit = %s ? rgp_table_find_tab_%s(&%s, &key) : NULL;", n, fits.s, n, t);
    else
        emit(e, "const tab_%s_entry *hit = rgp_table_find_tab_%s(&%s, &key);", n, n, t);
    free(fits.s);
    if (o->left) {
        emit(e, "if (!hit) %s_unmatched++;", c);
        emit(e, "const %s *row = hit ? %s : &tab_%s_none;   /* no row: the table's defaults */", tab->type->cname, row, n);
        emit(e, "{");
    } else {
        emit(e, "if (hit) {");
        emit(e, "    const %s *row = %s;", tab->type->cname, row);
    }
    e->indent++;
    int k = ++e->tmp;
    const rectype *out = o->out;
    emit(e, "%s v%d;", out->cname, k);
    size_t ql = strlen(n);
    for (int i = 0; i < out->nfields; i++) {
        const char *f = out->fields[i].name;
        if (i >= o->in->nfields && !strncmp(f, n, ql) && f[ql] == '.') emit(e, "v%d.%s = row->%s;", k, f, f + ql + 1);
        else emit(e, "v%d.%s = %s->%s;", k, f, cur, f);
    }
    char next_cur[32];
    snprintf(next_cur, sizeof next_cur, "(&v%d)", k);
    emit_ops(e, st, o->next, next_cur);
    e->indent--;
    if (o->left) {
        emit(e, "}");
    } else {
        emit(e, "} else {");
        emit(e, "    %s_unmatched++;   /* an inner join: no row, no record (counted for the summary) */", c);
        emit(e, "}");
    }
    e->indent--;
    emit(e, "}");
}
