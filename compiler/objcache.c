/* The -O object cache: naming entries, checking them whole, building and loading them. */
#include "objcache.h"
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "aot.h"

/* Names a cache entry: eight bytes a step, each mixed by a multiply and a
 * shift (FNV-1a for the tail); a byte at a time cost 2M instructions on a
 * 280 KB program, a tenth of a JIT run's budget. A collision would need the
 * same 64-bit hash for two programs and the same compiler. */
static uint64_t text_hash(uint64_t h, const char *p, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0x9e3779b97f4a7c15ull;
        h ^= h >> 32;
    }
    for (; i < n; i++) h = (h ^ (unsigned char)p[i]) * 0x100000001b3ull;
    return h;
}

void objcache_locate(objcache_entry *e, const char *c_text)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (xdg && *xdg) snprintf(e->dir, sizeof e->dir, "%s/rgp", xdg);
    else if (home && *home) snprintf(e->dir, sizeof e->dir, "%s/.cache/rgp", home);
    else snprintf(e->dir, sizeof e->dir, "/tmp/rgp-cache-%d", (int)getuid());
    const char *cc = aot_compiler();
    uint64_t h = text_hash(0xcbf29ce484222325ull, c_text, strlen(c_text));
    h = text_hash(h, cc, strlen(cc));
    h = text_hash(h, RGP_VERSION, strlen(RGP_VERSION));
    snprintf(e->hash, sizeof e->hash, "%016llx", (unsigned long long)h);
    snprintf(e->path, sizeof e->path, "%s/%s.so", e->dir, e->hash);
}

/* Reads exactly n bytes at off; false on a short file. */
static bool read_at(FILE *f, long off, void *buf, size_t n)
{
    return fseek(f, off, SEEK_SET) == 0 && fread(buf, 1, n, f) == n;
}

bool objcache_usable(const objcache_entry *e)
{
    struct stat st;
    if (stat(e->path, &st) != 0 || !S_ISREG(st.st_mode)) return false;
    FILE *f = fopen(e->path, "rb");
    if (!f) return false;
    uint64_t size = (uint64_t)st.st_size;
    Elf64_Ehdr eh;
    bool ok = read_at(f, 0, &eh, sizeof eh) && !memcmp(eh.e_ident, ELFMAG, SELFMAG) &&
              eh.e_ident[EI_CLASS] == ELFCLASS64 && eh.e_type == ET_DYN &&
              eh.e_phentsize == sizeof(Elf64_Phdr) && eh.e_phnum > 0 &&
              eh.e_phoff + (uint64_t)eh.e_phnum * eh.e_phentsize <= size &&
              eh.e_shoff + (uint64_t)eh.e_shnum * eh.e_shentsize <= size;
    /* a segment past the end would be mapped anyway, and touching it is SIGBUS */
    for (int i = 0; ok && i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        ok = read_at(f, (long)(eh.e_phoff + (uint64_t)i * sizeof ph), &ph, sizeof ph) &&
             (ph.p_type != PT_LOAD || (ph.p_offset <= size && ph.p_filesz <= size - ph.p_offset));
    }
    fclose(f);
    return ok;
}

static int make_dirs(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        int rc = mkdir(path, 0755);
        *p = '/';
        if (rc != 0 && errno != EEXIST) return -1;
    }
    return mkdir(path, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

int objcache_make_dir(const objcache_entry *e)
{
    char dir[sizeof e->dir];
    memcpy(dir, e->dir, sizeof dir);
    return make_dirs(dir);
}

int objcache_build(const objcache_entry *e, const char *c_text, const char *c_name)
{
    char tmp[sizeof e->path + 32];
    if (objcache_make_dir(e) != 0) {
        fprintf(stderr, "rgp: error: cannot make the cache directory '%s': %s\n", e->dir, strerror(errno));
        return 1;
    }
    /* build beside it, then rename: a run never sees half a file, and two
     * builders of one entry each write their own temporary */
    snprintf(tmp, sizeof tmp, "%s/.%s.%d.so", e->dir, e->hash, (int)getpid());
    int rc = aot_build(c_text, c_name, tmp, true);
    if (rc == 0 && rename(tmp, e->path) != 0) {
        fprintf(stderr, "rgp: error: cannot write '%s': %s\n", e->path, strerror(errno));
        rc = 1;
    }
    if (rc != 0) unlink(tmp);
    return rc;
}

int objcache_run(const objcache_entry *e, int argc, char **argv, const char **why)
{
    void *lib = dlopen(e->path, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        *why = dlerror();
        return -1;
    }
    int (*entry)(int, char **) = (int (*)(int, char **))dlsym(lib, "rgp_program_main");
    if (!entry) {
        *why = "it has no rgp_program_main";
        dlclose(lib);
        return -1;
    }
    int rc = entry(argc, argv);
    dlclose(lib);
    return rc;
}

bool objcache_verbose(void)
{
    const char *v = getenv("RGP_VERBOSE");
    return v && *v && strcmp(v, "0") != 0;
}
