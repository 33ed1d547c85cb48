/* source.h - byte sources: where a ROOT file's bytes come from. A source knows its size and
 * reads exact ranges at absolute offsets (pread semantics, no cursor, so several readers may
 * share one). Local files implement it now; HTTP range requests and XRootD implement the same
 * table later, with read_many letting them coalesce the scattered ranges of one cluster. */
#ifndef RF_SOURCE_H
#define RF_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "rootfeed.h"

typedef struct rf_range {
    uint64_t offset;
    size_t size;
    void *dst;
} rf_range;

typedef struct rf_source rf_source;
struct rf_source {
    /* Reads exactly n bytes at offset into buf; a range past the end is an RF_ERR_IO. */
    rf_status (*read_at)(rf_source *s, uint64_t offset, void *buf, size_t n, rf_error *err);
    /* Reads several ranges; sources that can batch requests override the default loop. */
    rf_status (*read_many)(rf_source *s, const rf_range *ranges, size_t n, rf_error *err);
    void (*close)(rf_source *s);
    /* Optional (NULL when the source has no buffer): points *p at n bytes at offset without
     * copying them. The bytes stay valid until the next call on the source. A range the
     * source cannot view is RF_ERR_UNSUPPORTED (then use read_at). */
    rf_status (*view_at)(rf_source *s, uint64_t offset, size_t n, const uint8_t **p, rf_error *err);
    uint64_t size;
    char *name; /* file name or URL, for messages */
};

rf_status rf_source_open_local(const char *path, rf_source **out, rf_error *err);
/* A source over caller-owned memory (fuzzing, tests); the memory must outlive the source. */
rf_status rf_source_open_memory(const void *data, size_t size, const char *name, rf_source **out,
                                rf_error *err);
/* Read-ahead over `inner` (taken over, closed with the result, also on failure): reads
 * under window/4 bytes are served from a window-sized buffer refilled by one large read. */
rf_status rf_source_open_buffered(rf_source *inner, size_t window, rf_source **out, rf_error *err);
/* Loops over read_at: the default read_many. */
rf_status rf_source_read_many_loop(rf_source *s, const rf_range *ranges, size_t n, rf_error *err);

static inline void rf_source_close(rf_source *s)
{
    if (s)
        s->close(s);
}

#endif
