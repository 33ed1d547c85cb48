/* rntuple_w.c - the RNTuple (format 1.0.0.0) back end. Each declared column becomes a
 * top-level field: a leaf field with one column (flat), a chain of repetitive std::array
 * fields over a leaf (fixed), or a std::vector collection field with an index column over
 * such a child (jagged; nested jagged: one collection field per level). The header envelope is written first; each cluster's pages (split
 * encodings when compressed, plain otherwise, as ROOT does; bools bit-packed; each page
 * followed by its XXH3) go into RBlob records; close writes the page list, the footer and the
 * ROOT::RNTuple anchor, and the streamer info that names the anchor class. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/error.h"
#include "../common/hash.h"
#include "writer_impl.h"

#define BLOB_MAX (256u << 20)

typedef struct pcol {
    int col;            /* writer column */
    int level;          /* the offsets column of jagged level `level`, or -1: the values */
    uint16_t type, bits;
    uint32_t field;
    size_t esize;       /* bytes per element in memory */
    int64_t elements;   /* elements written so far */
} pcol;

typedef struct page { int32_t n; uint32_t size; uint64_t offset; } page;
typedef struct colrange { size_t first, count; int64_t elem_offset; } colrange;

typedef struct rstate {
    pcol *pc;
    int npc;
    uint32_t nfields;
    wbuf header;            /* the header envelope (kept for its checksum) */
    uint64_t header_xxh, seek_header, nbytes_header;
    page *pages;
    size_t npages, cappages;
    colrange *ranges;       /* per cluster, per physical column */
    int64_t *cl_first, *cl_n;
    size_t nclusters, capclusters;
    wbuf enc, blob;
    size_t blob_first_page; /* first page whose offset is relative to blob */
} rstate;

static const char *const type_names[RF_DTYPE_COUNT] = {
    "bool", "std::int8_t", "std::uint8_t", "std::int16_t", "std::uint16_t", "std::int32_t",
    "std::uint32_t", "std::int64_t", "std::uint64_t", "float", "double"};
/* Column types by dtype: plain, split. */
static const uint16_t plain_type[RF_DTYPE_COUNT] = {0x00, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0C, 0x0D};
static const uint16_t split_type[RF_DTYPE_COUNT] = {0x00, 0x03, 0x04, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x18, 0x19};

static void put_field(wbuf *b, uint32_t parent, uint16_t role, uint64_t array, const char *name,
                      const char *type)
{
    size_t r = wb_record_begin(b);
    wb_le32(b, 0), wb_le32(b, 0), wb_le32(b, parent);
    wb_le16(b, role), wb_le16(b, array ? 0x01 : 0);
    wb_rstring(b, name), wb_rstring(b, type), wb_rstring(b, ""), wb_rstring(b, "");
    if (array)
        wb_le64(b, array);
    wb_record_end(b, r);
}

/* "std::array<std::array<float,3>,2>" for the dims of c from d on (at most 8 dims: fits). */
static void array_type(char *out, size_t cap, const wcol *c, int d)
{
    size_t n = 0;
    out[0] = 0;
    for (int i = d; i < c->ndims; i++)
        n += (size_t)snprintf(out + n, cap - n, "std::array<");
    n += (size_t)snprintf(out + n, cap - n, "%s", type_names[c->dtype]);
    for (int i = c->ndims - 1; i >= d && n < cap; i--)
        n += (size_t)snprintf(out + n, cap - n, ",%lld>", (long long)c->shape[i]);
}

/* Fields of column c from dimension d on, under parent (self when top-level). */
static void put_item_fields(wbuf *b, rstate *s, const wcol *c, const char *name, uint32_t parent, int d,
                            int top, uint32_t *leaf)
{
    char type[512];
    array_type(type, sizeof type, c, d);
    uint32_t id = s->nfields++;
    put_field(b, top ? id : parent, 0, d < c->ndims ? (uint64_t)c->shape[d] : 0, name, type);
    if (d < c->ndims)
        put_item_fields(b, s, c, "_0", id, d + 1, 0, leaf);
    else
        *leaf = id;
}

/* The collection fields of jagged column c, one per level (coll[0] the top-level one), over
 * its item fields. */
static void put_collections(wbuf *b, rstate *s, const wcol *c, uint32_t *leaf, uint32_t *coll)
{
    char inner[512], type[600];
    array_type(inner, sizeof inner, c, 0);
    for (int l = 0; l < c->nlevels; l++) {
        size_t n = 0;
        for (int k = l; k < c->nlevels; k++)
            n += (size_t)snprintf(type + n, sizeof type - n, "std::vector<");
        n += (size_t)snprintf(type + n, sizeof type - n, "%s", inner);
        for (int k = l; k < c->nlevels && n < sizeof type; k++)
            n += (size_t)snprintf(type + n, sizeof type - n, ">");
        coll[l] = s->nfields++;
        put_field(b, l ? coll[l - 1] : coll[l], 1, 0, l ? "_0" : c->name, type);
    }
    put_item_fields(b, s, c, "_0", coll[c->nlevels - 1], 0, 0, leaf);
}

static void put_fields(wbuf *b, rstate *s, const rf_writer *w, uint32_t *leaf, uint32_t *coll)
{
    for (size_t i = 0; i < w->ncols; i++) {
        const wcol *c = &w->cols[i];
        if (c->kind != RF_KIND_JAGGED)
            put_item_fields(b, s, c, c->name, 0, 0, 1, &leaf[i]);
        else
            put_collections(b, s, c, &leaf[i], coll + i * RF_MAX_LEVELS);
    }
}

static rf_status plan_columns(rf_writer *w, rstate *s, const uint32_t *leaf, const uint32_t *coll,
                              rf_error *err)
{
    s->pc = calloc((RF_MAX_LEVELS + 1) * w->ncols + 1, sizeof *s->pc);
    RF_CHECK(s->pc, err, RF_ERR_NOMEM, "out of memory");
    int split = w->opt.compression % 100 != 0;
    for (size_t i = 0; i < w->ncols; i++) {
        const wcol *c = &w->cols[i];
        for (int l = 0; l < c->nlevels; l++)
            s->pc[s->npc++] = (pcol){(int)i, l, split ? 0x1B : 0x0F, 64, coll[i * RF_MAX_LEVELS + l], 8, 0};
        uint16_t t = split ? split_type[c->dtype] : plain_type[c->dtype];
        s->pc[s->npc++] = (pcol){(int)i, -1, t, c->dtype == RF_BOOL ? 1 : (uint16_t)(8 * c->esize), leaf[i],
                                 c->esize, 0};
    }
    return RF_OK;
}

/* Closes an envelope: type and length in the first word, XXH3 at the end. */
static uint64_t seal_envelope(wbuf *b, int type)
{
    if (b->oom)
        return 0;
    store_le64(b->p, (uint64_t)type | (uint64_t)(b->n + 8) << 16);
    uint64_t h = rf_xxh3(b->p, b->n);
    wb_le64(b, h);
    return h;
}

static rf_status write_blob(rf_writer *w, const uint8_t *p, size_t n, int setting, tfw_key *k, rf_error *err)
{
    tfw_rec r = {"RBlob", "", "", 1, 0, setting, NULL, 0, 0};
    return tfw_write(w->file, &r, p, n, k, err);
}

static rf_status rn_begin(rf_writer *w, rf_error *err)
{
    rstate *s = calloc(1, sizeof *s);
    RF_CHECK(s, err, RF_ERR_NOMEM, "out of memory");
    w->impl = s;
    uint32_t *leaf = calloc(w->ncols + 1, 4), *coll = calloc(RF_MAX_LEVELS * w->ncols + 1, 4);
    wbuf *b = &s->header;
    wb_le64(b, 0);
    wb_le64(b, 0); /* feature flags */
    wb_rstring(b, w->name), wb_rstring(b, w->opt.title), wb_rstring(b, "rootfeed " RF_VERSION_STRING);
    size_t fl = wb_list_begin(b, 0);
    if (leaf && coll)
        put_fields(b, s, w, leaf, coll);
    if (!b->oom)
        store_le32(b->p + fl + 8, s->nfields);
    wb_list_end(b, fl);
    rf_status st = leaf && coll ? plan_columns(w, s, leaf, coll, err) : rf_fail(err, RF_ERR_NOMEM, "out of memory");
    free(leaf), free(coll);
    RF_TRY(st);
    size_t cl = wb_list_begin(b, (uint32_t)s->npc);
    for (int i = 0; i < s->npc; i++) {
        size_t r = wb_record_begin(b);
        wb_le16(b, s->pc[i].type), wb_le16(b, s->pc[i].bits), wb_le32(b, s->pc[i].field);
        wb_le16(b, 0), wb_le16(b, 0);
        wb_record_end(b, r);
    }
    wb_list_end(b, cl);
    wb_list_end(b, wb_list_begin(b, 0)); /* alias columns */
    wb_list_end(b, wb_list_begin(b, 0)); /* extra type information */
    s->header_xxh = seal_envelope(b, 1);
    RF_CHECK(!b->oom, err, RF_ERR_NOMEM, "out of memory");
    tfw_key k;
    RF_TRY(write_blob(w, b->p, b->n, -1, &k, err));
    s->seek_header = k.seek + k.keylen;
    s->nbytes_header = k.nbytes - k.keylen;
    return RF_OK;
}

/* Encodes n elements of pc starting at element i0 of the cluster into s->enc. */
static void encode_page(rstate *s, const pcol *pc, const uint8_t *src, size_t n)
{
    wbuf *o = &s->enc;
    o->n = 0;
    if (pc->bits == 1) {
        wb_zero(o, (n + 7) / 8);
        for (size_t i = 0; i < n && !o->oom; i++)
            o->p[i / 8] |= (uint8_t)((src[i] != 0) << (i % 8));
        return;
    }
    size_t es = pc->esize;
    int split = pc->type >= 0x11, zigzag = pc->type == 0x11 || pc->type == 0x13 || pc->type == 0x15;
    int delta = pc->type == 0x1B;
    uint8_t *d = wb_grow(o, n * es);
    if (!d)
        return;
    o->n = n * es;
    if (!split) {
        memcpy(d, src, n * es);
        return;
    }
    uint64_t prev = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t v = 0;
        memcpy(&v, src + i * es, es);
        if (delta) {
            uint64_t x = v - prev;
            prev = v, v = x;
        } else if (zigzag) {
            int64_t sv = es == 2 ? (int16_t)v : es == 4 ? (int32_t)v : (int64_t)v;
            v = ((uint64_t)sv << 1) ^ (uint64_t)(sv >> 63);
        }
        for (size_t b = 0; b < es; b++)
            d[b * n + i] = (uint8_t)(v >> (8 * b));
    }
}

static rf_status add_page(rstate *s, rf_error *err)
{
    if (s->npages == s->cappages) {
        size_t cap = s->cappages ? 2 * s->cappages : 256;
        page *p = realloc(s->pages, cap * sizeof *p);
        RF_CHECK(p, err, RF_ERR_NOMEM, "out of memory");
        s->pages = p, s->cappages = cap;
    }
    s->npages++;
    return RF_OK;
}

static rf_status flush_blob(rf_writer *w, rstate *s, rf_error *err)
{
    if (s->blob.n == 0)
        return RF_OK;
    RF_CHECK(!s->blob.oom, err, RF_ERR_NOMEM, "out of memory");
    tfw_key k;
    RF_TRY(write_blob(w, s->blob.p, s->blob.n, 0, &k, err));
    for (size_t i = s->blob_first_page; i < s->npages; i++)
        s->pages[i].offset += k.seek + k.keylen;
    s->blob.n = 0;
    s->blob_first_page = s->npages;
    return RF_OK;
}

/* Seals one page: compression, checksum, descriptor. */
static rf_status put_page(rf_writer *w, rstate *s, size_t n, rf_error *err)
{
    RF_CHECK(!s->enc.oom, err, RF_ERR_NOMEM, "out of memory encoding a page");
    size_t stored;
    const uint8_t *p = tfw_compress(w->file, w->opt.compression, s->enc.p, s->enc.n, &stored);
    if (s->blob.n + stored + 8 > BLOB_MAX)
        RF_TRY(flush_blob(w, s, err));
    RF_TRY(add_page(s, err));
    s->pages[s->npages - 1] = (page){-(int32_t)n, (uint32_t)stored, s->blob.n};
    wb_bytes(&s->blob, p, stored);
    wb_le64(&s->blob, rf_xxh3(p, stored));
    return RF_OK;
}

/* The cluster's elements of pc as a contiguous array (index columns are built). */
static const uint8_t *column_elements(rf_writer *w, rstate *s, const pcol *pc, size_t *n, wbuf *tmp)
{
    const wcol *c = &w->cols[pc->col];
    if (pc->level < 0) {
        *n = c->vals.n / c->esize;
        return c->vals.p;
    }
    const int64_t *cnt = (const int64_t *)c->counts[pc->level].p;
    *n = c->counts[pc->level].n / 8;
    tmp->n = 0;
    uint64_t end = 0;
    for (size_t e = 0; e < *n; e++) {
        end += (uint64_t)cnt[e];
        wb_le64(tmp, end);
    }
    (void)s;
    return tmp->p;
}

static rf_status grow_clusters(rf_writer *w, rstate *s, rf_error *err)
{
    if (s->nclusters < s->capclusters)
        return RF_OK;
    size_t cap = s->capclusters ? 2 * s->capclusters : 16;
    int64_t *f = realloc(s->cl_first, cap * 8), *n = f ? realloc(s->cl_n, cap * 8) : NULL;
    if (f)
        s->cl_first = f;
    if (n)
        s->cl_n = n;
    colrange *r = n ? realloc(s->ranges, cap * (size_t)s->npc * sizeof *r) : NULL;
    RF_CHECK(r, err, RF_ERR_NOMEM, "%s: out of memory", w->path);
    s->ranges = r, s->capclusters = cap;
    return RF_OK;
}

static rf_status rn_flush(rf_writer *w, rf_error *err)
{
    rstate *s = w->impl;
    RF_TRY(grow_clusters(w, s, err));
    size_t cl = s->nclusters++;
    s->cl_first[cl] = w->entries, s->cl_n[cl] = w->staged;
    wbuf tmp = {0};
    rf_status st = RF_OK;
    for (int i = 0; i < s->npc && st == RF_OK; i++) {
        pcol *pc = &s->pc[i];
        size_t n;
        const uint8_t *src = column_elements(w, s, pc, &n, &tmp);
        colrange *r = &s->ranges[cl * (size_t)s->npc + (size_t)i];
        *r = (colrange){s->npages, 0, pc->elements};
        size_t per = (size_t)w->opt.basket_bytes / (pc->bits == 1 ? 1 : pc->esize);
        if (per < 1)
            per = 1;
        RF_CHECK(!tmp.oom, err, RF_ERR_NOMEM, "out of memory");
        for (size_t a = 0; a < n && st == RF_OK; a += per) {
            size_t m = n - a < per ? n - a : per;
            encode_page(s, pc, src + a * pc->esize, m);
            st = put_page(w, s, m, err);
        }
        r->count = s->npages - r->first;
        pc->elements += (int64_t)n;
        if (st == RF_OK)
            st = flush_blob(w, s, err);
    }
    wb_free(&tmp);
    return st;
}

static void put_locator(wbuf *b, uint32_t size, uint64_t offset)
{
    wb_le32(b, size);
    wb_le64(b, offset);
}

static void build_page_list(rf_writer *w, rstate *s, wbuf *b)
{
    wb_le64(b, 0);
    wb_le64(b, s->header_xxh);
    size_t sl = wb_list_begin(b, (uint32_t)s->nclusters);
    for (size_t c = 0; c < s->nclusters; c++) {
        size_t r = wb_record_begin(b);
        wb_le64(b, (uint64_t)s->cl_first[c]), wb_le64(b, (uint64_t)s->cl_n[c]);
        wb_record_end(b, r);
    }
    wb_list_end(b, sl);
    size_t top = wb_list_begin(b, (uint32_t)s->nclusters);
    for (size_t c = 0; c < s->nclusters; c++) {
        size_t outer = wb_list_begin(b, (uint32_t)s->npc);
        for (int i = 0; i < s->npc; i++) {
            const colrange *r = &s->ranges[c * (size_t)s->npc + (size_t)i];
            size_t inner = wb_list_begin(b, (uint32_t)r->count);
            for (size_t p = r->first; p < r->first + r->count; p++) {
                wb_le32(b, (uint32_t)s->pages[p].n);
                put_locator(b, s->pages[p].size, s->pages[p].offset);
            }
            wb_le64(b, (uint64_t)r->elem_offset);
            wb_le32(b, (uint32_t)w->opt.compression);
            wb_list_end(b, inner);
        }
        wb_list_end(b, outer);
    }
    wb_list_end(b, top);
    seal_envelope(b, 3);
}

static void build_footer(rf_writer *w, rstate *s, wbuf *b, const tfw_key *pl, uint64_t pl_len)
{
    wb_le64(b, 0);
    wb_le64(b, 0); /* feature flags */
    wb_le64(b, s->header_xxh);
    size_t ext = wb_record_begin(b);
    for (int i = 0; i < 4; i++)
        wb_list_end(b, wb_list_begin(b, 0));
    wb_record_end(b, ext);
    size_t groups = wb_list_begin(b, 1);
    size_t g = wb_record_begin(b);
    wb_le64(b, 0), wb_le64(b, (uint64_t)w->entries), wb_le32(b, (uint32_t)s->nclusters);
    wb_le64(b, pl_len);
    put_locator(b, pl->nbytes - pl->keylen, pl->seek + pl->keylen);
    wb_record_end(b, g);
    wb_list_end(b, groups);
    seal_envelope(b, 2);
}

static rf_status write_anchor(rf_writer *w, rstate *s, const tfw_key *footer, uint64_t footer_len,
                              rf_error *err)
{
    uint8_t a[78], *f = a + 6;
    store_be32(a, 0x40000000u | 66);
    store_be16(a + 4, 2);
    store_be16(f, 1), store_be16(f + 2, 0), store_be16(f + 4, 0), store_be16(f + 6, 0);
    store_be64(f + 8, s->seek_header);
    store_be64(f + 16, s->nbytes_header);
    store_be64(f + 24, s->header.n);
    store_be64(f + 32, footer->seek + footer->keylen);
    store_be64(f + 40, footer->nbytes - footer->keylen);
    store_be64(f + 48, footer_len);
    store_be64(f + 56, 1ULL << 30);
    store_be64(a + 70, rf_xxh3(f, 64));
    tfw_rec r = {"ROOT::RNTuple", w->name, w->opt.title, 1, 0, 0, NULL, 0, 1};
    return tfw_write(w->file, &r, a, sizeof a, NULL, err);
}

static rf_status rn_finish(rf_writer *w, rf_error *err)
{
    rstate *s = w->impl;
    wbuf pl = {0}, ft = {0};
    tfw_key plk, ftk;
    build_page_list(w, s, &pl);
    rf_status st = pl.oom ? rf_fail(err, RF_ERR_NOMEM, "out of memory") : write_blob(w, pl.p, pl.n, -1, &plk, err);
    if (st == RF_OK) {
        build_footer(w, s, &ft, &plk, pl.n);
        st = ft.oom ? rf_fail(err, RF_ERR_NOMEM, "out of memory") : write_blob(w, ft.p, ft.n, -1, &ftk, err);
    }
    if (st == RF_OK)
        st = write_anchor(w, s, &ftk, ft.n, err);
    wb_free(&pl), wb_free(&ft);
    if (st != RF_OK)
        return st;
    static const char *const classes[] = {"ROOT::RNTuple"};
    tfw *f = w->file;
    w->file = NULL;
    return tfw_close(f, classes, 1, err);
}

static void rn_release(rf_writer *w)
{
    rstate *s = w->impl;
    if (!s)
        return;
    free(s->pc), free(s->pages), free(s->ranges), free(s->cl_first), free(s->cl_n);
    wb_free(&s->header), wb_free(&s->enc), wb_free(&s->blob);
    free(s);
    w->impl = NULL;
}

const wbackend rf_rntuple_backend = {rn_begin, rn_flush, rn_finish, rn_release};
