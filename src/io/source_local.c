/* source_local.c - which source a path gets (rf_source_open: mapped, or pread behind
 * read-ahead; remote URLs to their backends), the public accessors, the
 * pread source (never reading the whole file) and the memory source (fuzzers and tests feed
 * bytes without touching the disk). */
#define _GNU_SOURCE
#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/error.h"
#include "remote.h"

#define READAHEAD_BYTES (1u << 20) /* pread: one read serves the nearby baskets */

typedef struct {
    rf_source base;
    int fd;
} local_source;

typedef struct {
    rf_source base;
    const unsigned char *data;
} memory_source;

static rf_status check_range(rf_source *s, uint64_t offset, size_t n, rf_error *err)
{
    RF_CHECK(offset <= s->size && n <= s->size - offset, err, RF_ERR_IO,
             "%s: read of %zu bytes at offset %llu runs past the end of the file (%llu bytes)",
             s->name, n, (unsigned long long)offset, (unsigned long long)s->size);
    return RF_OK;
}

static rf_status local_read_at(rf_source *s, uint64_t offset, void *buf, size_t n, rf_error *err)
{
    local_source *ls = (local_source *)s;
    RF_TRY(check_range(s, offset, n, err));
    size_t done = 0;
    while (done < n) {
        ssize_t r = pread(ls->fd, (char *)buf + done, n - done, (off_t)(offset + done));
        if (r < 0 && errno == EINTR)
            continue;
        RF_CHECK(r > 0, err, RF_ERR_IO, "%s: read failed at offset %llu: %s", s->name,
                 (unsigned long long)(offset + done), r < 0 ? strerror(errno) : "unexpected end of file");
        done += (size_t)r;
    }
    return RF_OK;
}

static void local_close(rf_source *s)
{
    close(((local_source *)s)->fd);
    free(s->name);
    free(s);
}

rf_status rf_source_read_many_loop(rf_source *s, const rf_range *ranges, size_t n, rf_error *err)
{
    for (size_t i = 0; i < n; i++)
        RF_TRY(s->read_at(s, ranges[i].offset, ranges[i].dst, ranges[i].size, err));
    return RF_OK;
}

rf_status rf_source_open_local(const char *path, rf_source **out, rf_error *err)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    RF_CHECK(fd >= 0, err, errno == ENOENT || errno == ENOTDIR ? RF_ERR_NO_FILE : RF_ERR_IO,
             "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return rf_fail(err, RF_ERR_IO, "%s: not a regular file", path);
    }
    local_source *ls = calloc(1, sizeof *ls);
    char *name = strdup(path);
    if (!ls || !name) {
        free(ls);
        free(name);
        close(fd);
        return rf_fail(err, RF_ERR_NOMEM, "%s: out of memory", path);
    }
    ls->fd = fd;
    ls->base = (rf_source){.read_at = local_read_at, .read_many = rf_source_read_many_loop, .close = local_close,
                           .size = (uint64_t)st.st_size, .name = name};
    *out = &ls->base;
    return RF_OK;
}

static rf_status memory_read_at(rf_source *s, uint64_t offset, void *buf, size_t n, rf_error *err)
{
    RF_TRY(check_range(s, offset, n, err));
    if (n)
        memcpy(buf, ((memory_source *)s)->data + offset, n);
    return RF_OK;
}

static rf_status memory_view_at(rf_source *s, uint64_t offset, size_t n, const uint8_t **p, rf_error *err)
{
    RF_TRY(check_range(s, offset, n, err));
    *p = ((memory_source *)s)->data + offset;
    return RF_OK;
}

static void memory_close(rf_source *s)
{
    free(s->name);
    free(s);
}

rf_status rf_source_open_memory(const void *data, size_t size, const char *name, rf_source **out,
                                rf_error *err)
{
    memory_source *ms = calloc(1, sizeof *ms);
    char *nm = strdup(name ? name : "<memory>");
    if (!ms || !nm) {
        free(ms);
        free(nm);
        return rf_fail(err, RF_ERR_NOMEM, "out of memory");
    }
    ms->data = data;
    ms->base = (rf_source){.read_at = memory_read_at, .read_many = rf_source_read_many_loop, .close = memory_close,
                           .view_at = memory_view_at, .size = size, .name = nm, .stable_views = 1};
    *out = &ms->base;
    return RF_OK;
}

void rf_source_options_init(rf_source_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->size = sizeof *opt;
    opt->io = RF_IO_AUTO;
    opt->readahead = READAHEAD_BYTES;
    opt->threads = 4;
    opt->memory_limit = (size_t)64 << 20;
    opt->retries = 5;
    opt->timeout_ms = 30000;
}

#ifdef RF_HAVE_XROOTD
#define XROOTD_BACKEND (&remote_xrootd)
#else
#define XROOTD_BACKEND NULL /* (built without the XRootD client) */
#endif

/* The backend of a remote URL, or NULL for a local path (or root:// without XRootD). */
static const remote_backend *remote_scheme(const char *path)
{
    static const char *const schemes[] = {"http://", "https://", "root://", "roots://", "xroot://"};
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
        if (!strncmp(path, schemes[i], strlen(schemes[i])))
            return i < 2 ? &remote_http : XROOTD_BACKEND;
    return NULL;
}

/* A local file: memory-mapped (RF_IO_AUTO unless ROOTFEED_IO=pread, RF_IO_MMAP), else pread
 * behind the read-ahead window. */
rf_status rf_source_open(const char *path, const rf_source_options *opt, rf_source **out,
                         rf_error *err)
{
    RF_CHECK(path && out, err, RF_ERR_ARG, "rf_source_open: NULL path or output");
    *out = NULL;
    rf_source_options o;
    rf_source_options_init(&o);
    if (opt)
        memcpy(&o, opt, opt->size < sizeof o ? opt->size : sizeof o);
    const remote_backend *be = remote_scheme(path);
    if (be)
        return remote_open(be, path, &o, out, err);
    RF_CHECK(strncmp(path, "root://", 7) && strncmp(path, "roots://", 8) && strncmp(path, "xroot://", 8), err,
             RF_ERR_UNSUPPORTED, "%s: this rootfeed was built without XRootD (libxrootd-client-dev)", path);
    if (!strncmp(path, "file://", 7))
        path += 7;
    const char *env = getenv("ROOTFEED_IO");
    if (o.io == RF_IO_AUTO && env && !strcmp(env, "pread"))
        o.io = RF_IO_PREAD;
    if (o.io != RF_IO_PREAD) {
        rf_status s = rf_source_open_mapped(path, out, o.io == RF_IO_MMAP ? err : NULL);
        if (s == RF_OK || o.io == RF_IO_MMAP)
            return s;
    }
    rf_source *src;
    RF_TRY(rf_source_open_local(path, &src, err));
    return rf_source_open_buffered(src, o.readahead ? o.readahead : READAHEAD_BYTES, out, err);
}

void rf_source_close(rf_source *s)
{
    if (s)
        s->close(s);
}

uint64_t rf_source_size(const rf_source *s) { return s->size; }
const char *rf_source_name(const rf_source *s) { return s->name; }

rf_status rf_source_read(rf_source *s, uint64_t offset, void *buf, size_t n, rf_error *err)
{
    RF_CHECK(s && (buf || !n), err, RF_ERR_ARG, "rf_source_read: NULL source or buffer");
    return s->read_at(s, offset, buf, n, err);
}

rf_status rf_source_read_many(rf_source *s, const rf_range *ranges, size_t n, rf_error *err)
{
    RF_CHECK(s && (ranges || !n), err, RF_ERR_ARG, "rf_source_read_many: NULL source or ranges");
    return s->read_many(s, ranges, n, err);
}

rf_status rf_source_advise(rf_source *s, const rf_range *ranges, size_t n, rf_error *err)
{
    RF_CHECK(s && (ranges || !n), err, RF_ERR_ARG, "rf_source_advise: NULL source or ranges");
    return s->advise ? s->advise(s, ranges, n, err) : RF_OK;
}
