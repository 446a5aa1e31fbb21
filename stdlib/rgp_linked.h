/* rgp_linked.h - runtime functions that `rgp run` takes from rgp itself instead of
 * compiling them with libtcc on every run. A header lists them in an X-macro
 * (RGP_..._LINKED(X), each X(return type, name, parameters)); when RGP_LINKED
 * is defined (compiler/jit.c defines it for libtcc) the header declares them
 * instead of defining them, and jit.c hands libtcc the copies cc -O2 compiled
 * into rgp (compiler/jit_runtime.c) with tcc_add_symbol. Generated code then
 * calls optimised code, and libtcc has less to compile. `rgp build`, `rgp run
 * -O` and `rgp emit --standalone` compile the definitions as always.
 * Only functions that keep no state outside their arguments belong in a list:
 * rgp's copy and the program's would not share it. */
#ifndef RGP_LINKED_HEADER
#define RGP_LINKED_HEADER

#define RGP_DECLARE_LINKED(ret, name, params) ret name params;

#endif /* RGP_LINKED_HEADER */
