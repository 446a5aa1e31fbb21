/* Runs `cc -O2` with the generated C on its standard input, so nothing is written
 * but the binary; cc's messages are kept in an unlinked temporary file and shown
 * only when it fails. $CC picks another compiler. */
#include "aot.h"
#include "links.h"
#include "objcache.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

const char *aot_compiler(void)
{
    const char *cc = getenv("CC");
    return cc && *cc ? cc : "cc";
}

int aot_build(const char *c_text, const char *c_name, const char *out_path, bool shared)
{
    const char *cc = aot_compiler();
    /* -ffp-contract=off: no fused multiply-add, so floats match the JIT's bit for bit */
    char *const program_args[] = {(char *)cc, "-std=c11", "-O2", "-ffp-contract=off", "-pthread", "-x", "c", "-",
                                  "-o", (char *)out_path, "-lm", NULL};
    char *const shared_args[] = {(char *)cc, "-std=c11", "-O2", "-ffp-contract=off", "-pthread", "-fPIC", "-shared",
                                 "-DRGP_JIT", "-x", "c", "-", "-o", (char *)out_path, "-lm", NULL};
    char *const *fixed = shared ? shared_args : program_args;
    /* then -lNAME for each library the program names (links.h), and nothing else */
    char libs[LINKS_MAX][LINK_NAME_MAX], flags[LINKS_MAX][LINK_NAME_MAX + 2];
    char *args[sizeof shared_args / sizeof shared_args[0] + LINKS_MAX];
    int na = 0;
    while (fixed[na]) args[na] = fixed[na], na++;
    for (int i = 0, n = links_of(c_text, libs); i < n; i++) {
        snprintf(flags[i], sizeof flags[i], "-l%.31s", libs[i]);
        args[na++] = flags[i];
    }
    args[na] = NULL;
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

int aot_run_cached(const char *c_text, const char *c_name, int argc, char **argv)
{
    objcache_entry e;
    objcache_locate(&e, c_text);
    bool usable = objcache_usable(&e);
    for (int attempt = 0;; attempt++) {
        if (!usable) {
            if (objcache_verbose()) fprintf(stderr, "rgp: cc -O2 builds %s\n", e.path);
            int rc = objcache_build(&e, c_text, c_name);
            if (rc != 0) return rc;
        } else if (objcache_verbose()) {
            fprintf(stderr, "rgp: cached -O object %s\n", e.path);
        }
        const char *why = "";
        int rc = objcache_run(&e, argc, argv, &why);
        if (rc >= 0) return rc;
        if (attempt) {
            fprintf(stderr, "rgp: error: cannot load '%s': %s\n", e.path, why);
            return 1;
        }
        usable = false;   /* a damaged entry: build it again, once */
    }
}
