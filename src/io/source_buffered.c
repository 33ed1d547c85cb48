/* source_buffered.c - read-ahead over another source. Small reads (a basket, a page, a key)
 * that fall in the current window are served from memory; a small read outside it refills
 * the window from that offset with one large read, so the scattered baskets of a cluster,
 * which ROOT writes next to each other, cost one system call (or one range request) instead
 * of one each. Large reads go straight through without a copy. */
#include <stdlib.h>
#include <string.h>

#include "../common/error.h"
#include "source.h"

typedef struct {
    rf_source base;
    rf_source *inner;
    uint8_t *win;
    size_t cap;        /* window size */
    uint64_t start;    /* window covers [start, start + len) */
    size_t len;
} buffered_source;

/* Makes the window cover [offset, offset + n): refills it from offset when it does not. */
static rf_status cover(buffered_source *b, uint64_t offset, size_t n, rf_error *err)
{
    if (offset >= b->start && n <= b->len && offset - b->start <= b->len - n)
        return RF_OK;
    RF_CHECK(offset < b->base.size && n <= b->base.size - offset, err, RF_ERR_IO,
             "%s: read of %zu bytes at offset %llu runs past the end of the file (%llu bytes)", b->base.name, n,
             (unsigned long long)offset, (unsigned long long)b->base.size);
    size_t fill = b->base.size - offset < b->cap ? (size_t)(b->base.size - offset) : b->cap;
    b->len = 0;
    RF_TRY(b->inner->read_at(b->inner, offset, b->win, fill, err));
    b->start = offset;
    b->len = fill;
    return RF_OK;
}

static rf_status buffered_read_at(rf_source *s, uint64_t offset, void *buf, size_t n, rf_error *err)
{
    buffered_source *b = (buffered_source *)s;
    int inside = offset >= b->start && n <= b->len && offset - b->start <= b->len - n;
    if (!inside && n > b->cap / 4)
        return b->inner->read_at(b->inner, offset, buf, n, err);
    RF_TRY(cover(b, offset, n, err));
    memcpy(buf, b->win + (offset - b->start), n);
    return RF_OK;
}

static rf_status buffered_view_at(rf_source *s, uint64_t offset, size_t n, const uint8_t **p, rf_error *err)
{
    buffered_source *b = (buffered_source *)s;
    RF_CHECK(n <= b->cap, err, RF_ERR_UNSUPPORTED, "%s: %zu bytes do not fit the read-ahead window", s->name, n);
    RF_TRY(cover(b, offset, n, err));
    *p = b->win + (offset - b->start);
    return RF_OK;
}

static void buffered_close(rf_source *s)
{
    buffered_source *b = (buffered_source *)s;
    rf_source_close(b->inner);
    free(b->win);
    free(b);
}

rf_status rf_source_open_buffered(rf_source *inner, size_t window, rf_source **out, rf_error *err)
{
    buffered_source *b = calloc(1, sizeof *b);
    uint8_t *win = malloc(window);
    if (!b || !win) {
        free(b);
        free(win);
        rf_source_close(inner);
        return rf_fail(err, RF_ERR_NOMEM, "out of memory for a %zu-byte read-ahead window", window);
    }
    b->inner = inner;
    b->win = win;
    b->cap = window;
    b->base = (rf_source){.read_at = buffered_read_at, .read_many = rf_source_read_many_loop, .close = buffered_close,
                          .view_at = buffered_view_at, .size = inner->size, .name = inner->name};
    *out = &b->base;
    return RF_OK;
}
