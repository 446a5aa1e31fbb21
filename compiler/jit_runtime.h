/* jit_runtime.h - the runtime functions compiled into rgp for libtcc (stdlib/rgp_linked.h). */
#ifndef RGP_JIT_RUNTIME_H
#define RGP_JIT_RUNTIME_H

typedef struct jit_symbol {
    const char *name;
    void *addr;
} jit_symbol;

extern const jit_symbol jit_runtime_symbols[];
extern const int jit_runtime_nsymbols;

/* Before the C compiles: tells tcc to declare the linked functions instead of
 * compiling them (RGP_LINKED). After: hands it rgp's copies. Each returns 0,
 * or -1 when libtcc refused. */
struct TCCState;
int jit_runtime_declare(struct TCCState *s);
int jit_runtime_add(struct TCCState *s);

#endif
