/* The libraries a generated program links beyond libc and libm: the emitter
 * names each on a first line `// rgp-link: NAME`, and the JIT and the cc build
 * read them back, so a binary links only what it uses. */
#ifndef RGP_LINKS_H
#define RGP_LINKS_H

#define RGP_LINK_MARKER "// rgp-link: "
enum { LINKS_MAX = 4, LINK_NAME_MAX = 32 };

/* Fills names[] (as for -lNAME) from c_text's leading marker lines; returns how many. */
int links_of(const char *c_text, char names[LINKS_MAX][LINK_NAME_MAX]);

#endif
