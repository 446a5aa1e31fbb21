/* The cache of cc -O2 shared objects that `rgp run -O` builds and plain
 * `rgp run` loads when present: one file per program, named by a hash of the
 * C text, the compiler and rgp's version, under $XDG_CACHE_HOME/rgp (or
 * ~/.cache/rgp, or /tmp/rgp-cache-UID). Entries are written to a temporary
 * name and renamed into place, so a reader sees a whole file or none. */
#ifndef RGP_OBJCACHE_H
#define RGP_OBJCACHE_H

#include <limits.h>
#include <stdbool.h>

typedef struct objcache_entry {
    char dir[PATH_MAX];
    char path[PATH_MAX + 64];   /* DIR/HASH.so */
    char hash[17];
} objcache_entry;

/* Names the entry for this C text (nothing is read or written). */
void objcache_locate(objcache_entry *e, const char *c_text);

/* True when the entry is a whole shared object: an ELF file whose headers
 * and loaded segments all lie inside it. A truncated or foreign file is not. */
bool objcache_usable(const objcache_entry *e);

/* Makes the cache directory and its parents. 0, or -1 with errno. */
int objcache_make_dir(const objcache_entry *e);

/* Builds the entry with cc -O2 (beside it, then renamed over it).
 * Returns aot_build's status: 0, 1 (cc cannot run, a directory problem), 2 (cc failed). */
int objcache_build(const objcache_entry *e, const char *c_text, const char *c_name);

/* Loads the entry and runs its rgp_program_main. Returns the program's status,
 * or -1 (with *why set) when it cannot be loaded, before anything ran. */
int objcache_run(const objcache_entry *e, int argc, char **argv, const char **why);

/* RGP_VERBOSE=1: say on stderr which way `rgp run` went. */
bool objcache_verbose(void);

#endif
