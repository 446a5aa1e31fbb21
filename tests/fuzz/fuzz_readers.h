/* fuzz_readers.h - what the reader fuzz targets share.  The generated program
 * ($(B)/fuzz/readers.c: `rgp emit --standalone tests/fuzz/readers.rgp`) is
 * compiled into the target, its main left out, so the targets call the very
 * row parsers, record writers and reader that a built pipeline runs.
 *
 * Each input is read twice, with a buffer that takes it in one read and with
 * one of a few bytes (so rows arrive in pieces and the buffer grows), and both readings
 * must give the same rows, faults and line numbers: how input arrives must
 * change nothing.  Every record parsed is written as the sinks write it and
 * parsed again, and must come back the same. */
#ifndef RGP_FUZZ_READERS_H
#define RGP_FUZZ_READERS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The runtime's messages (rejected rows) go nowhere: a sanitizer's report still
 * reaches fd 2. */
static FILE *rgp_fuzz_quiet;
#undef stderr
#define stderr rgp_fuzz_quiet
#define RGP_JIT 1 /* no main */
#include "readers.c"
#undef stderr

/* A reader over bytes, through a memory file. */
static void fuzz_reader_open(rgp_reader *r, const uint8_t *data, size_t size, size_t cap)
{
    int fd = memfd_create("fuzz", 0);
    if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size) || lseek(fd, 0, SEEK_SET) != 0) abort();
    if (rgp_reader_open_fd(r, fd, "fuzz", cap) != 0) abort();
}

/* What a reading gave, in order: each row's status, line and text, hashed. */
typedef struct fuzz_trace { uint64_t h; uint64_t n; } fuzz_trace;

static void fuzz_trace_add(fuzz_trace *t, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) t->h = (t->h ^ b[i]) * UINT64_C(0x100000001b3);
    t->n++;
}

static void fuzz_trace_u64(fuzz_trace *t, uint64_t v) { fuzz_trace_add(t, &v, sizeof v); }
static void fuzz_trace_str(fuzz_trace *t, rgp_str s) { fuzz_trace_u64(t, s.len); fuzz_trace_add(t, s.ptr, s.len); }

/* Small buffers, chosen by the input's length so that a corpus covers them all. */
static size_t fuzz_small_cap(size_t size) { return 4 + size % 29; }

static void fuzz_init(void)
{
    if (!rgp_fuzz_quiet) rgp_fuzz_quiet = fopen("/dev/null", "w");
    if (!rgp_fuzz_quiet) abort();
}

static int fuzz_f64_same(double a, double b) { return a == b ? (a != 0 || signbit(a) == signbit(b)) : a != a && b != b; }

static int fuzz_str_same(rgp_str a, rgp_str b) { return a.len == b.len && (a.len == 0 || !memcmp(a.ptr, b.ptr, a.len)); }

static int fuzz_all_same(const rec_All *a, const rec_All *b)
{
    return a->u == b->u && a->big == b->big && a->i == b->i && a->wide == b->wide && fuzz_f64_same(a->x, b->x) &&
           a->ok == b->ok && fuzz_str_same(a->s, b->s) && a->t == b->t;
}

static void fuzz_writer_open(rgp_writer *w)
{
    if (rgp_writer_open(w, "/dev/null", "fuzz") != 0) abort();
}

/* The bytes a writer holds, taken out: one record, never enough to flush. */
static rgp_str fuzz_writer_take(rgp_writer *w)
{
    rgp_str s = {w->buf, w->len};
    w->len = 0;
    return s;
}

#endif
