/* csv_header.h - a CSV source's header row, read and checked by main before any
 * sink is opened: its columns are matched to the schema's fields by name, in
 * any order, into a column map built once; the parse thread then reads rows
 * by position when the header is the schema in order, through the map if not. */
#ifndef RGP_CSV_HEADER_H
#define RGP_CSV_HEADER_H

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"
#include "program.h"

#define RGP_CSV_HEADER_MAX_COLS 4096   /* a header with more columns is an error */

typedef struct rgp_csv_header {
    int ncols;       /* the header's columns: every row must have as many */
    int in_order;    /* the columns are the schema's fields, in order: rows are read by position */
    int fcap;        /* fields a row's split keeps: one past the last column read */
    rgp_str *cells;  /* room for them, allocated once (rgp_csv_header_free) */
    int *col;        /* per field: its column, or -1 (the field takes its default) */
} rgp_csv_header;

/* What rgp_csv_header_match found. */
enum { RGP_HDR_OK = 0, RGP_HDR_MISSING = 1, RGP_HDR_TWICE = 2 };

/* Matches header cells to column names (one per field).  Sets col[i] to the
 * column named names[i], or -1.  Returns RGP_HDR_OK; RGP_HDR_MISSING when a
 * field without a default (has_default[i] == 0) has no column; RGP_HDR_TWICE
 * when a named column appears twice; *bad is the field concerned (the first
 * in the schema's order), and for TWICE *bad_col the second column. */
static inline int rgp_csv_header_match(const rgp_str *cells, int ncells, const char *const *names,
                                       const unsigned char *has_default, int nnames, int *col, int *bad, int *bad_col)
{
    int rc = RGP_HDR_OK;
    for (int i = 0; i < nnames; i++) {
        size_t len = strlen(names[i]);
        col[i] = -1;
        for (int c = 0; c < ncells; c++) {
            if (cells[c].len != len || memcmp(cells[c].ptr, names[i], len) != 0) continue;
            if (col[i] < 0) {
                col[i] = c;
                continue;
            }
            if (rc == RGP_HDR_OK) rc = RGP_HDR_TWICE, *bad = i, *bad_col = c;
            break;
        }
        if (col[i] < 0 && !has_default[i] && rc == RGP_HDR_OK) rc = RGP_HDR_MISSING, *bad = i;
    }
    return rc;
}

/* Fills the parts of h that follow from the map: the fast path when the
 * columns are exactly the fields in order, else how many fields a row's split
 * must keep (one past the last column read, so that unread columns at the end
 * cost a count, not a store). nfields + 1 at least: one more to notice extras. */
static inline void rgp_csv_header_plan(rgp_csv_header *h, int ncols, int nfields)
{
    int last = -1;
    h->ncols = ncols;
    h->in_order = ncols == nfields;
    for (int i = 0; i < nfields; i++) {
        h->in_order &= h->col[i] == i;
        if (h->col[i] > last) last = h->col[i];
    }
    h->fcap = h->in_order || last + 1 < nfields + 1 ? nfields + 1 : last + 1;
}

/* The header line as messages show it: cells joined by the delimiter, each
 * with its invisible bytes escaped (\xEF\xBB\xBF, \t, \r), cut short if long. */
static inline const char *rgp__header_line_shown(char *out, size_t cap, const rgp_str *cells, int n, char delim)
{
    size_t k = 0;
    out[0] = 0;
    for (int c = 0; c < n; c++) {
        char cell[256];
        rgp__header_cell_shown(cell, sizeof cell, cells[c]);
        size_t need = strlen(cell) + 1;
        if (k + need + 4 >= cap) {
            snprintf(out + k, cap - k, "...");
            break;
        }
        if (c) out[k++] = delim;
        k += (size_t)snprintf(out + k, cap - k, "%s", cell);
    }
    return out;
}

/* Case, spaces and invisible bytes aside, the same name: shown as a hint. */
static inline int rgp__header_near(rgp_str cell, const char *name)
{
    size_t i = 0, j = 0, len = strlen(name);
    for (;;) {
        while (i < cell.len && ((unsigned char)cell.ptr[i] <= 0x20 || (unsigned char)cell.ptr[i] >= 0x7f)) i++;
        while (j < len && ((unsigned char)name[j] <= 0x20 || (unsigned char)name[j] >= 0x7f)) j++;
        if (i == cell.len || j == len) return i == cell.len && j == len;
        char a = cell.ptr[i++], b = name[j++];
        if (a >= 'A' && a <= 'Z') a = (char)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z') b = (char)(b - 'A' + 'a');
        if (a != b) return 0;
    }
}

/* Waits until the reader's fd has input, or a SIGINT or SIGTERM (blocked in
 * main) asks to stop: then -1. */
static inline int rgp__header_wait(rgp_reader *in)
{
    for (;;) {
        struct pollfd pfd = {in->fd, POLLIN, 0};
        int k = poll(&pfd, 1, 50);
        rgp__take_pending_stop();
        if (rgp_load_relaxed_u32(&rgp_stop)) return -1;
        if (k != 0) return 0;   /* input, its end, or an error the read will report */
    }
}

/* The header row, as rgp_csv_next_row reads a row, but through its slow path
 * alone (right for every row): so that the parse thread's loop stays the one
 * caller of rgp_csv_next_row, which the compiler then inlines there. */
static inline int rgp__csv_header_row(rgp_reader *in, char delim, rgp_str *cells, int cap, int *nf, uint64_t *line,
                                      const char **why)
{
    for (;;) {
        if (in->pos == in->end) return in->eof ? RGP_ROW_EOF : RGP_ROW_NEED_INPUT;
        int rc = rgp__csv_next_row_slow(in, delim, cells, cap, nf, line, why);
        if (rc != RGP__ROW_AGAIN) return rc;
    }
}

/* Reads a csv source's header row and matches it to the schema's fields
 * (names[i]: the column field i reads), before any sink is opened. Every
 * error names the source's file and line and shows the header, escaped.
 * Returns 0; -1 after an error (reported); 1 when a signal stopped the wait. */
static inline int rgp_csv_header_read(const char *prog, const rgp_endpoint *ep, rgp_reader *in, char delim, const char *schema,
                                      const char *const *fields, const char *const *names, const unsigned char *has_default,
                                      int nfields, rgp_csv_header *h)
{
    rgp_str *cells = (rgp_str *)malloc(RGP_CSV_HEADER_MAX_COLS * sizeof *cells);
    uint64_t line = 1;
    const char *why = NULL;
    int nf = 0, rc, bad = 0, bad_col = 0;
    char shown[1024], cell[256];
    if (!cells) rgp_out_of_memory(prog);
    for (;;) {
        rc = rgp__csv_header_row(in, delim, cells, RGP_CSV_HEADER_MAX_COLS, &nf, &line, &why);
        if (rc != RGP_ROW_NEED_INPUT) break;
        if (rgp__header_wait(in) != 0) {
            fprintf(stderr, "%s: source '%s': stopped while waiting for its header (%s): %s\n", prog, ep->name, ep->display,
                    rgp__stop_reason(rgp_load_relaxed_u32(&rgp_stop)));
            free(cells);
            return 1;
        }
        if (rgp_reader_fill(in) < 0 && errno != EINTR) {
            fprintf(stderr, "%s: %s: error: cannot read source '%s': %s: %s\n", prog, ep->where, ep->name, ep->display, strerror(errno));
            free(cells);
            return -1;
        }
    }
    rc = rc == RGP_ROW_BAD ? -1 : rc == RGP_ROW_EOF ? 0 : nf > RGP_CSV_HEADER_MAX_COLS ? -2 : 1;
    if (rc == 1) rc = rgp_csv_header_match(cells, nf, names, has_default, nfields, h->col, &bad, &bad_col) == RGP_HDR_OK ? 0 : -3;
    else if (rc == 0) {   /* no header, no rows: read as in order */
        for (int i = 0; i < nfields; i++) h->col[i] = i;
        nf = nfields;
    }
    if (rc == -1)
        fprintf(stderr, "%s: error: %s:%llu: cannot read the header: %s\n", prog, ep->display, (unsigned long long)line, why);
    else if (rc == -2)
        fprintf(stderr, "%s: error: %s:%llu: the header has %d columns; rgp reads at most %d\n", prog, ep->display,
                (unsigned long long)line, nf, RGP_CSV_HEADER_MAX_COLS);
    else if (rc == -3 && h->col[bad] >= 0)   /* twice */
        fprintf(stderr, "%s: error: %s:%llu: the header names column '%s' twice (columns %d and %d), which field '%s' reads; the header: %s\n",
                prog, ep->display, (unsigned long long)line, rgp__header_cell_shown(cell, sizeof cell, cells[bad_col]),
                h->col[bad] + 1, bad_col + 1, fields[bad], rgp__header_line_shown(shown, sizeof shown, cells, nf, delim));
    else if (rc == -3) {   /* every field missing, not only the first */
        for (int i = 0; i < nfields; i++) {
            if (h->col[i] >= 0 || has_default[i]) continue;
            char hint[300] = "";
            for (int c = 0; c < nf; c++)
                if (rgp__header_near(cells[c], names[i])) {
                    snprintf(hint, sizeof hint, " (column %d is '%s')", c + 1, rgp__header_cell_shown(cell, sizeof cell, cells[c]));
                    break;
                }
            int renamed = strcmp(names[i], fields[i]) != 0;   /* from "NAME" */
            fprintf(stderr, "%s: error: %s:%llu: the header has no column %s%s%sfor field '%s' of schema %s, which has no default%s; the header: %s\n",
                    prog, ep->display, (unsigned long long)line, renamed ? "'" : "", renamed ? names[i] : "", renamed ? "' " : "",
                    fields[i], schema, hint, rgp__header_line_shown(shown, sizeof shown, cells, nf, delim));
        }
    }
    free(cells);
    if (rc != 0) return -1;
    rgp_csv_header_plan(h, nf, nfields);
    h->cells = (rgp_str *)malloc((size_t)h->fcap * sizeof *h->cells);
    if (!h->cells) rgp_out_of_memory(prog);
    return 0;
}

static inline void rgp_csv_header_free(rgp_csv_header *h)
{
    free(h->cells);
    h->cells = NULL;
}

#endif /* RGP_CSV_HEADER_H */
