/* version.c - what `rgp --version` says: rgp's version, the libtcc linked into
 * it (its Debian package version, recorded by the Makefile) and the cc that
 * `rgp build` and `rgp run -O` will run, with the first line of its --version. */
#include "version.h"
#include "aot.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef RGP_LIBTCC_VERSION
#define RGP_LIBTCC_VERSION "unknown"
#endif

/* The file execvp would run for `cc`: itself when it has a slash, else the first
 * executable of that name on $PATH. 0, or -1 when there is none. */
static int find_in_path(const char *cc, char *out, size_t n)
{
    if (strchr(cc, '/')) {
        snprintf(out, n, "%s", cc);
        return access(cc, X_OK) == 0 ? 0 : -1;
    }
    const char *path = getenv("PATH");
    if (!path || !*path) path = "/usr/local/bin:/usr/bin:/bin";
    for (const char *p = path; *p;) {
        size_t len = strcspn(p, ":");
        snprintf(out, n, "%.*s/%s", (int)len ? (int)len : 1, len ? p : ".", cc);
        struct stat sb;
        if (stat(out, &sb) == 0 && S_ISREG(sb.st_mode) && access(out, X_OK) == 0) return 0;
        p += len + (p[len] == ':');
    }
    return -1;
}

/* The first line `cc --version` prints, or "" when it prints nothing or fails. */
static void first_line_of_version(const char *cc, char *out, size_t n)
{
    out[0] = 0;
    int fd[2];
    if (pipe(fd) != 0) return;
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return;
    }
    if (pid == 0) {
        dup2(fd[1], 1);
        int null = open("/dev/null", O_WRONLY);   /* its complaints are not ours to show */
        if (null >= 0) dup2(null, 2);
        close(fd[0]);
        close(fd[1]);
        execlp(cc, cc, "--version", (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    size_t len = 0;
    ssize_t k;
    while (len + 1 < n && ((k = read(fd[0], out + len, n - 1 - len)) > 0 || (k < 0 && errno == EINTR)))
        if (k > 0) len += (size_t)k;
    out[len] = 0;
    close(fd[0]);   /* the rest of its output, unread: it may get SIGPIPE, which is fine */
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) out[0] = 0;
    out[strcspn(out, "\n")] = 0;
}

void version_print(FILE *f, const char *rgp_version)
{
    fprintf(f, "rgp %s\n", rgp_version);
    fprintf(f, "libtcc %s (linked into rgp; rgp run compiles with it)\n", RGP_LIBTCC_VERSION);
    const char *cc = aot_compiler();
    char path[PATH_MAX], line[512];
    if (find_in_path(cc, path, sizeof path) != 0) {
        fprintf(f, "cc %s: not found (rgp build and rgp run -O need it; set $CC)\n", cc);
        return;
    }
    first_line_of_version(path, line, sizeof line);
    fprintf(f, "cc %s (%s%s): %s\n", cc, path, getenv("CC") && *getenv("CC") ? ", from $CC" : "",
            line[0] ? line : "no --version output");
}
