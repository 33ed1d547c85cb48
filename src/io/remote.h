/* remote.h - remote files (HTTP(S), XRootD) as byte sources: a block cache shared by every
 * source opened on the same URL in the process, over a protocol backend that fetches lists
 * of byte ranges asynchronously.
 *
 * The cache. A remote file is cut into blocks of `readahead` bytes (1 MiB by default). A
 * read waits for the blocks it covers, fetching the missing ones (plus, when reads go
 * forward, the next `threads` blocks); a view inside one block points into it until the
 * next call on that source. Missing blocks are fetched in up to `threads` requests at once,
 * each a list of ranges that the backend coalesces (adjacent blocks become one range; an
 * HTTP server that accepts multi-range requests gets one request for several ranges, XRootD
 * one vector read). Cached blocks are bounded by `memory_limit` (least recently used go
 * first); reads larger than a quarter of it go straight into the caller's buffer. Every
 * source opened on a URL shares its file's cache, so the per-thread readers of the dataset
 * layer fetch each block once (the options of the first opener apply).
 *
 * Read-ahead for the loader: rf_source_advise(src, ranges, n) starts fetching the blocks of
 * those ranges without waiting (as far as memory_limit allows), so the next chunk's baskets
 * arrive while the current one is decoded; read_many = advise + reads.
 *
 * Backends. open() finds the size (and may hand over the file's first bytes); submit()
 * starts a fetch and calls remote_fetch_done exactly once, from any thread, with the
 * outcome in fetch->st/err (retries on transient errors are the backend's); close() comes
 * after every fetch is done. A fetch's ranges are sorted by offset and disjoint. */
#ifndef RF_REMOTE_H
#define RF_REMOTE_H

#include <stddef.h>
#include <stdint.h>

#include "rootfeed.h"
#include "rootfeed_source.h"

typedef struct remote_file remote_file;

typedef struct remote_fetch {
    remote_file *file;
    rf_range *ranges;
    size_t n;
    size_t *blocks;       /* block of each range, or SIZE_MAX for a caller's buffer */
    struct remote_job *job; /* the read waiting for this fetch (NULL: cache fill only) */
    struct remote_fetch *next; /* (the cache's list of fetches to submit) */
    rf_status st;         /* set by the backend before remote_fetch_done */
    rf_error err;
} remote_fetch;

typedef struct remote_backend {
    const char *protocol; /* for messages: "HTTP", "XRootD" */
    /* Opens url: *size, and up to head_cap first bytes into head (*head_len of them). */
    rf_status (*open)(const char *url, const rf_source_options *opt, void **impl, uint64_t *size,
                      uint8_t *head, size_t head_cap, size_t *head_len, rf_error *err);
    void (*submit)(void *impl, remote_fetch *f);
    void (*close)(void *impl);
} remote_backend;

extern const remote_backend remote_http;
extern const remote_backend remote_xrootd;

/* Opens url through backend be as a source sharing the URL's block cache. */
rf_status remote_open(const remote_backend *be, const char *url, const rf_source_options *opt,
                      rf_source **out, rf_error *err);
/* Called by the backend once per submitted fetch, from any thread. */
void remote_fetch_done(remote_fetch *f);
/* Whether the fetch's file is being closed (a backend may abort its transfers). */
int remote_cancelled(const remote_fetch *f);

/* Process-wide counters of remote traffic (for benchmarks and tests). */
typedef struct remote_counters {
    uint64_t requests; /* requests sent on the wire (a vector read or a multi-range GET: one) */
    uint64_t ranges;   /* byte ranges asked for in them, after coalescing */
    uint64_t bytes;    /* payload bytes received */
    uint64_t retries;  /* requests repeated after a transient error */
} remote_counters;
void remote_count(uint64_t requests, uint64_t ranges, uint64_t bytes, uint64_t retries);
void remote_get_counters(remote_counters *out);

#endif
