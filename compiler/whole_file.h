/* Reading a file whole, for the commands that work on one at a time. */
#ifndef RGP_WHOLE_FILE_H
#define RGP_WHOLE_FILE_H
#include <stddef.h>

/* The bytes of path, NUL-terminated, with their count in *len; the caller
 * frees them. NULL with errno set when it cannot be opened or read. */
char *whole_file_read(const char *path, size_t *len);

#endif
