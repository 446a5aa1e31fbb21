/* jit_runtime.c - the runtime functions rgp run hands to libtcc compiled
 * (stdlib/rgp_linked.h): their definitions, compiled here by cc with rgp, and the
 * table of their names and addresses that jit.c gives tcc_add_symbol. */
#include "jit_runtime.h"
#include <libtcc.h>
#include "csv_scan.h"
#include "reader.h"
#include "rgp_std.h"

/* Each list's declarations again, as the headers declare them under
 * RGP_LINKED: a list that no longer matches its definitions does not compile. */
#define SAME_AS_DEFINED(ret, name, params) static inline ret name params;
RGP_STD_PARSE_LINKED(SAME_AS_DEFINED)
RGP_STD_HASH_LINKED(SAME_AS_DEFINED)
RGP_READER_LINKED(SAME_AS_DEFINED)
RGP_CSV_SCAN_LINKED(SAME_AS_DEFINED)

#define ENTRY(ret, name, params) {#name, (void *)name},
const jit_symbol jit_runtime_symbols[] = {
    RGP_STD_PARSE_LINKED(ENTRY)
    RGP_STD_HASH_LINKED(ENTRY)
    RGP_READER_LINKED(ENTRY)
    RGP_CSV_SCAN_LINKED(ENTRY)
};
const int jit_runtime_nsymbols = (int)(sizeof jit_runtime_symbols / sizeof *jit_runtime_symbols);

int jit_runtime_declare(TCCState *s)
{
    tcc_define_symbol(s, "RGP_LINKED", "1");
    return 0;
}

int jit_runtime_add(TCCState *s)
{
    for (int i = 0; i < jit_runtime_nsymbols; i++)
        if (tcc_add_symbol(s, jit_runtime_symbols[i].name, jit_runtime_symbols[i].addr) != 0) return -1;
    return 0;
}
