/* version.h - `rgp --version`: rgp's version, its libtcc, and the cc it will use. */
#ifndef RGP_VERSION_H
#define RGP_VERSION_H
#include <stdio.h>

/* Three lines: rgp VERSION; libtcc VERSION; cc NAME (PATH): its first --version line. */
void version_print(FILE *f, const char *rgp_version);

#endif
