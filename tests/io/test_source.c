/* test_source.c - the public byte-source interface (rootfeed_source.h): a custom source over
 * callbacks (read_at only, with views, with a vectored read) serves a real file exactly as
 * the library's own local source does; close is called exactly once, also when opening the
 * file fails; the options pick mmap or pread; bad calls and remote URLs give clear errors;
 * sources open on one file share one mapping, a file replaced since gets its own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rootfeed.h"
#include "check.h"

typedef struct mem {
    uint8_t *data;
    size_t size;
    int closes, reads, views, manys;
} mem;

static rf_status mem_read(void *ctx, uint64_t off, void *buf, size_t n, rf_error *err)
{
    mem *m = ctx;
    (void)err;
    m->reads++;
    memcpy(buf, m->data + off, n);
    return RF_OK;
}

static rf_status mem_view(void *ctx, uint64_t off, size_t n, const uint8_t **p, rf_error *err)
{
    mem *m = ctx;
    (void)n, (void)err;
    m->views++;
    *p = m->data + off;
    return RF_OK;
}

static rf_status mem_many(void *ctx, const rf_range *r, size_t n, rf_error *err)
{
    mem *m = ctx;
    m->manys++;
    for (size_t i = 0; i < n; i++)
        mem_read(ctx, r[i].offset, r[i].dst, r[i].size, err);
    return RF_OK;
}

static void mem_close(void *ctx)
{
    ((mem *)ctx)->closes++;
}

/* Every readable column of events, all entries, as one checksum-like sum of bytes. */
static uint64_t digest(rf_file *f)
{
    rf_table *t;
    rf_error err = {0};
    if (rf_table_open(f, "events", &t, &err))
        return 0;
    rf_column_data d;
    rf_column_data_init(&d);
    uint64_t h = 1469598103934665603ull;
    for (size_t c = 0; c < rf_table_ncolumns(t); c++) {
        if (rf_table_column(t, c)->unsupported || rf_table_read(t, c, 0, rf_table_entries(t), &d, &err))
            continue;
        const uint8_t *p = d.values;
        for (size_t i = 0; i < (size_t)d.nvalues * rf_dtype_size(d.dtype); i++)
            h = (h ^ p[i]) * 1099511628211ull;
    }
    rf_column_data_free(&d);
    rf_table_close(t);
    return h;
}

/* How many mappings of `path` the process has (/proc/self/maps). */
static int mappings_of(const char *path)
{
    FILE *fp = fopen("/proc/self/maps", "r");
    char line[4096];
    int n = 0;
    while (fp && fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\n")] = 0;
        size_t len = strlen(line), pl = strlen(path);
        n += len >= pl && !strcmp(line + len - pl, path);
    }
    if (fp)
        fclose(fp);
    return n;
}

static int write_bytes(const char *path, char c, size_t n)
{
    FILE *fp = fopen(path, "wb");
    for (size_t i = 0; fp && i < n; i++)
        fputc(c, fp);
    return fp && fclose(fp) == 0 ? 0 : -1;
}

/* Sources open on one file share its mapping (the loader's workers each open the file); one
 * replaced since (a new inode) or rewritten (another size or time) is mapped again, and each
 * source keeps reading the bytes it opened. */
static void shared_mappings(void)
{
    char tmpl[] = "/tmp/rootfeed-map-XXXXXX";
    CHECK(mkdtemp(tmpl) != NULL, "mkdtemp");
    char path[64], other[64];
    snprintf(path, sizeof path, "%s/a.bin", tmpl);
    snprintf(other, sizeof other, "%s/b.bin", tmpl);
    CHECK(write_bytes(path, 'a', 100000) == 0 && write_bytes(other, 'b', 100000) == 0, "write");
    rf_source_options o;
    rf_source_options_init(&o);
    o.io = RF_IO_MMAP;
    rf_source *s1, *s2, *s3, *s4;
    rf_error err;
    uint8_t b[4];
    CHECK(rf_source_open(path, &o, &s1, &err) == RF_OK && rf_source_open(path, &o, &s2, &err) == RF_OK,
          "open twice: %s", err.msg);
    CHECK(mappings_of(path) == 1, "two sources on a file: %d mappings, want 1", mappings_of(path));
    rf_source_close(s1);
    CHECK(mappings_of(path) == 1 && rf_source_read(s2, 99996, b, 4, &err) == RF_OK && !memcmp(b, "aaaa", 4),
          "the other source reads on after one closed");
    CHECK(rename(other, path) == 0, "rename");
    CHECK(rf_source_open(path, &o, &s3, &err) == RF_OK, "open the replaced file: %s", err.msg);
    CHECK(rf_source_read(s3, 0, b, 4, &err) == RF_OK && !memcmp(b, "bbbb", 4), "the new file's bytes");
    CHECK(rf_source_read(s2, 0, b, 4, &err) == RF_OK && !memcmp(b, "aaaa", 4), "the old file's bytes");
    CHECK(write_bytes(path, 'c', 50000) == 0, "rewrite in place");
    rf_source_close(s3); /* (its pages past 50000 are gone: not read again) */
    CHECK(rf_source_open(path, &o, &s4, &err) == RF_OK && rf_source_size(s4) == 50000, "open the rewritten file");
    CHECK(rf_source_read(s4, 49996, b, 4, &err) == RF_OK && !memcmp(b, "cccc", 4), "the rewritten bytes");
    rf_source_close(s2);
    rf_source_close(s4);
    CHECK(mappings_of(path) == 0, "all closed: %d mappings left", mappings_of(path));
    remove(path);
    rmdir(tmpl);
}

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    *n = (size_t)ftell(fp);
    rewind(fp);
    uint8_t *b = malloc(*n);
    if (fread(b, 1, *n, fp) != *n) {
        free(b);
        b = NULL;
    }
    fclose(fp);
    return b;
}

int main(void)
{
    char dir[1024], path[1100];
    if (!check_data(dir, sizeof dir, "uproot-HZZ-zstd.root"))
        return check_summary();
    snprintf(path, sizeof path, "%s/uproot-HZZ-zstd.root", dir);
    rf_error err = {0};
    rf_file *f;
    CHECK(rf_file_open(path, &f, &err) == RF_OK, "open: %s", err.msg);
    uint64_t want = digest(f);
    rf_file_close(f);
    CHECK(want != 0, "reference digest");

    /* the options: mmap, pread */
    rf_source_options o;
    rf_source_options_init(&o);
    for (int io = RF_IO_MMAP; io <= RF_IO_PREAD; io++) {
        o.io = (rf_io_mode)io;
        CHECK(rf_file_open_with(path, &o, &f, &err) == RF_OK && digest(f) == want, "io mode %d", io);
        rf_file_close(f);
    }

    /* custom sources: read_at only; with views (stable, thread-safe); with read_many */
    size_t n = 0;
    mem m = {0};
    m.data = slurp(path, &n);
    m.size = n;
    rf_source_ops variants[3] = {
        {.size = sizeof(rf_source_ops), .read_at = mem_read, .close = mem_close},
        {.size = sizeof(rf_source_ops), .read_at = mem_read, .view_at = mem_view, .close = mem_close,
         .thread_safe = 1, .stable_views = 1},
        {.size = sizeof(rf_source_ops), .read_at = mem_read, .read_many = mem_many, .close = mem_close},
    };
    for (int v = 0; v < 3; v++) {
        rf_source *src;
        int closes = m.closes;
        CHECK(rf_source_new(&variants[v], &m, m.size, "mem://hzz", &src, &err) == RF_OK, "new: %s", err.msg);
        CHECK(rf_source_size(src) == m.size && !strcmp(rf_source_name(src), "mem://hzz"), "size, name");
        uint8_t head[4];
        CHECK(rf_source_read(src, 0, head, 4, &err) == RF_OK && !memcmp(head, "root", 4), "read head");
        CHECK(rf_source_read(src, m.size - 2, head, 4, &err) == RF_ERR_IO && strstr(err.msg, "mem://hzz"),
              "read past the end names the source: %s", err.msg);
        rf_range r[2] = {{0, 2, head}, {2, 2, head + 2}};
        CHECK(rf_source_read_many(src, r, 2, &err) == RF_OK && !memcmp(head, "root", 4), "read_many");
        CHECK(rf_file_open_source(src, &f, &err) == RF_OK, "file over custom source: %s", err.msg);
        CHECK(digest(f) == want, "variant %d reads the same values", v);
        rf_file_close(f);
        CHECK(m.closes == closes + 1, "close called once (variant %d)", v);
    }
    CHECK(m.views > 0 && m.manys > 0 && m.reads > 0, "views %d, vectored %d, reads %d", m.views, m.manys, m.reads);

    /* a source that is not a ROOT file: the open fails and the source is closed once */
    mem junk = {.data = (uint8_t *)"not a root file at all, just bytes", .size = 34};
    rf_source *src;
    CHECK(rf_source_new(&variants[0], &junk, junk.size, "junk", &src, &err) == RF_OK, "junk source");
    CHECK(rf_file_open_source(src, &f, &err) != RF_OK && junk.closes == 1, "junk refused, closed once: %s", err.msg);
    rf_source_ops bad = {.size = sizeof bad, .close = mem_close};
    CHECK(rf_source_new(&bad, &junk, 1, "bad", &src, &err) == RF_ERR_ARG && junk.closes == 2,
          "ops without read_at refused (and closed)");
    free(m.data);

    /* paths */
    /* remote URLs go to their backends (tests/remote reads them from real servers) */
    rf_source_options ro;
    rf_source_options_init(&ro);
    ro.retries = 0;
    CHECK(rf_source_open("http://127.0.0.1:1/a.root", &ro, &src, &err) == RF_ERR_IO &&
          strstr(err.msg, "http://127.0.0.1:1/a.root"), "refused connection named: %s", err.msg);
    CHECK(rf_source_open("/nonexistent/x.root", NULL, &src, &err) == RF_ERR_NO_FILE, "missing: %s", err.msg);
    char url[1200];
    snprintf(url, sizeof url, "file://%s", path);
    CHECK(rf_file_open(url, &f, &err) == RF_OK && digest(f) == want, "file:// URL: %s", err.msg);
    rf_file_close(f);
    shared_mappings();
    return check_summary();
}
