/* The AOT path: builds generated C into a standalone binary with the system cc. */
#ifndef RGP_AOT_H
#define RGP_AOT_H

/* Returns 0, 1 when cc cannot be run (a user's environment problem), 2 when it fails on our C. */
int aot_build(const char *c_text, const char *c_name, const char *out_path);

#endif
