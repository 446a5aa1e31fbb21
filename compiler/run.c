/* rgp run's choice between the cached -O object and libtcc; RGP_VERBOSE=1 names it on stderr. */
#include "run.h"
#include <stdio.h>
#include <unistd.h>
#include "aot.h"
#include "background_cc.h"
#include "jit.h"
#include "objcache.h"

typedef struct background_job {
    const objcache_entry *e;
    const char *c_text, *c_name;
    bool verbose;
} background_job;

/* After libtcc's compile, which it would otherwise share the CPUs with; the
 * pipeline starts only a fork later, and the builder's cc waits for rgp to
 * exit (or a second), nice'd. */
static void start_background(void *arg)
{
    const background_job *j = arg;
    background_cc b = background_cc_start(j->e, j->c_text, j->c_name);
    if (j->verbose) fprintf(stderr, "rgp: tcc; %s (%s)\n", background_cc_said(b), j->e->path);
}

int run_program(const char *c_text, const char *c_name, bool optimize, int argc, char **argv)
{
    if (optimize) return aot_run_cached(c_text, c_name, argc, argv);
    objcache_entry e;
    objcache_locate(&e, c_text);
    bool verbose = objcache_verbose();
    if (objcache_usable(&e)) {
        if (verbose) fprintf(stderr, "rgp: cached -O object %s\n", e.path);
        const char *why = "";
        int rc = objcache_run(&e, argc, argv, &why);
        if (rc >= 0) return rc;
        /* nothing ran: a damaged entry goes, and is rebuilt like a missing one */
        if (verbose) fprintf(stderr, "rgp: cannot load %s: %s\n", e.path, why);
        unlink(e.path);
    }
    background_job job = {&e, c_text, c_name, verbose};
    return jit_run_after(c_text, c_name, start_background, &job, argc, argv);
}
