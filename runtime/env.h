/* env.h - env("NAME") and env("NAME", "default") of a pipeline: each variable
 * is read once by rgp_program_main, before any file is opened or thread
 * started; a path from one resolves like a path written in the .rgp file. */
#ifndef RGP_ENV_H
#define RGP_ENV_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "program.h"

/* The variable's text into *out; when it is unset, the default, or (with no
 * default) a message naming the variable and where it is used, and -1. */
static inline int rgp_env_read(const char *prog, const char *name, const char *dflt, const char *where, rgp_str *out)
{
    const char *v = getenv(name);
    if (!v) v = dflt;
    if (!v) {
        fprintf(stderr, "%s: error: environment variable %s is not set; env(\"%s\") at %s has no default\n", prog, name, name, where);
        return -1;
    }
    *out = (rgp_str){v, strlen(v)};
    return 0;
}

/* A source or sink whose path is env(...): relative text resolves against the
 * .rgp file's directory (rgp run) or the binary's (rgp build), as
 * rgp_resolve_paths does for a written path; NAME=PATH still overrides it. */
static inline int rgp_env_path(const char *prog, rgp_endpoint *ep, rgp_str value)
{
    if (value.len == 0) {
        fprintf(stderr, "%s: error: the path of %s '%s' (%s) comes from an empty environment variable\n", prog,
                ep->is_sink ? "sink" : "source", ep->name, ep->where);
        return -1;
    }
    ep->written = ep->display = ep->path = value.ptr;
    if (value.ptr[0] == '/' || !rgp__base_dir[0]) return 0;
    size_t len = strlen(rgp__base_dir) + value.len + 2;
    char *path = (char *)malloc(len);   /* once per endpoint, kept for the run */
    if (!path) return 0;
    snprintf(path, len, "%s/%s", rgp__base_dir, value.ptr);
    ep->path = path;
    return 0;
}

#endif /* RGP_ENV_H */
