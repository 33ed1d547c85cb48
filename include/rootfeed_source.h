/*
 * rootfeed_source.h - byte sources: where a ROOT file's bytes come from.
 *
 * A source knows its size and reads exact ranges at absolute offsets (no cursor). Local files
 * are memory-mapped (pread behind a read-ahead window where mapping fails); other sources -
 * a Python file object, a remote protocol, an in-memory buffer - plug in through
 * rf_source_new with a table of callbacks, and every layer above (files, tables, datasets,
 * the loader) reads through them unchanged:
 *
 *   rf_source_ops ops = {.size = sizeof ops, .read_at = my_read, .close = my_close};
 *   rf_source *src; rf_file *f;
 *   rf_source_new(&ops, my_ctx, my_size, "my://file.root", &src, &err);
 *   rf_file_open_source(src, &f, &err);           (f owns src from here on)
 *
 * Remote files. rf_source_open also opens http://, https:// (libcurl) and root://, roots://,
 * xroot:// (the XRootD client) URLs. A remote file is read through a cache of blocks of
 * `readahead` bytes shared by every source of that URL in the process (the options of the
 * first one apply while it is open): a read fetches the blocks it lacks - up to `threads`
 * requests at once, adjacent ranges as one, several ranges per request where the server
 * takes them (HTTP multi-range, XRootD vector reads) - and forward reads fetch the next
 * blocks ahead; at most `memory_limit` bytes stay cached. Transient failures (connection
 * reset, timeout, HTTP 5xx) are retried `retries` times with growing pauses; a request that
 * makes no progress for `timeout_ms` is abandoned (and retried). A missing file is
 * RF_ERR_NO_FILE, a refused or unauthenticated one RF_ERR_IO, both naming the URL; a read
 * returns the file's bytes or an error, never partial data. HTTPS certificates are checked
 * against the system's authorities, or the bundle named by SSL_CERT_FILE / CURL_CA_BUNDLE.
 *
 * Threads. A source made by rf_source_open may be used from several threads at once when it
 * is memory-mapped; a remote source serves one thread at a time (open one per thread: they
 * share the cache); a custom source whose ops do not say thread_safe is serialised by a lock.
 */
#ifndef ROOTFEED_SOURCE_H
#define ROOTFEED_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "rootfeed.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rf_source rf_source;

/* One range of a vectored read: size bytes at offset into dst. */
typedef struct rf_range {
    uint64_t offset;
    size_t size;
    void *dst;
} rf_range;

/* Callbacks of a source made outside the library; ctx is the caller's. Every callback fills
 * err (naming what failed) when it returns an error. */
typedef struct rf_source_ops {
    size_t size; /* sizeof(rf_source_ops) */
    /* Required: reads exactly n bytes at offset into buf (a short read is an error). */
    rf_status (*read_at)(void *ctx, uint64_t offset, void *buf, size_t n, rf_error *err);
    /* Optional: reads several ranges at once (coalesced, in parallel); default: read_at each. */
    rf_status (*read_many)(void *ctx, const rf_range *ranges, size_t n, rf_error *err);
    /* Optional: points *p at n bytes at offset without copying; the bytes stay valid until
     * close when stable_views is set, else until the next callback. */
    rf_status (*view_at)(void *ctx, uint64_t offset, size_t n, const uint8_t **p, rf_error *err);
    /* Optional: frees ctx. Called once, by rf_source_close (also when rf_source_new fails). */
    void (*close)(void *ctx);
    int thread_safe;  /* the callbacks may run on several threads at once */
    int stable_views; /* view_at pointers live until close (needs thread_safe for sharing) */
} rf_source_ops;

/* How rf_source_open reads; start from rf_source_options_init (fields get added). */
typedef enum rf_io_mode {
    RF_IO_AUTO = 0, /* memory-map local files, pread where mapping fails (or ROOTFEED_IO=pread) */
    RF_IO_MMAP,     /* memory-map or fail */
    RF_IO_PREAD     /* pread behind a read-ahead window */
} rf_io_mode;

typedef struct rf_source_options {
    size_t size;          /* sizeof(rf_source_options), set by rf_source_options_init */
    rf_io_mode io;        /* RF_IO_AUTO */
    size_t readahead;     /* bytes of the read-ahead window of pread/remote sources: 1 MiB */
    int threads;          /* requests a remote source may have in flight: 4 */
    size_t memory_limit;  /* bytes a source may keep buffered (remote read-ahead): 64 MiB */
    int retries;          /* remote: attempts after a transient failure: 5 */
    int timeout_ms;       /* remote: abandon a connection attempt or a stalled transfer: 30000 */
} rf_source_options;

void rf_source_options_init(rf_source_options *opt);

/* Opens a path, a file:// URL or a remote URL (http://, https://, root://, roots://,
 * xroot://) as a source. A missing file is RF_ERR_NO_FILE. opt may be NULL for the
 * defaults. */
rf_status rf_source_open(const char *path, const rf_source_options *opt, rf_source **out,
                         rf_error *err);
/* A source over the callbacks ops (copied) with context ctx, of size bytes, named name (for
 * messages). On failure ops->close(ctx) has been called. */
rf_status rf_source_new(const rf_source_ops *ops, void *ctx, uint64_t size, const char *name,
                        rf_source **out, rf_error *err);
void rf_source_close(rf_source *s); /* NULL is fine */

uint64_t rf_source_size(const rf_source *s);
const char *rf_source_name(const rf_source *s);
rf_status rf_source_read(rf_source *s, uint64_t offset, void *buf, size_t n, rf_error *err);
rf_status rf_source_read_many(rf_source *s, const rf_range *ranges, size_t n, rf_error *err);
/* A hint: ranges (dst unused) will be read soon. Remote sources start fetching the ones they
 * lack without waiting (as far as memory_limit allows), so the loader can have the next
 * chunk's baskets arrive while the current chunk is decoded; other sources ignore it. */
rf_status rf_source_advise(rf_source *s, const rf_range *ranges, size_t n, rf_error *err);

/* Opens a ROOT file over a source, which the file owns from then on (closed with it, also
 * when this fails). */
rf_status rf_file_open_source(rf_source *src, rf_file **out, rf_error *err);
/* rf_file_open with source options. */
rf_status rf_file_open_with(const char *path, const rf_source_options *opt, rf_file **out,
                            rf_error *err);

#ifdef __cplusplus
}
#endif
#endif
