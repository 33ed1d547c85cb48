/* wbuf.h - a growable byte buffer for building records before they are written: big-endian
 * puts for TFile/TTree objects, little-endian puts for RNTuple envelopes, ROOT counted strings
 * and byte-count frames that are reserved first and patched when the object is complete. An
 * allocation failure is sticky (oom) so that builders stay linear and check once at the end. */
#ifndef RF_WRITER_WBUF_H
#define RF_WRITER_WBUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../common/endian.h"

typedef struct wbuf {
    uint8_t *p;
    size_t n, cap;
    int oom;
} wbuf;

void wb_free(wbuf *b);
/* Makes room for extra more bytes; returns the write position or NULL (and sets oom). */
uint8_t *wb_grow(wbuf *b, size_t extra);

static inline void wb_bytes(wbuf *b, const void *s, size_t n)
{
    uint8_t *d = wb_grow(b, n);
    if (d && n) {
        memcpy(d, s, n);
        b->n += n;
    }
}
static inline void wb_zero(wbuf *b, size_t n)
{
    uint8_t *d = wb_grow(b, n);
    if (d) {
        memset(d, 0, n);
        b->n += n;
    }
}
static inline void wb_u8(wbuf *b, uint8_t v) { wb_bytes(b, &v, 1); }
static inline void wb_be16(wbuf *b, uint16_t v) { uint8_t t[2]; store_be16(t, v); wb_bytes(b, t, 2); }
static inline void wb_be32(wbuf *b, uint32_t v) { uint8_t t[4]; store_be32(t, v); wb_bytes(b, t, 4); }
static inline void wb_be64(wbuf *b, uint64_t v) { uint8_t t[8]; store_be64(t, v); wb_bytes(b, t, 8); }
static inline void wb_le16(wbuf *b, uint16_t v) { wb_bytes(b, &v, 2); }
static inline void wb_le32(wbuf *b, uint32_t v) { wb_bytes(b, &v, 4); }
static inline void wb_le64(wbuf *b, uint64_t v) { wb_bytes(b, &v, 8); }

/* ROOT counted string: u8 length, or 255 + be32 length for 255 bytes and more. */
void wb_tstring(wbuf *b, const char *s);
/* Size of that encoding. */
size_t tstring_size(const char *s);

/* Byte-count frame: reserve 4 bytes, then patch them with 0x40000000 | bytes after them. */
static inline size_t wb_frame_begin(wbuf *b) { size_t at = b->n; wb_zero(b, 4); return at; }
void wb_frame_end(wbuf *b, size_t at);
/* A framed object header: byte count and class version. */
static inline size_t wb_object_begin(wbuf *b, int version)
{
    size_t at = wb_frame_begin(b);
    wb_be16(b, (uint16_t)version);
    return at;
}

/* RNTuple string (u32 length + bytes) and frames (i64 size, negative for lists + u32 count). */
void wb_rstring(wbuf *b, const char *s);
static inline size_t wb_record_begin(wbuf *b) { size_t at = b->n; wb_zero(b, 8); return at; }
void wb_record_end(wbuf *b, size_t at);
size_t wb_list_begin(wbuf *b, uint32_t count);
void wb_list_end(wbuf *b, size_t at);

#endif
