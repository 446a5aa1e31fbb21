/* Reading a file whole (whole_file.h). */
#include "whole_file.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

char *whole_file_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    for (size_t got; buf && (got = fread(buf + n, 1, cap - n, f)) > 0;) {
        n += got;
        if (n == cap) {
            char *bigger = realloc(buf, (cap *= 2) + 1);
            if (!bigger) free(buf);
            buf = bigger;
        }
    }
    int err = ferror(f);
    fclose(f);
    if (!buf || err) { free(buf); errno = buf ? EIO : ENOMEM; return NULL; }
    buf[n] = '\0';
    *len = n;
    return buf;
}
