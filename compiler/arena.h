/* A bump allocator for everything the compiler builds: AST, types, strings.
 * Freed in one call when the compilation is over; no per-node free. */
#ifndef RGP_ARENA_H
#define RGP_ARENA_H
#include <stddef.h>

typedef struct arena_block arena_block;
typedef struct arena { arena_block *head; } arena;

void *arena_alloc(arena *a, size_t size);          /* zeroed, 16-byte aligned; exits on out-of-memory */
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void arena_free(arena *a);

#endif
