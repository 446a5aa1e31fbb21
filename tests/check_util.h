/* Shared by the front-end suites: compile .rgp text and capture the diagnostics. */
#ifndef RGP_CHECK_UTIL_H
#define RGP_CHECK_UTIL_H
#include <stdio.h>
#include <string.h>
#include "driver.h"

/* Compiles text as "t.rgp"; diagnostics land in errs. Returns driver_compile_text's status. */
static inline int compile_capture(compilation *c, const char *text, char *errs, size_t cap)
{
    memset(errs, 0, cap);
    FILE *out = fmemopen(errs, cap, "w");
    int rc = driver_compile_text(c, "t.rgp", text, "/data", out);
    fclose(out);
    return rc;
}

#define SCHEMA_R "schema R { id: u32, v: f64, n: i64, s: str, t: time, ok: bool, small: i32, big: u64 }\n" \
                 "source src = stdin as csv(R, header: false)\n"
#endif
