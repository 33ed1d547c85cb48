/* rbuf.h - a cursor over big-endian ROOT object bytes (TBufferFile's reading half). Reads
 * past the end return zeros and set a sticky `bad` flag, so parsers read a whole record and
 * check once. Frames (byte count + version) let unknown trailing members be skipped, and a
 * small reference map resolves the back-references of ReadObjectAny. */
#ifndef RF_RBUF_H
#define RF_RBUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct rf_refmap {
    size_t n, cap;
    struct rf_ref { uint32_t tag; int is_class; const char *class_name; void *obj; } *items;
} rf_refmap;

typedef struct rf_rbuf {
    const uint8_t *data;
    size_t len, pos;
    int64_t ref_origin; /* tag of data[0]: keylen + kMapOffset (2) for an object payload */
    int bad;
    rf_refmap refs;
} rf_rbuf;

typedef struct rf_frame {
    size_t start, end; /* end = 0 when the frame had no byte count */
    int version;
} rf_frame;

void rb_init(rf_rbuf *b, const uint8_t *data, size_t len, int64_t ref_origin);
void rb_free(rf_rbuf *b);

static inline int rb_has(rf_rbuf *b, size_t n)
{
    if (b->bad || n > b->len - b->pos) {
        b->bad = 1;
        return 0;
    }
    return 1;
}
uint8_t rb_u8(rf_rbuf *b);
int16_t rb_i16(rf_rbuf *b);
int32_t rb_i32(rf_rbuf *b);
uint32_t rb_u32(rf_rbuf *b);
int64_t rb_i64(rf_rbuf *b);
double rb_f64(rf_rbuf *b);
float rb_f32(rf_rbuf *b);
void rb_skip(rf_rbuf *b, size_t n);
/* A TString (u8 length, or 255 then i32 length); returns a malloc'd NUL-terminated copy
 * (NULL and bad set on failure). */
char *rb_string(rf_rbuf *b);
/* Frame: i32 byte count|0x40000000 then i16 version; a version-0 frame of a class without
 * ClassDef is followed by a u32 checksum, consumed here. */
rf_frame rb_frame(rf_rbuf *b);
/* Moves to the end of the frame (if it has a byte count); flags a frame over-run. */
void rb_frame_end(rf_rbuf *b, const rf_frame *f);
/* TObject: version, fUniqueID, fBits (+ pid when referenced). */
void rb_tobject(rf_rbuf *b);
/* TNamed frame: TObject, name, title (malloc'd copies; pass NULL to discard). */
void rb_tnamed(rf_rbuf *b, char **name, char **title);

/* TObjArray header: frame, TObject, name, n, lowBound. Returns n (0 and bad set when it is
 * negative or cannot fit the buffer); the caller reads n pointers, then rb_frame_end(f). */
int32_t rb_objarray_begin(rf_rbuf *b, rf_frame *f);

/* ReadObjectAny: reads a pointer. Returns 0 for null, 1 for a new object (then *class_name
 * is its class, the cursor is at its body and *end is where it ends), 2 for a reference to
 * an object read earlier (*obj = what rb_ref_set stored for it, maybe NULL). 'tag' of a new
 * object is returned in *tag for rb_ref_set. -1 on corruption. */
int rb_pointer(rf_rbuf *b, const char **class_name, size_t *end, uint32_t *tag, void **obj);
void rb_ref_set(rf_rbuf *b, uint32_t tag, void *obj);

#endif
