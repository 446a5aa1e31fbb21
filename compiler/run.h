/* How `rgp run` runs a program: from the -O cache when a whole object for it
 * is there, otherwise compiled in memory by libtcc at once while cc -O2 fills
 * the cache in the background (background_cc.h). `rgp run -O` waits for cc. */
#ifndef RGP_RUN_H
#define RGP_RUN_H

#include <stdbool.h>

/* Returns the program's exit status, or 1 or 2 as jit_run and aot_run_cached do. */
int run_program(const char *c_text, const char *c_name, bool optimize, int argc, char **argv);

#endif
