/* The front end's fuzz target: any bytes as a .rgp file go through the lexer,
 * parser, type checker and planner, and, when they make a valid program, the
 * emitter; and through rgp fmt, whose output must format to itself. It must
 * return, whatever the bytes: no crash, no hang.
 * `make fuzz` runs it under libFuzzer; `make test` replays the corpus. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "driver.h"
#include "emit.h"
#include "fmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';   /* the driver reads up to a NUL, as a file with a NUL byte would end early */
    static FILE *sink;
    if (!sink) sink = fopen("/dev/null", "w");
    compilation c;
    if (driver_compile_text(&c, "fuzz.rgp", text, "/tmp", sink) == 0) {
        emit_options o = {.line_directives = true, .standalone = false};
        const char *c_name;
        free(emit_program(c.plan, &o, &c_name));
    }
    driver_free(&c);
    char *once, *twice;
    int rc = fmt_text("fuzz.rgp", text, strlen(text), sink, &once);
    if (rc == 2) abort();   /* fmt would have changed the tokens or comments */
    if (rc == 0) {
        if (fmt_text("fuzz.rgp", once, strlen(once), sink, &twice) != 0 || strcmp(once, twice)) abort();
        free(twice);
    }
    free(once);
    free(text);
    return 0;
}
