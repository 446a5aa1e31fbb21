/* rgp test: the test blocks of a pipeline file, checked by sema and run by
 * `rgp test`. A test feeds text to sources, runs the pipeline through the JIT
 * on those inputs alone (sources it does not name read nothing), and compares
 * what each named sink wrote with the text expected, or checks a condition
 * such as count(alerts) == 3. */
#ifndef RGP_PIPELINE_TEST_H
#define RGP_PIPELINE_TEST_H
#include <stdbool.h>
#include <stdio.h>
#include "sema.h"

/* Reports misuse in p->tests: unknown sources and sinks, repeated names, conditions of another form. */
void pipeline_tests_check(diag *d, program *p);

/* Adds the test blocks of the file at path (a file of tests beside the
 * pipeline, such as sensors.test.rgp) to p->tests and checks them against
 * p's sources and sinks. Returns 0, or 1 after printing its errors to out. */
int pipeline_tests_load(arena *a, program *p, const char *path, FILE *out);

/* The file that test i of p is written in. */
const char *pipeline_test_file(const program *p, int i);

/* Runs every test of p from the generated C; prints one line per test (or, with
 * json, one JSON report) to out. Returns 0 when all pass, 1 when one fails,
 * 2 when a test could not be run. */
int pipeline_tests_run(const program *p, const char *c_text, const char *c_name, bool json, FILE *out);

#endif
