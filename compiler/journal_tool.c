/* `rgp journal verify|dump|info DIR`: the journal's tools, on runtime/journal.h.
 * verify reads every frame of every segment; dump prints records as JSON lines,
 * decoded by the schema each segment's header holds; info lists the segments
 * and the durable and committed offsets. */
#include <inttypes.h>
#include <math.h>
#include "journal.h"
#include "journal_tool.h"
#include "types.h"
#include "writer.h"

/* One field of a segment's schema text "name:type;...". */
typedef struct jfield {
    char name[128];
    type_id type;
} jfield;

/* Splits a schema text into fields: their count, or -1 for a type rgp does not know. */
static int parse_schema(const char *schema, jfield *out, int max)
{
    int n = 0;
    const char *p = schema;
    while (*p && n < max) {
        const char *colon = strchr(p, ':'), *end = strchr(p, ';');
        if (!end) end = p + strlen(p);
        if (!colon || colon > end || (size_t)(colon - p) >= sizeof out[n].name) return -1;
        memcpy(out[n].name, p, (size_t)(colon - p));
        out[n].name[colon - p] = 0;
        char tname[16];
        size_t tl = (size_t)(end - colon - 1);
        if (tl >= sizeof tname) return -1;
        memcpy(tname, colon + 1, tl);
        tname[tl] = 0;
        if (!type_lookup(tname, &out[n].type)) return -1;
        n++;
        p = *end ? end + 1 : end;
    }
    return n;
}

static void json_string(FILE *f, const unsigned char *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c == '\n') fputs("\\n", f);
        else if (c == '\t') fputs("\\t", f);
        else if (c == '\r') fputs("\\r", f);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

/* Prints one payload as a JSON object: 0, or -1 when it does not match the schema. */
static int dump_record(FILE *f, uint64_t offset, const unsigned char *p, uint32_t len, const jfield *fs, int nf)
{
    const unsigned char *end = p + len;
    fprintf(f, "{\"offset\":%" PRIu64, offset);
    for (int i = 0; i < nf; i++) {
        fputc(',', f);
        json_string(f, (const unsigned char *)fs[i].name, strlen(fs[i].name));
        fputc(':', f);
        const scalar_info *t = &scalar_types[fs[i].type];
        if (t->cls == TC_BOOL) {
            if (end - p < 1) return -1;
            fputs(*p++ ? "true" : "false", f);
        } else if (t->cls == TC_STR) {
            if (end - p < 4) return -1;
            uint32_t n = rgp_le32_get(p);
            p += 4;
            if ((uint32_t)(end - p) < n) return -1;
            json_string(f, p, n);
            p += n;
        } else {
            if (end - p < 8) return -1;
            uint64_t v = rgp_le64_get(p);
            p += 8;
            if (t->cls == TC_FLOAT) {
                double d;
                memcpy(&d, &v, sizeof d);
                char buf[48];
                if (isfinite(d)) fwrite(buf, 1, rgp__fmt_f64(buf, d), f);
                else fputs("null", f);
            } else if (t->is_signed) {
                fprintf(f, "%" PRId64, (int64_t)v);
            } else {
                fprintf(f, "%" PRIu64, v);
            }
        }
    }
    fputs("}\n", f);
    return p == end ? 0 : -1;
}

static int verify(const char *dir)
{
    char err[4600], path[4200];
    rgp_journal_segs s;
    if (rgp_journal_list(dir, &s, err, sizeof err) != 0) {
        fprintf(stderr, "rgp journal verify: %s\n", err);
        return 1;
    }
    rgp_journal_header *h = malloc(sizeof *h);
    char *first_schema = NULL;
    uint64_t expect = s.n ? s.base[0] : 0, records = 0, bytes = 0;
    int bad = 0;
    for (int i = 0; i < s.n && !bad; i++) {
        int last = i + 1 == s.n, torn;
        rgp_journal_seg_path(path, sizeof path, dir, s.base[i]);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            fprintf(stderr, "rgp journal verify: %s: %s\n", path, strerror(errno));
            bad = 1;
            break;
        }
        if (rgp_journal_header_read(fd, path, h, &torn, err, sizeof err) != 0) {
            close(fd);
            if (last && torn) {
                fprintf(stderr, "rgp journal verify: warning: %s (a segment being made; a writer removes it on open)\n", err);
                break;
            }
            fprintf(stderr, "rgp journal verify: %s\n", err);
            bad = 1;
            break;
        }
        if (!first_schema) first_schema = strdup(h->schema);
        if (strcmp(first_schema, h->schema) != 0) {
            fprintf(stderr, "rgp journal verify: %s: records of another type (%s) than the first segment's (%s)\n", path,
                    h->schema, first_schema);
            bad = 1;
        } else if (h->base != expect) {
            fprintf(stderr, "rgp journal verify: %s: starts at offset %" PRIu64 ", but the segment before ends at %" PRIu64 "\n",
                    path, h->base, expect);
            bad = 1;
        }
        rgp_journal_cursor c = {0};
        rgp_journal_cursor_init(&c, fd, rgp_journal_header_size(h));
        const unsigned char *p;
        uint32_t len;
        int rc = RGP_FRAME_OK;
        while (!bad && (rc = rgp_journal_cursor_next(&c, expect, &p, &len)) == RGP_FRAME_OK) {
            expect++;
            records++;
        }
        uint64_t at = rgp_journal_cursor_tell(&c);
        struct stat st;
        uint64_t size = fstat(fd, &st) == 0 ? (uint64_t)st.st_size : at;
        bytes += size;
        if (!bad && rc < 0) {
            fprintf(stderr, "rgp journal verify: %s: %s\n", path, strerror(errno));
            bad = 1;
        } else if (!bad && at < size) {
            uint64_t again = rc == RGP_FRAME_BAD ? rgp_journal_cursor_resync(&c, expect) : 0;
            if (last && !again)
                fprintf(stderr,
                        "rgp journal verify: warning: %s: torn tail of %" PRIu64 " bytes at byte %" PRIu64
                        " (a crash in the middle of a write; a writer cuts it on open)\n",
                        path, size - at, at);
            else {
                fprintf(stderr, "rgp journal verify: %s: corrupt frame at byte %" PRIu64 " (offset %" PRIu64 ")\n", path, at,
                        expect);
                bad = 1;
            }
        }
        rgp_journal_cursor_free(&c);
        close(fd);
    }
    if (!bad)
        printf("%s: sound: %d segment%s, offsets %" PRIu64 " to %" PRIu64 ", %" PRIu64 " records, %" PRIu64 " bytes\n", dir,
               s.n, s.n == 1 ? "" : "s", s.n ? s.base[0] : 0, expect, records, bytes);
    free(first_schema);
    free(h);
    free(s.base);
    return bad;
}

static int dump(const char *dir, uint64_t from)
{
    rgp_journal_reader *r = malloc(sizeof *r);
    if (rgp_journal_reader_open(r, dir, from, 0, 0) != 0) {
        fprintf(stderr, "rgp journal dump: %s\n", r->err);
        free(r);
        return 1;
    }
    jfield fs[512];
    int nf = -1, status = 0;
    uint64_t schema_of = RGP_JOURNAL_END;           /* the segment whose schema fs holds */
    const unsigned char *p;
    uint32_t len;
    uint64_t off;
    int rc;
    while ((rc = rgp_journal_next(r, &p, &len, &off)) == 1) {
        if (schema_of != r->segs.base[r->seg]) {
            schema_of = r->segs.base[r->seg];
            nf = parse_schema(r->h.schema, fs, 512);
            if (nf < 0) {
                fprintf(stderr, "rgp journal dump: %s: a schema rgp cannot read: %s\n", dir, r->h.schema);
                status = 1;
                break;
            }
        }
        if (dump_record(stdout, off, p, len, fs, nf) != 0) {
            fprintf(stderr, "\nrgp journal dump: %s: record %" PRIu64 " does not match its schema (%s)\n", dir, off,
                    r->h.schema);
            status = 1;
            break;
        }
    }
    if (rc < 0) {
        fprintf(stderr, "rgp journal dump: %s\n", r->err);
        status = 1;
    } else if (r->tail_bytes)
        fprintf(stderr, "rgp journal dump: warning: %" PRIu64 " bytes after the last whole record (a torn tail)\n",
                r->tail_bytes);
    rgp_journal_reader_close(r);
    free(r);
    if (fflush(stdout) != 0) status = 1;
    return status;
}

static int info(const char *dir)
{
    char err[4600], path[4200];
    rgp_journal_segs s;
    if (rgp_journal_list(dir, &s, err, sizeof err) != 0) {
        fprintf(stderr, "rgp journal info: %s\n", err);
        return 1;
    }
    printf("journal %s\n", dir);
    rgp_journal_header *h = malloc(sizeof *h);
    uint64_t next = s.n ? s.base[0] : 0;
    for (int i = 0; i < s.n; i++) {
        rgp_journal_seg_path(path, sizeof path, dir, s.base[i]);
        struct stat st;
        uint64_t size = stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
        if (i + 1 < s.n) {
            next = s.base[i + 1];
        } else {                                    /* the last: count its frames */
            int fd = open(path, O_RDONLY | O_CLOEXEC), torn;
            next = s.base[i];
            if (fd >= 0 && rgp_journal_header_read(fd, path, h, &torn, err, sizeof err) == 0) {
                rgp_journal_cursor c = {0};
                rgp_journal_cursor_init(&c, fd, rgp_journal_header_size(h));
                const unsigned char *p;
                uint32_t len;
                while (rgp_journal_cursor_next(&c, next, &p, &len) == RGP_FRAME_OK) next++;
                rgp_journal_cursor_free(&c);
                printf("schema      %s\n", h->schema);
            }
            if (fd >= 0) close(fd);
        }
        printf("segment     %020" PRIu64 ".seg  offsets %" PRIu64 " to %" PRIu64 "  %" PRIu64 " bytes\n", s.base[i],
               s.base[i], next, size);
    }
    printf("next        %" PRIu64 "\n", next);
    uint64_t d;
    snprintf(path, sizeof path, "%s/durable", dir);
    int rc = rgp_journal_offset_read(path, &d);
    if (rc > 0) printf("durable     %" PRIu64 "\n", d);
    else printf("durable     %s\n", rc == 0 ? "none (never synced)" : "unreadable");
    DIR *dd = opendir(dir);
    struct dirent *de;
    while (dd && (de = readdir(dd))) {
        if (strncmp(de->d_name, "group.", 6) != 0) continue;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        rc = rgp_journal_offset_read(path, &d);
        if (rc > 0) printf("committed   %s %" PRIu64 "\n", de->d_name + 6, d);
        else printf("committed   %s unreadable\n", de->d_name + 6);
    }
    if (dd) closedir(dd);
    free(h);
    free(s.base);
    return 0;
}

int journal_tool(int argc, char **argv, const char *usage)
{
    if (argc < 3) {
        fprintf(stderr, "rgp journal: error: expected verify, dump or info and a directory\n%s", usage);
        return 1;
    }
    const char *what = argv[1], *dir = argv[2];
    if (!strcmp(what, "dump")) {
        uint64_t from = 0;
        for (int i = 3; i < argc; i++) {
            char *end;
            if (!strcmp(argv[i], "--from") && i + 1 < argc) {
                errno = 0;
                from = strtoull(argv[++i], &end, 10);
                if (errno || *end || argv[i][0] == '-' || !argv[i][0]) {
                    fprintf(stderr, "rgp journal dump: error: --from expects an offset (a whole number), found '%s'\n",
                            argv[i]);
                    return 1;
                }
            } else {
                fprintf(stderr, "rgp journal dump: error: unknown argument '%s'\n%s", argv[i], usage);
                return 1;
            }
        }
        return dump(dir, from);
    }
    if (argc > 3) {
        fprintf(stderr, "rgp journal %s: error: unknown argument '%s'\n%s", what, argv[3], usage);
        return 1;
    }
    if (!strcmp(what, "verify")) return verify(dir);
    if (!strcmp(what, "info")) return info(dir);
    fprintf(stderr, "rgp journal: error: unknown tool '%s' (expected verify, dump or info)\n%s", what, usage);
    return 1;
}
