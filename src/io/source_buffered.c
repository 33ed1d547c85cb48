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

static rf_status buffered_read_at(rf_source *s, uint64_t offset, void *buf, size_t n, rf_error *err)
{
    buffered_source *b = (buffered_source *)s;
    if (offset >= b->start && n <= b->len && offset - b->start <= b->len - n) {
        memcpy(buf, b->win + (offset - b->start), n);
        return RF_OK;
    }
    if (n > b->cap / 4 || offset >= s->size)
        return b->inner->read_at(b->inner, offset, buf, n, err);
    size_t fill = s->size - offset < b->cap ? (size_t)(s->size - offset) : b->cap;
    b->len = 0;
    RF_TRY(b->inner->read_at(b->inner, offset, b->win, fill, err));
    b->start = offset;
    b->len = fill;
    return buffered_read_at(s, offset, buf, n, err);
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
    b->base = (rf_source){buffered_read_at, rf_source_read_many_loop, buffered_close, inner->size, inner->name};
    *out = &b->base;
    return RF_OK;
}
