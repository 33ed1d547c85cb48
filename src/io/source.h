/* source.h - byte sources: where a ROOT file's bytes come from. A source knows its size and
 * reads exact ranges at absolute offsets (pread semantics, no cursor, so several readers may
 * share one). Local files are memory-mapped (pread behind a read-ahead window where mapping
 * fails); remote files (HTTP(S), XRootD: remote.h) implement the same table, with read_many
 * and advise letting them coalesce the scattered ranges of one cluster and fetch them ahead.
 *
 * Views and threads. A source whose `stable_views` is 1 (a mapped file, memory) promises:
 * view_at never fails for a range inside the file, the pointer it gives stays valid until the
 * source is closed, and read_at, view_at and check may be called from several threads at once
 * (worker threads decoding different baskets of one file straight from the mapping). Other
 * sources' views (the read-ahead window) are valid only until the next call on the source,
 * and such sources serve one thread at a time.
 *
 * Files that shrink. Another process may truncate a mapped file while we read it. Touching a
 * mapped page past the new end raises SIGBUS; the mapped source turns that into data, not a
 * crash: its handler replaces the pages from the fault to the end of the mapping with zeros
 * and records the offset, so the decoder that touched them finishes (on zeros) and the next
 * `check` returns RF_ERR_IO naming the file and the offset. Hence the rule for callers: after
 * using the bytes of views (decompressing, converting, checksumming), call rf_source_check
 * before trusting the result; read_at checks by itself. See source_mmap.c for why zeros and
 * a check instead of a longjmp. */
#ifndef RF_SOURCE_H
#define RF_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "rootfeed.h"
#include "rootfeed_source.h"

/* The table every source implements (public sources of rf_source_new are adapted to it in
 * source_custom.c). */
struct rf_source {
    /* Reads exactly n bytes at offset into buf; a range past the end is an RF_ERR_IO. */
    rf_status (*read_at)(rf_source *s, uint64_t offset, void *buf, size_t n, rf_error *err);
    /* Reads several ranges; sources that can batch requests override the default loop. */
    rf_status (*read_many)(rf_source *s, const rf_range *ranges, size_t n, rf_error *err);
    void (*close)(rf_source *s);
    /* Optional (NULL when the source has no buffer): points *p at n bytes at offset without
     * copying them. The bytes stay valid until the next call on the source, or until close
     * when stable_views is set. A range the source cannot view is RF_ERR_UNSUPPORTED (then
     * use read_at). */
    rf_status (*view_at)(rf_source *s, uint64_t offset, size_t n, const uint8_t **p, rf_error *err);
    /* Optional (NULL: nothing can go wrong after a view was given): called with the status of
     * work that used views; returns RF_ERR_IO (in err) when the viewed bytes were not the
     * file's (it was truncated under the mapping), else st unchanged. */
    rf_status (*check)(rf_source *s, rf_status st, rf_error *err);
    /* Optional (NULL: nothing to do): starts fetching ranges that will be read soon, without
     * waiting for them (remote sources; see rf_source_advise). */
    rf_status (*advise)(rf_source *s, const rf_range *ranges, size_t n, rf_error *err);
    uint64_t size;
    char *name; /* file name or URL, for messages */
    int stable_views;
};

/* A memory-mapped local file (stable views; see the header comment on truncation). */
rf_status rf_source_open_mapped(const char *path, rf_source **out, rf_error *err);
/* A local file read with pread (never reading the whole file). */
rf_status rf_source_open_local(const char *path, rf_source **out, rf_error *err);
/* A source over caller-owned memory (fuzzing, tests); the memory must outlive the source. */
rf_status rf_source_open_memory(const void *data, size_t size, const char *name, rf_source **out,
                                rf_error *err);
/* Read-ahead over `inner` (taken over, closed with the result, also on failure): reads
 * under window/4 bytes are served from a window-sized buffer refilled by one large read. */
rf_status rf_source_open_buffered(rf_source *inner, size_t window, rf_source **out, rf_error *err);
/* Loops over read_at: the default read_many. */
rf_status rf_source_read_many_loop(rf_source *s, const rf_range *ranges, size_t n, rf_error *err);

/* The status of work that used views of s: st, or RF_ERR_IO when the bytes were not real. */
static inline rf_status rf_source_check(rf_source *s, rf_status st, rf_error *err)
{
    return s->check ? s->check(s, st, err) : st;
}

#endif
