/* The background builder: a double fork so that rgp neither waits for it nor
 * leaves a zombie, a new session so that ^C at the terminal does not reach it,
 * and an flock on DIR/.HASH.lock so that concurrent runs start one cc, not one
 * each. The lock goes with the process: a builder that dies leaves none held. */
#include "background_cc.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

enum { WAIT_FOR_EXIT_MS = 1000 };

static bool disabled(void)
{
    const char *v = getenv("RGP_NO_BACKGROUND_CC");
    return v && *v && strcmp(v, "0") != 0;
}

/* The grandchild: quiet, low priority, then build unless a builder that held
 * the lock before us already did. A failure of cc on our C leaves a marker so
 * that later runs do not try again (rgp run -O reports the failure).
 * lock_fd holds the entry's lock; rgp_alive reads the pipe rgp writes to. */
static void build_quietly(const objcache_entry *e, const char *c_text, const char *c_name, int lock_fd,
                          int rgp_alive, const char *lock_path, const char *failed_path)
{
    sigset_t none;   /* rgp run blocks SIGINT and SIGTERM for its pipeline; the builder takes them as usual */
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
        dup2(null, 0), dup2(null, 1), dup2(null, 2);
        if (null > 2) close(null);
    }
    /* no pipe of the caller's stays open: `out=$(rgp run ...)` must not wait for cc */
    unsigned lo = (unsigned)(lock_fd < rgp_alive ? lock_fd : rgp_alive);
    unsigned hi = (unsigned)(lock_fd < rgp_alive ? rgp_alive : lock_fd);
    if (lo > 3) close_range(3, lo - 1, 0);
    if (hi > lo + 1) close_range(lo + 1, hi - 1, 0);
    close_range(hi + 1, ~0u, 0);
    /* cc waits until rgp has exited (the pipe's last writer is gone) or for a
     * second: a short run keeps both CPUs to itself, a long one shares them */
    struct pollfd until_exit = {rgp_alive, POLLIN, 0};
    while (poll(&until_exit, 1, WAIT_FOR_EXIT_MS) < 0 && errno == EINTR) {}
    close(rgp_alive);
    if (setpriority(PRIO_PROCESS, 0, 10) != 0) {}   /* a lower priority is a courtesy, not a need */
    if (!objcache_usable(e) && objcache_build(e, c_text, c_name) == 2) {
        int marker = open(failed_path, O_WRONLY | O_CREAT, 0644);
        if (marker >= 0) close(marker);
    }
    unlink(lock_path);   /* a run that opened it before this sees the entry and builds nothing */
    _exit(0);
}

background_cc background_cc_start(const objcache_entry *e, const char *c_text, const char *c_name)
{
    if (disabled()) return BACKGROUND_DISABLED;
    char lock_path[sizeof e->path + 16], failed_path[sizeof e->path + 16];
    snprintf(lock_path, sizeof lock_path, "%s/.%s.lock", e->dir, e->hash);
    snprintf(failed_path, sizeof failed_path, "%s/%s.failed", e->dir, e->hash);
    if (access(failed_path, F_OK) == 0) return BACKGROUND_FAILED;
    if (objcache_make_dir(e) != 0) return BACKGROUND_CANNOT;
    int fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return BACKGROUND_CANNOT;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        return BACKGROUND_BUSY;
    }
    /* the write end stays open in rgp alone (close-on-exec, and the grandchild
     * closes its copy) until rgp exits */
    int alive[2];
    if (pipe2(alive, O_CLOEXEC) != 0) {
        close(fd);
        return BACKGROUND_CANNOT;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t child = fork();
    if (child == 0) {
        setsid();
        if (fork() == 0) {
            close(alive[1]);
            build_quietly(e, c_text, c_name, fd, alive[0], lock_path, failed_path);
        }
        _exit(0);
    }
    close(fd);   /* the lock stays with the grandchild's copy of the descriptor */
    close(alive[0]);
    if (child < 0) close(alive[1]);
    if (child < 0) return BACKGROUND_CANNOT;
    while (waitpid(child, NULL, 0) < 0 && errno == EINTR) {}
    return BACKGROUND_STARTED;
}

const char *background_cc_said(background_cc b)
{
    switch (b) {
    case BACKGROUND_STARTED: return "cc -O2 started in background";
    case BACKGROUND_DISABLED: return "no background cc (RGP_NO_BACKGROUND_CC is set)";
    case BACKGROUND_BUSY: return "cc -O2 already running in background for it";
    case BACKGROUND_FAILED: return "no background cc (cc failed on this program before; rgp run -O shows why)";
    case BACKGROUND_CANNOT: return "no background cc (cannot make the cache directory or start a process)";
    }
    return "";
}
