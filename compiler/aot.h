/* The AOT path: builds generated C with the system cc into a standalone binary,
 * or into a cached shared object that `rgp run -O` loads. */
#ifndef RGP_AOT_H
#define RGP_AOT_H

#include <stdbool.h>

/* The C compiler: $CC, or cc. */
const char *aot_compiler(void);

/* Returns 0, 1 when cc cannot be run (a user's environment problem), 2 when it fails on our C.
 * shared: a shared object for `rgp run -O` (no main; -fPIC -shared) instead of a program. */
int aot_build(const char *c_text, const char *c_name, const char *out_path, bool shared);

/* `rgp run -O`: the program built by cc -O2 as a shared object in the cache
 * (objcache.h), unless a whole one is there, then loaded and run in this
 * process. Returns the program's status. */
int aot_run_cached(const char *c_text, const char *c_name, int argc, char **argv);

#endif
