/* Runs `cc -O2` with the generated C on its standard input, so nothing is written
 * but the binary; cc's messages are kept in an unlinked temporary file and shown
 * only when it fails. $CC picks another compiler. */
#include "aot.h"
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <dlfcn.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *compiler(void)
{
    const char *cc = getenv("CC");
    return cc && *cc ? cc : "cc";
}

int aot_build(const char *c_text, const char *c_name, const char *out_path, bool shared)
{
    const char *cc = compiler();
    /* -ffp-contract=off: no fused multiply-add, so floats match the JIT's bit for bit */
    char *const program_args[] = {(char *)cc, "-std=c11", "-O2", "-ffp-contract=off", "-pthread", "-x", "c", "-",
                                  "-o", (char *)out_path, "-lm", NULL};
    char *const shared_args[] = {(char *)cc, "-std=c11", "-O2", "-ffp-contract=off", "-pthread", "-fPIC", "-shared",
                                 "-DRGP_JIT", "-x", "c", "-", "-o", (char *)out_path, "-lm", NULL};
    char *const *args = shared ? shared_args : program_args;
    /* an output path we cannot write is the user's problem, not a compiler bug */
    int probe = open(out_path, O_WRONLY | O_CREAT, 0755);
    if (probe < 0) {
        fprintf(stderr, "rgp: error: cannot write '%s': %s\n", out_path, strerror(errno));
        return 1;
    }
    close(probe);
    FILE *msgs = tmpfile();
    int in[2];
    if (!msgs || pipe(in) != 0) {
        fprintf(stderr, "rgp: error: cannot start the C compiler: %s\n", strerror(errno));
        if (msgs) fclose(msgs);
        return 1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "rgp: error: cannot start the C compiler: %s\n", strerror(errno));
        fclose(msgs);
        return 1;
    }
    if (pid == 0) {
        sigset_t none;   /* rgp run -O blocks SIGINT and SIGTERM for the pipeline; cc takes them as usual */
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        dup2(in[0], 0);
        dup2(fileno(msgs), 1);
        dup2(fileno(msgs), 2);
        close(in[0]);
        close(in[1]);
        execvp(cc, (char *const *)args);
        _exit(127);
    }
    close(in[0]);
    void (*old_pipe)(int) = signal(SIGPIPE, SIG_IGN);   /* cc may exit before reading it all */
    size_t len = strlen(c_text), off = 0;
    while (off < len) {
        ssize_t n = write(in[1], c_text + off, len - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        off += (size_t)n;
    }
    close(in[1]);
    signal(SIGPIPE, old_pipe);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (code == 0) { fclose(msgs); return 0; }
    if (WIFSIGNALED(status) && (WTERMSIG(status) == SIGINT || WTERMSIG(status) == SIGTERM)) {
        fclose(msgs);   /* ^C while cc ran: the user's stop, not a bug */
        return code;
    }
    if (code == 127) {
        fprintf(stderr, "rgp: error: cannot run the C compiler '%s': install gcc (apt-get install gcc) or set CC\n", cc);
        fclose(msgs);
        return 1;
    }
    fprintf(stderr, "rgp: internal error: '%s' failed on the generated C (this is a bug in rgp; `rgp emit` shows %s):\n", cc, c_name);
    rewind(msgs);
    char buf[4096];
    int lines = 0;
    while (fgets(buf, sizeof buf, msgs) && lines++ < 40) fprintf(stderr, "  %s", buf);
    fclose(msgs);
    return 2;
}

/* FNV-1a over the bytes: names a cache entry; a collision would need the same
 * 64-bit hash for two programs and the same compiler. */
static uint64_t fnv1a(uint64_t h, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)p[i]) * 0x100000001b3ull;
    return h;
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

int aot_run_cached(const char *c_text, const char *c_name, int argc, char **argv)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    char dir[PATH_MAX], so[PATH_MAX + 64], tmp[PATH_MAX + 64];
    if (xdg && *xdg) snprintf(dir, sizeof dir, "%s/rgp", xdg);
    else if (home && *home) snprintf(dir, sizeof dir, "%s/.cache/rgp", home);
    else snprintf(dir, sizeof dir, "/tmp/rgp-cache-%d", (int)getuid());
    const char *cc = compiler();
    uint64_t h = fnv1a(0xcbf29ce484222325ull, c_text, strlen(c_text));
    h = fnv1a(h, cc, strlen(cc));
    h = fnv1a(h, RGP_VERSION, strlen(RGP_VERSION));
    snprintf(so, sizeof so, "%s/%016llx.so", dir, (unsigned long long)h);
    if (access(so, R_OK) != 0) {
        if (make_dirs(dir) != 0) {
            fprintf(stderr, "rgp: error: cannot make the cache directory '%s': %s\n", dir, strerror(errno));
            return 1;
        }
        /* build beside it, then rename: a run never sees half a file */
        snprintf(tmp, sizeof tmp, "%s/.%016llx.%d.so", dir, (unsigned long long)h, (int)getpid());
        int rc = aot_build(c_text, c_name, tmp, true);
        if (rc != 0) {
            unlink(tmp);
            return rc;
        }
        if (rename(tmp, so) != 0) {
            fprintf(stderr, "rgp: error: cannot write '%s': %s\n", so, strerror(errno));
            unlink(tmp);
            return 1;
        }
    }
    void *lib = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "rgp: error: cannot load '%s': %s (delete it to rebuild)\n", so, dlerror());
        return 1;
    }
    int (*entry)(int, char **) = (int (*)(int, char **))dlsym(lib, "rgp_program_main");
    if (!entry) {
        fprintf(stderr, "rgp: internal error: '%s' has no rgp_program_main\n", so);
        dlclose(lib);
        return 2;
    }
    int rc = entry(argc, argv);
    dlclose(lib);
    return rc;
}
