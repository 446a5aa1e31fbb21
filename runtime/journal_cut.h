/* Cutting a journal back to an offset: what a pipeline resuming from a checkpoint
 * does to its journal sinks before it appends, so that the records it writes
 * again replace, byte for byte, the ones written after the checkpoint. */
#ifndef RGP_JOURNAL_CUT_H
#define RGP_JOURNAL_CUT_H
#include "journal.h"

/* Keeps the records below `upto` and removes the rest: later segments are
 * deleted, the one holding `upto` is cut at its frame. 0, or -1 with err set
 * (a journal that ends before `upto` lost records the checkpoint counts on). */
static inline int rgp_journal_cut(const char *dir, uint64_t upto, char *err, size_t errlen)
{
    rgp_journal_segs s;
    if (rgp_journal_list(dir, &s, err, errlen) != 0) {
        if (upto == 0 && errno == ENOENT) return 0;   /* nothing written yet, nothing to keep */
        return -1;
    }
    char path[4200];
    int rc = 0;
    /* newest first: a crash part way leaves a journal that still opens */
    for (int i = s.n - 1; i >= 0 && rc == 0; i--) {
        rgp_journal_seg_path(path, sizeof path, dir, s.base[i]);
        if (s.base[i] >= upto && (s.base[i] > 0 || upto == 0)) {
            if (unlink(path) != 0) {
                rgp_journal_err(err, errlen, "journal %s: cannot remove %s: %s", dir, path, strerror(errno));
                rc = -1;
            }
            continue;
        }
        /* the segment that holds the records just below upto: cut after record upto - 1 */
        int fd = open(path, O_RDWR | O_CLOEXEC);
        rgp_journal_header *h = fd >= 0 ? malloc(sizeof *h) : NULL;
        int torn = 0;
        if (!h || rgp_journal_header_read(fd, path, h, &torn, err, errlen) != 0) {
            if (fd >= 0 && h) rgp_journal_err(err, errlen, "journal %s: %s: its header cannot be read", dir, path);
            else rgp_journal_err(err, errlen, "journal %s: %s: %s", dir, path, strerror(errno));
            if (fd >= 0) close(fd);
            free(h);
            rc = -1;
            break;
        }
        rgp_journal_cursor c = {0};
        rgp_journal_cursor_init(&c, fd, rgp_journal_header_size(h));
        uint64_t next = s.base[i];
        const unsigned char *p;
        uint32_t len;
        while (next < upto && rgp_journal_cursor_next(&c, next, &p, &len) == RGP_FRAME_OK) next++;
        uint64_t at = rgp_journal_cursor_tell(&c);
        rgp_journal_cursor_free(&c);
        free(h);
        if (next < upto) {
            rgp_journal_err(err, errlen, "journal %s ends at offset %llu, before the checkpoint's %llu: records the checkpoint "
                            "counts as written are gone", dir, (unsigned long long)next, (unsigned long long)upto);
            rc = -1;
        } else if (ftruncate(fd, (off_t)at) != 0 || fsync(fd) != 0) {
            rgp_journal_err(err, errlen, "journal %s: cannot cut %s at byte %llu: %s", dir, path, (unsigned long long)at,
                            strerror(errno));
            rc = -1;
        }
        close(fd);
        break;
    }
    if (rc == 0 && s.n && upto > 0 && s.base[0] >= upto) {
        rgp_journal_err(err, errlen, "journal %s starts at offset %llu, after the checkpoint's %llu", dir,
                        (unsigned long long)s.base[0], (unsigned long long)upto);
        rc = -1;
    }
    free(s.base);
    if (rc == 0) {
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd);   /* the unlinks: on disk before records are written again */
            close(dfd);
        }
    }
    return rc;
}

#endif
