/* libtcc JIT: set the output type first, check every call, collect tcc's messages
 * through its error callback, and free the state on every path. No temporary files. */
#include "jit.h"
#include "jit_runtime.h"
#include "links.h"
#include <libtcc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct tcc_messages { char text[8192]; size_t len; } tcc_messages;

static void on_tcc_message(void *opaque, const char *msg)
{
    tcc_messages *m = opaque;
    int n = snprintf(m->text + m->len, sizeof m->text - m->len, "  %s\n", msg);
    if (n > 0) m->len += (size_t)n < sizeof m->text - m->len ? (size_t)n : sizeof m->text - m->len - 1;
}

/* Debian 0.9.27 wants TCC_RELOCATE_AUTO; newer tcc drops the argument. One place to change. */
static int relocate(TCCState *s) { return tcc_relocate(s, TCC_RELOCATE_AUTO); }

static int internal_error(TCCState *s, const tcc_messages *m, const char *what, const char *c_name)
{
    fprintf(stderr, "rgp: internal error: %s (this is a bug in rgp; `rgp emit` shows %s)\n%s", what, c_name, m->text);
    if (s) tcc_delete(s);
    return 2;
}

int jit_run(const char *c_text, const char *c_name, int argc, char **argv)
{
    return jit_run_after(c_text, c_name, NULL, NULL, argc, argv);
}

int jit_run_after(const char *c_text, const char *c_name, void (*compiled)(void *), void *arg, int argc, char **argv)
{
    tcc_messages msgs = {{0}, 0};
    TCCState *s = tcc_new();
    if (!s) return internal_error(NULL, &msgs, "libtcc could not start", c_name);
    tcc_set_error_func(s, &msgs, on_tcc_message);
    if (tcc_set_output_type(s, TCC_OUTPUT_MEMORY) != 0)
        return internal_error(s, &msgs, "libtcc refused in-memory output", c_name);
    if (tcc_add_library(s, "m") != 0)   /* sqrt, log, ... in expressions */
        return internal_error(s, &msgs, "libtcc cannot find libm", c_name);
    char libs[LINKS_MAX][LINK_NAME_MAX];   /* libpcre2-8 for a program with a regex, say */
    for (int i = 0, n = links_of(c_text, libs); i < n; i++)
        if (tcc_add_library(s, libs[i]) != 0) {
            fprintf(stderr, "rgp: error: libtcc cannot find lib%s.so, which this pipeline needs (apt-get install %s)\n", libs[i],
                    !strcmp(libs[i], "nats") ? "libnats-dev" : "libpcre2-dev");
            tcc_delete(s);
            return 1;
        }
    tcc_define_symbol(s, "RGP_JIT", "1");
    jit_runtime_declare(s);   /* the runtime's linked functions: declared, found in rgp */
    tcc_define_symbol(s, "_GNU_SOURCE", "1");
    if (tcc_compile_string(s, c_text) != 0)
        return internal_error(s, &msgs, "the generated C did not compile with libtcc", c_name);
    if (jit_runtime_add(s) != 0) return internal_error(s, &msgs, "libtcc refused a runtime symbol", c_name);
    if (relocate(s) < 0)
        return internal_error(s, &msgs, "libtcc could not link the generated C", c_name);
    int (*entry)(int, char **) = (int (*)(int, char **))tcc_get_symbol(s, "rgp_program_main");
    if (!entry) return internal_error(s, &msgs, "the generated C has no rgp_program_main", c_name);
    if (compiled) compiled(arg);
    int rc = entry(argc, argv);
    tcc_delete(s);
    return rc;
}
