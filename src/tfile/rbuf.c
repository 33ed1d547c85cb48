/* rbuf.c - reading ROOT's streamed objects: scalars, TStrings, frames with byte counts,
 * TObject/TNamed headers and ReadObjectAny pointers with their back-reference map. */
#include "rbuf.h"

#include <stdlib.h>
#include <string.h>

#include "../common/endian.h"

#define BYTECOUNT_MASK 0x40000000u
#define NEW_CLASSTAG 0xFFFFFFFFu
#define CLASS_MASK 0x80000000u

void rb_init(rf_rbuf *b, const uint8_t *data, size_t len, int64_t ref_origin)
{
    memset(b, 0, sizeof *b);
    b->data = data;
    b->len = len;
    b->ref_origin = ref_origin;
}

void rb_free(rf_rbuf *b)
{
    for (size_t i = 0; i < b->refs.n; i++)
        if (b->refs.items[i].is_class)
            free((char *)b->refs.items[i].class_name);
    free(b->refs.items);
    b->refs.items = NULL;
    b->refs.n = b->refs.cap = 0;
}

uint8_t rb_u8(rf_rbuf *b) { return rb_has(b, 1) ? b->data[b->pos++] : 0; }

int16_t rb_i16(rf_rbuf *b)
{
    if (!rb_has(b, 2))
        return 0;
    b->pos += 2;
    return (int16_t)load_be16(b->data + b->pos - 2);
}

uint32_t rb_u32(rf_rbuf *b)
{
    if (!rb_has(b, 4))
        return 0;
    b->pos += 4;
    return load_be32(b->data + b->pos - 4);
}

int32_t rb_i32(rf_rbuf *b) { return (int32_t)rb_u32(b); }

int64_t rb_i64(rf_rbuf *b)
{
    if (!rb_has(b, 8))
        return 0;
    b->pos += 8;
    return (int64_t)load_be64(b->data + b->pos - 8);
}

double rb_f64(rf_rbuf *b)
{
    uint64_t u = (uint64_t)rb_i64(b);
    double d;
    memcpy(&d, &u, 8);
    return d;
}

float rb_f32(rf_rbuf *b)
{
    uint32_t u = rb_u32(b);
    float f;
    memcpy(&f, &u, 4);
    return f;
}

void rb_skip(rf_rbuf *b, size_t n)
{
    if (rb_has(b, n))
        b->pos += n;
}

char *rb_string(rf_rbuf *b)
{
    size_t n = rb_u8(b);
    if (n == 255) {
        int32_t m = rb_i32(b);
        if (m < 0)
            b->bad = 1;
        n = (size_t)(m < 0 ? 0 : m);
    }
    if (!rb_has(b, n))
        return NULL;
    char *s = malloc(n + 1);
    if (!s) {
        b->bad = 1;
        return NULL;
    }
    memcpy(s, b->data + b->pos, n);
    s[n] = 0;
    b->pos += n;
    return s;
}

rf_frame rb_frame(rf_rbuf *b)
{
    rf_frame f = {b->pos, 0, 0};
    uint32_t w = rb_u32(b);
    if (w & BYTECOUNT_MASK) {
        uint32_t count = w & ~BYTECOUNT_MASK;
        if (count < 2 || count > b->len - f.start - 4)
            b->bad = 1;
        else
            f.end = f.start + 4 + count;
        f.version = rb_i16(b);
        if (f.version == 0 && count >= 6)
            rb_skip(b, 4); /* class checksum of a class without ClassDef */
    } else {
        b->pos = f.start; /* no byte count: only a version */
        f.version = rb_i16(b);
    }
    if (f.version & 0x4000)
        f.version &= ~0x4000;
    return f;
}

void rb_frame_end(rf_rbuf *b, const rf_frame *f)
{
    if (!f->end || b->bad)
        return;
    if (b->pos > f->end)
        b->bad = 1;
    else
        b->pos = f->end;
}

void rb_tobject(rf_rbuf *b)
{
    int16_t v = rb_i16(b);
    if (v & 0x4000) { /* TObject streamed with a byte count (rare) */
        b->pos -= 2;
        rf_frame f = rb_frame(b);
        rb_frame_end(b, &f);
        return;
    }
    rb_u32(b);
    uint32_t bits = rb_u32(b);
    if (bits & 0x10) /* kIsReferenced */
        rb_skip(b, 2);
}

void rb_tnamed(rf_rbuf *b, char **name, char **title)
{
    rf_frame f = rb_frame(b);
    rb_tobject(b);
    char *n = rb_string(b), *t = rb_string(b);
    if (name)
        *name = n;
    else
        free(n);
    if (title)
        *title = t;
    else
        free(t);
    rb_frame_end(b, &f);
}

int32_t rb_objarray_begin(rf_rbuf *b, rf_frame *f)
{
    *f = rb_frame(b);
    rb_tobject(b);
    free(rb_string(b));
    int32_t n = rb_i32(b);
    rb_i32(b); /* lowBound */
    if (n < 0 || (size_t)n > (b->len - b->pos) / 4) {
        b->bad = 1;
        return 0;
    }
    return n;
}

static struct rf_ref *ref_find(rf_rbuf *b, uint32_t tag)
{
    for (size_t i = b->refs.n; i-- > 0;)
        if (b->refs.items[i].tag == tag)
            return &b->refs.items[i];
    return NULL;
}

static struct rf_ref *ref_add(rf_rbuf *b, uint32_t tag)
{
    if (b->refs.n == b->refs.cap) {
        size_t cap = b->refs.cap ? b->refs.cap * 2 : 64;
        void *p = realloc(b->refs.items, cap * sizeof *b->refs.items);
        if (!p) {
            b->bad = 1;
            return NULL;
        }
        b->refs.items = p;
        b->refs.cap = cap;
    }
    struct rf_ref *r = &b->refs.items[b->refs.n++];
    memset(r, 0, sizeof *r);
    r->tag = tag;
    return r;
}

void rb_ref_set(rf_rbuf *b, uint32_t tag, void *obj)
{
    struct rf_ref *r = ref_find(b, tag);
    if (!r || r->is_class)
        r = ref_add(b, tag);
    if (r)
        r->obj = obj;
}

/* Reads the class part of a new object: a new class name or a reference to one. */
static const char *read_class(rf_rbuf *b)
{
    uint32_t ctag_pos = (uint32_t)(b->pos + b->ref_origin);
    uint32_t ctag = rb_u32(b);
    if (ctag == NEW_CLASSTAG) {
        const uint8_t *s = b->data + b->pos;
        const uint8_t *nul = b->pos < b->len ? memchr(s, 0, b->len - b->pos) : NULL;
        if (!nul || nul - s > 255) {
            b->bad = 1;
            return NULL;
        }
        size_t n = (size_t)(nul - s);
        char *name = malloc(n + 1);
        struct rf_ref *r = name ? ref_add(b, ctag_pos) : NULL;
        if (!r) {
            free(name);
            b->bad = 1;
            return NULL;
        }
        memcpy(name, s, n + 1);
        r->is_class = 1;
        r->class_name = name;
        b->pos += n + 1;
        return name;
    }
    if (!(ctag & CLASS_MASK)) {
        b->bad = 1;
        return NULL;
    }
    struct rf_ref *r = ref_find(b, ctag & ~CLASS_MASK);
    if (!r || !r->is_class) {
        b->bad = 1;
        return NULL;
    }
    return r->class_name;
}

int rb_pointer(rf_rbuf *b, const char **class_name, size_t *end, uint32_t *tag, void **obj)
{
    size_t start = b->pos;
    uint32_t w = rb_u32(b);
    *obj = NULL;
    if (b->bad)
        return -1;
    if (w == 0)
        return 0;
    if (!(w & BYTECOUNT_MASK)) { /* reference to an object read before */
        struct rf_ref *r = ref_find(b, w);
        *obj = r && !r->is_class ? r->obj : NULL;
        return 2;
    }
    uint32_t count = w & ~BYTECOUNT_MASK;
    if (count < 4 || count > b->len - start - 4) {
        b->bad = 1;
        return -1;
    }
    *tag = (uint32_t)(start + b->ref_origin);
    *end = start + 4 + count;
    *class_name = read_class(b);
    if (!*class_name)
        return -1;
    rb_ref_set(b, *tag, NULL);
    return 1;
}
