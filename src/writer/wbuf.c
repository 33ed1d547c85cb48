/* wbuf.c - growth, strings and frame patching for the writer's byte buffers (see wbuf.h). */
#include "wbuf.h"

#include <stdlib.h>

void wb_free(wbuf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

uint8_t *wb_grow(wbuf *b, size_t extra)
{
    if (b->oom)
        return NULL;
    if (b->cap - b->n < extra) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->n < extra)
            cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return NULL;
        }
        b->p = p;
        b->cap = cap;
    }
    return b->p + b->n;
}

size_t tstring_size(const char *s)
{
    size_t n = strlen(s);
    return n < 255 ? n + 1 : n + 5;
}

void wb_tstring(wbuf *b, const char *s)
{
    size_t n = strlen(s);
    if (n < 255) {
        wb_u8(b, (uint8_t)n);
    } else {
        wb_u8(b, 255);
        wb_be32(b, (uint32_t)n);
    }
    wb_bytes(b, s, n);
}

void wb_frame_end(wbuf *b, size_t at)
{
    if (!b->oom)
        store_be32(b->p + at, 0x40000000u | (uint32_t)(b->n - at - 4));
}

void wb_rstring(wbuf *b, const char *s)
{
    size_t n = strlen(s);
    wb_le32(b, (uint32_t)n);
    wb_bytes(b, s, n);
}

void wb_record_end(wbuf *b, size_t at)
{
    if (!b->oom)
        store_le64(b->p + at, (uint64_t)(b->n - at));
}

size_t wb_list_begin(wbuf *b, uint32_t count)
{
    size_t at = b->n;
    wb_zero(b, 8);
    wb_le32(b, count);
    return at;
}

void wb_list_end(wbuf *b, size_t at)
{
    if (!b->oom)
        store_le64(b->p + at, (uint64_t)-(int64_t)(b->n - at));
}
