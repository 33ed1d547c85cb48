/* rnt_read.c - reads entries [a, b) of one column: for each cluster in the range, the index
 * columns of the collection levels (cluster-relative ends, turned into entry-relative offsets
 * with a running total across clusters) and then the value column's elements. A column's
 * elements in a cluster come from its primary representation there; elements before the
 * first stored one (deferred columns) and columns the cluster does not list (late model
 * extension) read as zeros. Pages are read, checksummed and decompressed straight into the
 * output when no decoding is needed, otherwise into a reused scratch page. */
#include <stdlib.h>
#include <string.h>

#include "rnt.h"
#include "../common/buffer.h"
#include "../common/clones.h"
#include "../common/error.h"
#include "../common/hash.h"

static rf_status grow(uint8_t **p, size_t *cap, uint64_t need, rf_error *err)
{
    void *q = *p;
    rf_status st = rf_grow(&q, cap, need, RF_MAX_OBJECT, "page buffer", err);
    *p = q;
    return st;
}

/* The physical column behind column k of field fd in cluster cl: the representation that is
 * not suppressed there (or representation 0 when the cluster lists none of them). */
static rf_status pick_column(const rnt_desc *d, const rnt_field *fd, uint32_t k, const rnt_cluster *cl,
                             uint32_t *phys, rf_error *err)
{
    uint32_t per = fd->ncols / fd->nrepr;
    int listed = 0;
    for (uint32_t r = 0; r < fd->nrepr; r++) {
        uint32_t p = fd->cols[r * per + k];
        const rnt_range *rg = &cl->ranges[p];
        listed |= rg->present;
        if (rg->present && !rg->suppressed) {
            *phys = p;
            return RF_OK;
        }
    }
    RF_CHECK(!listed, err, RF_ERR_FORMAT, "every representation of field '%s' is suppressed in the cluster at entry %lld",
             fd->name, (long long)cl->first_entry);
    *phys = fd->cols[k];
    (void)d;
    return RF_OK;
}

/* Checks that a page's stored bytes (and checksum) lie inside the file and fit its size. */
static rf_status page_fits(const rf_file *f, const rnt_page *pg, uint64_t ulen, rf_error *err)
{
    uint64_t want = pg->size + (pg->checksum ? 8 : 0);
    RF_CHECK(want <= f->src->size && pg->offset <= f->src->size - want && pg->size <= ulen, err, RF_ERR_FORMAT,
             "page at offset %llu (%llu bytes for %llu) is beyond the end of the file or too large",
             (unsigned long long)pg->offset, (unsigned long long)pg->size, (unsigned long long)ulen);
    return RF_OK;
}

/* Points *out at the stored bytes of a page (a view of the source, or a copy in im->raw
 * where it has none), their checksum verified. */
static rf_status page_stored(rf_table *t, rnt_impl *im, const rnt_page *pg, uint64_t ulen, const uint8_t **out,
                             rf_error *err)
{
    rf_file *f = t->file;
    uint64_t want = pg->size + (pg->checksum ? 8 : 0);
    const uint8_t *stored = NULL;
    RF_TRY(page_fits(f, pg, ulen, err));
    if (!f->src->view_at || f->src->view_at(f->src, pg->offset, (size_t)want, &stored, NULL) != RF_OK) {
        RF_TRY(grow(&im->raw, &im->raw_cap, want, err)); /* no view: copy the stored bytes */
        RF_TRY(f->src->read_at(f->src, pg->offset, im->raw, (size_t)want, err));
        stored = im->raw;
    }
    if (pg->checksum) {
        uint64_t sum = 0, got = rf_xxh3(stored, (size_t)pg->size);
        memcpy(&sum, stored + pg->size, 8);
        RF_CHECK(RNT_SUM_OK(sum == got), err, RF_ERR_CHECKSUM, "page at offset %llu: checksum mismatch (stored %016llx, computed %016llx)",
                 (unsigned long long)pg->offset, (unsigned long long)sum, (unsigned long long)got);
    }
    *out = stored;
    return RF_OK;
}

/* Reads a page's bytes into dst (ulen bytes): decompressed straight from the stored bytes,
 * or copied when stored as they are (streaming into large outputs). */
static rf_status page_load(rf_table *t, rnt_impl *im, const rnt_page *pg, uint64_t ulen, uint8_t *dst, rf_error *err)
{
    rf_file *f = t->file;
    const uint8_t *stored = NULL;
    if (pg->size == ulen && !pg->checksum) {
        RF_TRY(page_fits(f, pg, ulen, err));
        return f->src->read_at(f->src, pg->offset, dst, (size_t)ulen, err);
    }
    RF_TRY(page_stored(t, im, pg, ulen, &stored, err));
    if (pg->size == ulen && im->stream)
        rnt_stream_copy(dst, stored, (size_t)ulen);
    else if (pg->size == ulen)
        memcpy(dst, stored, (size_t)ulen);
    else {
        rf_status s = rf_unzip(f->codec, stored, (size_t)pg->size, dst, (size_t)ulen, err);
        if (s != RF_OK)
            return rf_wrap(err, s, "page at offset %llu: ", (unsigned long long)pg->offset);
    }
    return RF_OK;
}

/* Loads and decodes a whole page into buf (natural dtype): pages stored as their values
 * decompress straight into buf; the others are decoded into buf from their stored bytes
 * when stored as they are, else from the reused scratch page they decompress into. */
static rf_status page_decode_into(rf_table *t, rnt_impl *im, const rnt_column *col, const rnt_page *pg, uint64_t ulen,
                                  uint8_t *buf, rf_error *err)
{
    if (rnt_page_is_plain(col, rnt_coltype_natural(col->type)))
        return page_load(t, im, pg, ulen, buf, err);
    const uint8_t *src = im->page;
    if (pg->size == ulen)
        RF_TRY(page_stored(t, im, pg, ulen, &src, err));
    else {
        RF_TRY(grow(&im->page, &im->page_cap, ulen, err));
        RF_TRY(page_load(t, im, pg, ulen, im->page, err));
        src = im->page;
    }
    rnt_page_decode(col, src, pg->nelems, buf);
    return RF_OK;
}

/* Page pgi of physical column phys, kept per column (keyed by its stored bytes) so that reads
 * which cut a page (slices of the loader) decompress it once, not once per read, and so that
 * locators sharing one blob decode it once. Pages whose parts decode from their bytes (split
 * types; split index columns from the cursor where the last read ended) are kept as their
 * decompressed bytes (*raw = 1: each read decodes its part straight into its output), the
 * others decoded. Falls back to an uncached scratch page past the cache's memory limit. */
static rf_status cached_page(rf_table *t, rnt_impl *im, uint32_t phys, uint64_t pgi, uint64_t ulen,
                             const uint8_t **out, int *raw, rf_error *err)
{
    const rnt_desc *d = &im->d;
    const rnt_column *col = &d->cols[phys];
    const rnt_page *pg = &d->pages[pgi];
    int part = rnt_page_decodes_part(col);
    uint64_t bytes = part ? ulen : (uint64_t)pg->nelems * rf_dtype_size(rnt_coltype_natural(col->type));
    *raw = 0;
    if (!im->cache) {
        im->cache = calloc(d->ncols ? d->ncols : 1, sizeof *im->cache);
        RF_CHECK(im->cache, err, RF_ERR_NOMEM, "out of memory for the page cache");
    }
    rnt_pcache *pc = &im->cache[phys];
    if (pc->valid && pc->offset == pg->offset && pc->size == pg->size && pc->nelems == pg->nelems) {
        *out = pc->view ? pc->view : pc->buf;
        *raw = part;
        return RF_OK;
    }
    pc->valid = 0;
    pc->view = NULL;
    pc->cur = (rnt_cursor){0, 0};
    rf_dtype nat = rnt_coltype_natural(col->type);
    if (pg->size == ulen && t->file->src->stable_views && (part || rnt_page_is_plain(col, nat))) {
        /* stored as it is read (uncompressed; split or not): kept as a view of the source,
         * checksummed once, instead of a copy. Split pages are read byte by byte; plain ones
         * are converted as arrays of their type, so their view must be aligned to it (im->raw:
         * the source could not view the page after all). */
        const uint8_t *stored = NULL;
        RF_TRY(page_stored(t, im, pg, ulen, &stored, err));
        if (stored != im->raw && (part || (uintptr_t)stored % rf_dtype_size(nat) == 0)) {
            pc->view = stored;
            pc->valid = 1;
            pc->offset = pg->offset, pc->size = pg->size, pc->nelems = pg->nelems;
            *out = stored;
            *raw = part;
            return RF_OK;
        }
    }
    if (bytes > pc->cap && im->cache_bytes - pc->cap + bytes > RNT_CACHE_LIMIT) {
        RF_TRY(grow(&im->nat, &im->nat_cap, bytes, err));
        *out = im->nat;
        return page_decode_into(t, im, col, pg, ulen, im->nat, err);
    }
    size_t old = pc->cap;
    RF_TRY(grow(&pc->buf, &pc->cap, bytes, err));
    im->cache_bytes += pc->cap - old;
    if (part)
        RF_TRY(page_load(t, im, pg, ulen, pc->buf, err));
    else
        RF_TRY(page_decode_into(t, im, col, pg, ulen, pc->buf, err));
    pc->valid = 1;
    pc->offset = pg->offset, pc->size = pg->size, pc->nelems = pg->nelems;
    *out = pc->buf;
    *raw = part;
    return RF_OK;
}

/* Decodes elements [a, b) of page pgi of physical column phys into dst (dtype dt): whole
 * plain pages straight into dst, whole pages needing a transform through one scratch page,
 * parts of pages and shared pages through the page cache. */
static rf_status page_read(rf_table *t, rnt_impl *im, uint32_t phys, uint64_t pgi, int64_t a, int64_t b,
                           rf_dtype dt, uint8_t *dst, rf_error *err)
{
    const rnt_column *col = &im->d.cols[phys];
    const rnt_page *pg = &im->d.pages[pgi];
    uint64_t ulen = rnt_page_bytes(col, pg->nelems);
    /* each 9-byte-headed compressed block holds at most 16 MiB: a cheap bound on claims */
    RF_CHECK((pg->size == ulen && ulen <= t->file->src->size) ||
                 (pg->size >= 9 && ulen <= (pg->size / 9 + 1) * 0xffffffu && ulen <= ((uint64_t)1 << 30)),
             err, RF_ERR_FORMAT, "page at offset %llu: %llu stored bytes cannot hold %lld elements (%llu bytes)",
             (unsigned long long)pg->offset, (unsigned long long)pg->size, (long long)pg->nelems,
             (unsigned long long)ulen);
    rf_dtype nat = rnt_coltype_natural(col->type);
    int whole = a == 0 && b == pg->nelems && !pg->shared;
    if (whole && rnt_page_is_plain(col, dt))
        return page_load(t, im, pg, ulen, dst, err);
    if (whole && nat == dt)
        return page_decode_into(t, im, col, pg, ulen, dst, err);
    const uint8_t *src = NULL;
    int raw = 0;
    if (whole) {
        RF_TRY(grow(&im->nat, &im->nat_cap, (uint64_t)pg->nelems * rf_dtype_size(nat), err));
        RF_TRY(page_decode_into(t, im, col, pg, ulen, im->nat, err));
        src = im->nat;
    } else
        RF_TRY(cached_page(t, im, phys, pgi, ulen, &src, &raw, err));
    if (raw && nat == dt) {
        rnt_page_decode_part(col, src, pg->nelems, a, b, dst, &im->cache[phys].cur);
        return RF_OK;
    }
    if (raw) { /* decoded into im->nat (unused: the page is cached), then converted */
        RF_TRY(grow(&im->nat, &im->nat_cap, (uint64_t)(b - a) * rf_dtype_size(nat), err));
        rnt_page_decode_part(col, src, pg->nelems, a, b, im->nat, &im->cache[phys].cur);
        rnt_convert(nat, im->nat, dt, dst, b - a);
        return RF_OK;
    }
    if (nat == dt && im->stream)
        rnt_stream_copy(dst, src + (size_t)a * rf_dtype_size(nat), (size_t)(b - a) * rf_dtype_size(nat));
    else
        rnt_convert(nat, src + (size_t)a * rf_dtype_size(nat), dt, dst, b - a);
    return RF_OK;
}

typedef struct blob_key {
    uint64_t offset, size;
    int64_t nelems;
    uint64_t page;
} blob_key;

static int blob_cmp(const void *x, const void *y)
{
    const blob_key *a = x, *b = y;
    if (a->offset != b->offset)
        return a->offset < b->offset ? -1 : 1;
    if (a->size != b->size)
        return a->size < b->size ? -1 : 1;
    return (a->nelems > b->nelems) - (a->nelems < b->nelems);
}

rf_status rnt_mark_shared(rnt_desc *d, rf_error *err)
{
    for (uint64_t i = 0; i < d->npages; i++)
        d->pages[i].shared = 0;
    if (d->npages < 2)
        return RF_OK;
    blob_key *k = malloc((size_t)d->npages * sizeof *k);
    RF_CHECK(k, err, RF_ERR_NOMEM, "out of memory for %llu page keys", (unsigned long long)d->npages);
    for (uint64_t i = 0; i < d->npages; i++)
        k[i] = (blob_key){d->pages[i].offset, d->pages[i].size, d->pages[i].nelems, i};
    qsort(k, (size_t)d->npages, sizeof *k, blob_cmp);
    for (uint64_t i = 1; i < d->npages; i++)
        if (!blob_cmp(&k[i - 1], &k[i]))
            d->pages[k[i - 1].page].shared = d->pages[k[i].page].shared = 1;
    free(k);
    return RF_OK;
}

/* First page of range rg whose end is past local element `lo` (pages relative to `start`). */
static uint64_t page_find(const rnt_desc *d, const rnt_range *rg, int64_t rel)
{
    uint64_t a = 0, b = rg->npages;
    while (a < b) {
        uint64_t m = (a + b) / 2;
        const rnt_page *pg = &d->pages[rg->page0 + m];
        if (pg->first + pg->nelems <= rel)
            a = m + 1;
        else
            b = m;
    }
    return a;
}

/* Where decoded elements go: the output values (out set) or a scratch buffer, grown page by
 * page so that memory follows data that really decoded, not sizes claimed by metadata. */
typedef struct sink {
    rf_column_data *out;
    uint8_t **buf;
    size_t *cap;
    size_t off; /* bytes in use */
} sink;

static rf_status sink_room(sink *sk, uint64_t bytes, size_t esz, uint8_t **dst, rf_error *err)
{
    *dst = NULL;
    if (!bytes)
        return RF_OK;
    if (sk->out) {
        RF_TRY(rf_coldata_reserve_values(sk->out, (int64_t)((sk->off + bytes) / esz), err));
        *dst = (uint8_t *)sk->out->values + sk->off;
    } else {
        RF_TRY(grow(sk->buf, sk->cap, sk->off + bytes, err));
        *dst = *sk->buf + sk->off;
    }
    return RF_OK;
}

static rf_status zeros(sink *sk, int64_t n, size_t sz, rf_error *err)
{
    uint8_t *dst;
    if (n <= 0)
        return RF_OK;
    RF_TRY(sink_room(sk, (uint64_t)n * sz, sz, &dst, err));
    memset(dst, 0, (size_t)n * sz);
    sk->off += (size_t)n * sz;
    return RF_OK;
}

static rf_status range_pages(rf_table *t, uint32_t phys, const rnt_range *rg, int64_t start, int64_t z,
                             int64_t hi, rf_dtype dt, sink *sk, rf_error *err)
{
    rnt_impl *im = t->impl;
    const rnt_desc *d = &im->d;
    size_t sz = rf_dtype_size(dt);
    for (uint64_t p = page_find(d, rg, z - start); z < hi; p++) {
        const rnt_page *pg = &d->pages[rg->page0 + p];
        int64_t ps = start + pg->first, pe = ps + pg->nelems;
        int64_t b = hi < pe ? hi : pe;
        uint8_t *dst;
        RF_TRY(sink_room(sk, (uint64_t)(b - z) * sz, sz, &dst, err));
        RF_TRY(page_read(t, im, phys, rg->page0 + p, z - ps, b - ps, dt, dst, err));
        sk->off += (size_t)(b - z) * sz;
        z = b;
    }
    return RF_OK;
}

/* Reads cluster-local elements [lo, hi) of column k of field fid into the sink as dtype dt. */
static rf_status read_elems(rf_table *t, uint32_t fid, uint32_t k, uint32_t ci, int64_t lo, int64_t hi,
                            rf_dtype dt, sink *sk, rf_error *err)
{
    rnt_impl *im = t->impl;
    const rnt_desc *d = &im->d;
    const rnt_cluster *cl = &d->clusters[ci];
    size_t sz = rf_dtype_size(dt);
    uint32_t phys = 0;
    RF_TRY(pick_column(d, &d->fields[fid], k, cl, &phys, err));
    const rnt_column *col = &d->cols[phys];
    const rnt_range *rg = &cl->ranges[phys];
    const rnt_field *owner = &d->fields[col->field];
    if (!rg->present) {
        RF_CHECK(!owner->in_collection || hi == lo, err, RF_ERR_FORMAT,
                 "column %u (field '%s') is not in the cluster at entry %lld, but %lld elements are needed", phys,
                 owner->name, (long long)cl->first_entry, (long long)(hi - lo));
        return zeros(sk, hi - lo, sz, err);
    }
    int64_t origin = owner->in_collection ? rg->first_elem : cl->first_entry * owner->rep;
    int64_t start = rg->first_elem - origin;
    RF_CHECK(start >= 0 && hi <= start + rg->nelems, err, RF_ERR_FORMAT,
             "column %u (field '%s') in the cluster at entry %lld holds elements [%lld, %lld), %lld needed", phys,
             owner->name, (long long)cl->first_entry, (long long)start, (long long)(start + rg->nelems),
             (long long)hi);
    int64_t z = lo < start ? (hi < start ? hi : start) : lo;
    RF_TRY(zeros(sk, z - lo, sz, err));
    rf_status s = range_pages(t, phys, rg, start, z, hi, dt, sk, err);
    if (s != RF_OK)
        return rf_wrap(err, s, "column %u (field '%s'), cluster at entry %lld: ", phys, owner->name,
                       (long long)cl->first_entry);
    return RF_OK;
}

/* Reads index elements [lo-1, hi) of a collection field as int64 into im->idx[0..n]. */
static rf_status read_index(rf_table *t, uint32_t fid, uint32_t ci, int64_t lo, int64_t hi, rf_error *err)
{
    rnt_impl *im = t->impl;
    sink sk = {NULL, &im->idx, &im->idx_cap, 0};
    if (lo > 0)
        return read_elems(t, fid, 0, ci, lo - 1, hi, RF_INT64, &sk, err);
    RF_TRY(zeros(&sk, 1, 8, err));
    return read_elems(t, fid, 0, ci, 0, hi, RF_INT64, &sk, err);
}

typedef struct cursor {
    int64_t count[RF_MAX_LEVELS]; /* items written at each level */
} cursor;

/* Checks one block of index elements (not below the one before, *prev, and below s + 2^40;
 * a decrease shows in the sign bit then) and rebases it from s onto base, in place while the
 * block is in L1. Returns nonzero bits when a check failed. The measured hot loop. */
RF_VECTOR_CLONES static uint64_t rebase_block(int64_t *restrict o, size_t m, uint64_t *prev, uint64_t s, uint64_t base)
{
    uint64_t bad = (((uint64_t)o[0] - s) >> 40) | (((uint64_t)o[0] - *prev) >> 63);
    for (size_t i = 1; i < m; i++)
        bad |= (((uint64_t)o[i] - s) >> 40) | (((uint64_t)o[i] - (uint64_t)o[i - 1]) >> 63);
    *prev = (uint64_t)o[m - 1];
    for (size_t i = 0; i < m; i++)
        o[i] = (int64_t)(base + ((uint64_t)o[i] - s));
    return bad;
}

/* Rebases n index elements at o[1..n] (cluster-relative ends of n parents whose children
 * start at `start`) onto the running total o[0], in place, checking that they do not
 * decrease and stay below start + 2^40. */
static rf_status rebase(const rf_table *t, int64_t *o, int64_t n, int64_t start, rf_error *err)
{
    uint64_t base = (uint64_t)o[0], s = (uint64_t)start, prev = s;
    for (int64_t a = 1; a <= n; a += 1024) {
        size_t m = (size_t)(n - a + 1 < 1024 ? n - a + 1 : 1024);
        RF_CHECK(!rebase_block(o + a, m, &prev, s, base), err, RF_ERR_FORMAT,
                 "%s: collection index out of order or too large in parents %lld to %lld of the read", t->name,
                 (long long)a - 1, (long long)(a - 1 + (int64_t)m));
    }
    return RF_OK;
}

/* Parents per step when a collection's sizes are read (cardinality columns): the int64 index
 * of one step stays in cache while it is turned into counts. */
#define IDX_STEP 16384

static rf_status read_cardinality(rf_table *t, const rnt_plan *p, uint32_t ci, int64_t lo, int64_t hi,
                                  rf_column_data *out, rf_error *err)
{
    rnt_impl *im = t->impl;
    if (hi <= lo)
        return RF_OK;
    RF_TRY(rf_coldata_reserve_values(out, out->nvalues + (hi - lo), err));
    for (int64_t a = lo; a < hi; a += IDX_STEP) {
        int64_t b = hi - a < IDX_STEP ? hi : a + IDX_STEP;
        RF_TRY(read_index(t, p->value_field, ci, a, b, err));
        int64_t *v = (int64_t *)out->values + out->nvalues;
        const int64_t *idx = (const int64_t *)im->idx;
        uint64_t bad = 0; /* a count that is negative or past 2^40: the index is corrupt */
        for (int64_t i = 0; i < b - a; i++) {
            uint64_t c = (uint64_t)idx[i + 1] - (uint64_t)idx[i];
            v[i] = (int64_t)c;
            bad |= c >> 40;
        }
        RF_CHECK(!bad, err, RF_ERR_FORMAT, "%s: collection index out of order or too large in parents %lld to %lld",
                 t->name, (long long)a, (long long)b);
        out->nvalues += b - a;
    }
    return RF_OK;
}

/* Appends the offsets of collection level l for parents [lo, hi): the index elements are
 * decoded straight into the offsets array (whole pages without a copy, as values are) and
 * rebased there while in cache. The child range replaces [lo, hi). An empty range still
 * reads the index before lo (where children start). */
static rf_status read_level(rf_table *t, const rnt_plan *p, int l, uint32_t ci, int64_t *lo, int64_t *hi,
                            rf_column_data *out, cursor *cu, rf_error *err)
{
    rnt_impl *im = t->impl;
    int64_t n = *hi - *lo, start = 0;
    if (*lo > 0) {
        sink one = {NULL, &im->idx, &im->idx_cap, 0};
        RF_TRY(read_elems(t, p->level_field[l], 0, ci, *lo - 1, *lo, RF_INT64, &one, err));
        memcpy(&start, im->idx, sizeof start);
    }
    RF_TRY(rf_coldata_reserve_offsets(out, l, cu->count[l] + n, err));
    int64_t *o = out->offsets[l] + cu->count[l];
    uint8_t *dst = (uint8_t *)(o + 1);
    size_t room = (size_t)n * sizeof *o; /* exactly what is decoded: the sink never grows */
    sink sk = {NULL, &dst, &room, 0};
    RF_TRY(read_elems(t, p->level_field[l], 0, ci, *lo, *hi, RF_INT64, &sk, err));
    RF_TRY(rebase(t, o, n, start, err));
    cu->count[l] += n;
    *lo = start;
    *hi = start + (o[n] - o[0]);
    return RF_OK;
}

static rf_status read_cluster(rf_table *t, const rnt_plan *p, uint32_t ci, int64_t lo, int64_t hi,
                              rf_column_data *out, cursor *cu, rf_error *err)
{
    if (p->what == RNT_PLAN_CARDINALITY)
        return read_cardinality(t, p, ci, lo, hi, out, err);
    for (int l = 0; l < p->nlevels; l++)
        RF_TRY(read_level(t, p, l, ci, &lo, &hi, out, cu, err));
    int64_t n = (hi - lo) * p->per_item;
    sink sk = {out, NULL, NULL, (size_t)out->nvalues * rf_dtype_size(out->dtype)};
    rnt_impl *im = t->impl;
    im->stream = im->big || (uint64_t)n * rf_dtype_size(out->dtype) >= RNT_STREAM_BYTES;
    rf_status s = read_elems(t, p->value_field, p->value_col, ci, lo * p->per_item, hi * p->per_item, out->dtype,
                             &sk, err);
    im->stream = 0;
    RF_TRY(s);
    out->nvalues += n;
    return RF_OK;
}

/* The first cluster ending after entry e. */
static uint32_t cluster_of(const rnt_desc *d, int64_t e)
{
    uint32_t a = 0, b = d->nclusters;
    while (a < b) {
        uint32_t m = (a + b) / 2;
        if (d->clusters[m].first_entry + d->clusters[m].nentries <= e)
            a = m + 1;
        else
            b = m;
    }
    return a;
}

/* Columns without collection levels: the page of their value column that holds the entry. */
int64_t rnt_block_end(const rf_table *t, size_t col, int64_t entry)
{
    const rnt_impl *im = t->impl;
    const rnt_desc *d = &im->d;
    const rnt_plan *p = &im->plans[col];
    uint32_t ci = cluster_of(d, entry), phys = 0;
    if (p->what != RNT_PLAN_VALUES || p->nlevels > 0 || p->per_item < 1 || ci >= d->nclusters)
        return -1;
    const rnt_cluster *cl = &d->clusters[ci];
    const rnt_field *fd = &d->fields[p->value_field];
    if (p->value_col >= (fd->nrepr ? fd->ncols / fd->nrepr : 0) ||
        pick_column(d, fd, p->value_col, cl, &phys, NULL) != RF_OK || !cl->ranges[phys].present)
        return -1;
    const rnt_range *rg = &cl->ranges[phys];
    int64_t x, last;
    if (__builtin_mul_overflow(entry - cl->first_entry, p->per_item, &x))
        return -1;
    for (uint32_t k = 0; k < rg->npages; k++) {
        const rnt_page *pg = &d->pages[rg->page0 + k];
        if (__builtin_add_overflow(pg->first, pg->nelems, &last))
            return -1;
        if (x < last) {
            int64_t end = last / p->per_item + (last % p->per_item != 0);
            return cl->first_entry + (end < cl->nentries ? end : cl->nentries);
        }
    }
    return -1;
}

rf_status rnt_read(rf_table *t, size_t col, int64_t first, int64_t last, rf_column_data *out, rf_error *err)
{
    rnt_impl *im = t->impl;
    const rnt_desc *d = &im->d;
    const rnt_plan *p = &im->plans[col];
    cursor cu;
    memset(&cu, 0, sizeof cu);
    /* reads with a large output copy decoded pages into it with non-temporal stores (also
     * over small clusters): measured 1.5x faster than memcpy for the shared pages */
    double bytes = (double)(last - first) * (double)p->per_item * (double)rf_dtype_size(out->dtype);
    im->big = p->what == RNT_PLAN_VALUES && bytes >= (double)RNT_STREAM_BYTES;
    for (uint32_t ci = cluster_of(d, first); ci < d->nclusters && first < last; ci++) {
        const rnt_cluster *cl = &d->clusters[ci];
        int64_t end = cl->first_entry + cl->nentries;
        int64_t stop = last < end ? last : end;
        rf_status s = read_cluster(t, p, ci, first - cl->first_entry, stop - cl->first_entry, out, &cu, err);
        if (s != RF_OK) {
            im->big = 0;
            return rf_wrap(err, s, "%s: RNTuple '%s': column '%s': ", t->file->name, t->name, t->columns[col].name);
        }
        first = stop;
    }
    im->big = 0;
    return RF_OK;
}

int rnt_plan_fields(const rnt_plan *p, uint32_t fields[RF_MAX_LEVELS + 1])
{
    int nf = 0;
    for (int l = 0; l < p->nlevels; l++)
        fields[nf++] = p->level_field[l];
    fields[nf++] = p->value_field;
    return nf;
}

/* Adds up the stored pages of every column a plan reads (all representations). */
void rnt_plan_sizes(const rnt_desc *d, const rnt_plan *p, rf_column_info *ci)
{
    uint32_t fields[RF_MAX_LEVELS + 1];
    int nf = rnt_plan_fields(p, fields);
    for (int i = 0; i < nf; i++) {
        const rnt_field *fd = &d->fields[fields[i]];
        uint32_t per = fd->nrepr ? fd->ncols / fd->nrepr : 0;
        uint32_t k = i == nf - 1 ? p->value_col : 0; /* a string's index is counted as its level */
        for (uint32_t r = 0; k < per && r < fd->nrepr; r++) {
            const rnt_column *col = &d->cols[fd->cols[r * per + k]];
            for (uint32_t c = 0; c < d->nclusters; c++) {
                const rnt_range *rg = &d->clusters[c].ranges[fd->cols[r * per + k]];
                for (uint32_t k = 0; rg->present && k < rg->npages; k++) {
                    const rnt_page *pg = &d->pages[rg->page0 + k];
                    ci->compressed_bytes += (int64_t)pg->size;
                    ci->uncompressed_bytes += (int64_t)rnt_page_bytes(col, pg->nelems);
                    ci->nblocks++;
                }
            }
        }
    }
}
