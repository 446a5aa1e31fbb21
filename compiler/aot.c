/* Runs `cc -O2` with the generated C on its standard input, so nothing is written
 * but the binary; cc's messages are kept in an unlinked temporary file and shown
 * only when it fails. $CC picks another compiler. */
#include "aot.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int aot_build(const char *c_text, const char *c_name, const char *out_path)
{
    const char *cc = getenv("CC");
    if (!cc || !*cc) cc = "cc";
    /* -ffp-contract=off: no fused multiply-add, so floats match the JIT's bit for bit */
    char *const args[] = {(char *)cc, "-std=c11", "-O2", "-ffp-contract=off", "-pthread", "-x", "c", "-",
                          "-o", (char *)out_path, "-lm", NULL};
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
        dup2(in[0], 0);
        dup2(fileno(msgs), 1);
        dup2(fileno(msgs), 2);
        close(in[0]);
        close(in[1]);
        execvp(cc, args);
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
