/* The emitter: turns a plan into one C text, the same text for the libtcc JIT
 * and for cc. Readers of `rgp emit` find one struct per record type, one parse
 * function per schema, and one loop per thread with the stages inlined. */
#ifndef RGP_EMIT_H
#define RGP_EMIT_H
#include <stdbool.h>
#include <stddef.h>
#include "plan.h"

typedef struct emit_options {
    bool line_directives;   /* #line pointing into the .rgp file around user code */
    bool standalone;        /* inline the runtime instead of #include "rgp_runtime.h" */
} emit_options;

extern const char rgp_runtime_text[];   /* generated from runtime/ and stdlib/ at build time */
extern const char rgp_nats_text[];      /* stdlib/rgp_nats.h, for programs that use NATS */
extern const char rgp_regex_text[];     /* stdlib/rgp_regex.h, for programs that use a regex */

/* Returns malloc'd C text; *c_name gets the name the text calls itself (e.g. "sensors.c"). */
char *emit_program(const plan *pl, const emit_options *o, const char **c_name);

#endif
