/* The JIT: compiles generated C in memory with libtcc and runs it in this process. */
#ifndef RGP_JIT_H
#define RGP_JIT_H

/* Runs rgp_program_main(argc, argv) from c_text. Returns the program's exit status,
 * or 2 after printing an internal error when the C does not compile. */
int jit_run(const char *c_text, const char *c_name, int argc, char **argv);

/* The same, calling compiled(arg) once the C has compiled, before it runs. */
int jit_run_after(const char *c_text, const char *c_name, void (*compiled)(void *), void *arg, int argc, char **argv);

#endif
