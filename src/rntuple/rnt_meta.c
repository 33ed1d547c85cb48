/* rnt_meta.c - parses the RNTuple metadata envelopes into an rnt_desc: the header (feature
 * flags, name, schema description: fields, columns, alias columns), the footer (header
 * checksum, schema extension, cluster groups) and each cluster group's page list (cluster
 * summaries and, per cluster and column, the page locators, element offset and compression).
 * Every record and list is entered through its frame, so bytes added by newer minor versions
 * are skipped. Columns that a cluster's page list does not name (late model extension) are
 * marked absent there. */
#include <stdlib.h>
#include <string.h>

#include "rnt.h"
#include "../common/error.h"

static rf_status grow(void **p, uint64_t *cap, uint64_t need, size_t elem, rf_error *err)
{
    if (need <= *cap)
        return RF_OK;
    RF_CHECK(need * elem <= RF_MAX_ALLOC, err, RF_ERR_NOMEM, "RNTuple metadata list of %llu items is too large",
             (unsigned long long)need);
    uint64_t n = *cap ? *cap * 2 : 16;
    if (n < need)
        n = need;
    void *q = realloc(*p, (size_t)(n * elem));
    RF_CHECK(q, err, RF_ERR_NOMEM, "out of memory for RNTuple metadata");
    memset((uint8_t *)q + *cap * elem, 0, (size_t)((n - *cap) * elem));
    *p = q;
    *cap = n;
    return RF_OK;
}

static rf_status grow32(void **p, uint32_t *cap, uint64_t need, size_t elem, rf_error *err)
{
    uint64_t c = *cap;
    RF_CHECK(need < UINT32_MAX, err, RF_ERR_FORMAT, "RNTuple: more than 2^32 schema items");
    RF_TRY(grow(p, &c, need, elem, err));
    *cap = (uint32_t)c;
    return RF_OK;
}

static rf_status field_parse(rnt_cur *c, rnt_field *fd, rf_error *err)
{
    uint32_t fv, tv;
    RF_TRY(rnt_u32(c, &fv, err));
    RF_TRY(rnt_u32(c, &tv, err));
    RF_TRY(rnt_u32(c, &fd->parent, err));
    RF_TRY(rnt_u16(c, &fd->role, err));
    RF_TRY(rnt_u16(c, &fd->flags, err));
    RF_TRY(rnt_str(c, &fd->name, err));
    RF_TRY(rnt_str(c, &fd->type, err));
    RF_TRY(rnt_str(c, &fd->alias, err));
    char *desc = NULL;
    RF_TRY(rnt_str(c, &desc, err));
    free(desc);
    if (fd->flags & RNT_FIELD_REPETITIVE)
        RF_TRY(rnt_u64(c, &fd->array_size, err));
    if (fd->flags & RNT_FIELD_PROJECTED)
        RF_TRY(rnt_u32(c, &fd->source, err));
    return RF_OK;
}

static rf_status fields_parse(rnt_desc *d, rnt_cur *c, rf_error *err)
{
    rnt_cur list;
    uint32_t n;
    RF_TRY(rnt_frame(c, 1, &list, &n, err));
    RF_CHECK(n <= list.n / 8, err, RF_ERR_FORMAT, "%s envelope: %u fields in %zu bytes", c->what, n, list.n);
    RF_TRY(grow32((void **)&d->fields, &d->fields_cap, (uint64_t)d->nfields + n, sizeof *d->fields, err));
    for (uint32_t i = 0; i < n; i++) {
        rnt_cur rec;
        RF_TRY(rnt_frame(&list, 0, &rec, NULL, err));
        rnt_field *fd = &d->fields[d->nfields++];
        RF_TRY(field_parse(&rec, fd, err));
    }
    return RF_OK;
}

static rf_status column_parse(rnt_cur *c, rnt_column *col, rf_error *err)
{
    uint64_t v;
    RF_TRY(rnt_u16(c, &col->type, err));
    RF_TRY(rnt_u16(c, &col->bits, err));
    RF_TRY(rnt_u32(c, &col->field, err));
    RF_TRY(rnt_u16(c, &col->flags, err));
    RF_TRY(rnt_u16(c, &col->repr, err));
    if (col->flags & RNT_COL_DEFERRED) {
        RF_TRY(rnt_u64(c, &v, err));
        col->first_elem = (int64_t)v;
    }
    if (col->flags & RNT_COL_RANGE) {
        RF_TRY(rnt_u64(c, &v, err));
        memcpy(&col->min, &v, 8);
        RF_TRY(rnt_u64(c, &v, err));
        memcpy(&col->max, &v, 8);
    }
    return RF_OK;
}

static rf_status columns_parse(rnt_desc *d, rnt_cur *c, rf_error *err)
{
    rnt_cur list;
    uint32_t n;
    RF_TRY(rnt_frame(c, 1, &list, &n, err));
    RF_CHECK(n <= list.n / 8, err, RF_ERR_FORMAT, "%s envelope: %u columns in %zu bytes", c->what, n, list.n);
    RF_TRY(grow32((void **)&d->cols, &d->cols_cap, (uint64_t)d->ncols + n, sizeof *d->cols, err));
    for (uint32_t i = 0; i < n; i++) {
        rnt_cur rec;
        RF_TRY(rnt_frame(&list, 0, &rec, NULL, err));
        RF_TRY(column_parse(&rec, &d->cols[d->ncols++], err));
    }
    return RF_OK;
}

/* Attaches column `phys` to field `fid` (alias columns attach a physical column to a
 * projected field). */
static rf_status attach(rnt_desc *d, uint32_t fid, uint32_t phys, rf_error *err)
{
    RF_CHECK(fid < d->nfields && phys < d->ncols, err, RF_ERR_FORMAT,
             "RNTuple schema: column %u attached to field %u (%u fields, %u columns)", phys, fid, d->nfields,
             d->ncols);
    rnt_field *fd = &d->fields[fid];
    RF_TRY(grow32((void **)&fd->cols, &fd->cols_cap, (uint64_t)fd->ncols + 1, sizeof *fd->cols, err));
    fd->cols[fd->ncols++] = phys;
    return RF_OK;
}

static rf_status aliases_parse(rnt_desc *d, rnt_cur *c, rf_error *err)
{
    rnt_cur list;
    uint32_t n;
    RF_TRY(rnt_frame(c, 1, &list, &n, err));
    for (uint32_t i = 0; i < n; i++) {
        rnt_cur rec;
        uint32_t phys, fid;
        RF_TRY(rnt_frame(&list, 0, &rec, NULL, err));
        RF_TRY(rnt_u32(&rec, &phys, err));
        RF_TRY(rnt_u32(&rec, &fid, err));
        RF_TRY(attach(d, fid, phys, err));
    }
    return RF_OK;
}

/* One schema description: fields, columns, alias columns, extra type info (skipped). Physical
 * columns are attached to their fields as they come, aliases after them. */
static rf_status schema_parse(rnt_desc *d, rnt_cur *c, rf_error *err)
{
    uint32_t col0 = d->ncols;
    if (c->pos == c->n)
        return RF_OK; /* an empty schema extension */
    RF_TRY(fields_parse(d, c, err));
    RF_TRY(columns_parse(d, c, err));
    for (uint32_t i = col0; i < d->ncols; i++)
        RF_TRY(attach(d, d->cols[i].field, i, err));
    if (c->pos == c->n)
        return RF_OK;
    RF_TRY(aliases_parse(d, c, err));
    if (c->pos == c->n)
        return RF_OK;
    rnt_cur skip;
    return rnt_frame(c, 1, &skip, NULL, err);
}

rf_status rnt_header_parse(rnt_desc *d, rnt_cur *c, rf_error *err)
{
    char *desc = NULL, *writer = NULL;
    RF_TRY(rnt_features(c, err));
    RF_TRY(rnt_str(c, &d->name, err));
    rf_status s = rnt_str(c, &desc, err);
    if (s == RF_OK)
        s = rnt_str(c, &writer, err);
    free(desc);
    free(writer);
    RF_TRY(s);
    return schema_parse(d, c, err);
}

void rnt_desc_free(rnt_desc *d)
{
    for (uint32_t i = 0; i < d->nfields; i++) {
        rnt_field *fd = &d->fields[i];
        free(fd->name), free(fd->type), free(fd->alias), free(fd->cols), free(fd->kids);
    }
    for (uint32_t i = 0; i < d->nclusters; i++)
        free(d->clusters[i].ranges);
    free(d->fields), free(d->cols), free(d->clusters), free(d->pages), free(d->name);
    memset(d, 0, sizeof *d);
}

/* ---- page lists ---- */

static rf_status summaries_parse(rnt_desc *d, rnt_cur *c, uint32_t want, rf_error *err)
{
    rnt_cur list;
    uint32_t n;
    RF_TRY(rnt_frame(c, 1, &list, &n, err));
    RF_CHECK(n == want, err, RF_ERR_FORMAT, "page list at offset %llu: %u cluster summaries, the footer says %u",
             (unsigned long long)c->base, n, want);
    RF_TRY(grow32((void **)&d->clusters, &d->clusters_cap, (uint64_t)d->nclusters + n, sizeof *d->clusters, err));
    for (uint32_t i = 0; i < n; i++) {
        rnt_cur rec;
        uint64_t first, nf;
        RF_TRY(rnt_frame(&list, 0, &rec, NULL, err));
        RF_TRY(rnt_u64(&rec, &first, err));
        RF_TRY(rnt_u64(&rec, &nf, err));
        RF_CHECK(!((nf >> 56) & 0x01), err, RF_ERR_UNSUPPORTED, "page list at offset %llu: sharded cluster",
                 (unsigned long long)c->base);
        uint64_t ne = nf & 0x00ffffffffffffffULL;
        RF_CHECK(first < ((uint64_t)1 << 62) && ne < ((uint64_t)1 << 62), err, RF_ERR_FORMAT,
                 "page list at offset %llu: cluster entry range %llu+%llu", (unsigned long long)c->base,
                 (unsigned long long)first, (unsigned long long)ne);
        rnt_cluster *cl = &d->clusters[d->nclusters++];
        cl->first_entry = (int64_t)first;
        cl->nentries = (int64_t)ne;
        cl->ranges = calloc(d->ncols ? d->ncols : 1, sizeof *cl->ranges);
        RF_CHECK(cl->ranges, err, RF_ERR_NOMEM, "out of memory for cluster column ranges");
    }
    return RF_OK;
}

static rf_status pages_parse(rnt_desc *d, rnt_cur *c, rnt_range *r, rf_error *err)
{
    rnt_cur list;
    uint32_t n;
    RF_TRY(rnt_frame(c, 1, &list, &n, err));
    RF_CHECK(n <= list.n / 12, err, RF_ERR_FORMAT, "page list: %u pages in %zu bytes", n, list.n);
    RF_TRY(grow((void **)&d->pages, &d->pages_cap, d->npages + n, sizeof *d->pages, err));
    r->page0 = d->npages;
    r->npages = n;
    int64_t total = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t ne;
        rnt_page *pg = &d->pages[d->npages++];
        RF_TRY(rnt_u32(&list, &ne, err));
        pg->checksum = (int32_t)ne < 0;
        pg->nelems = pg->checksum ? -(int64_t)(int32_t)ne : (int64_t)ne;
        rnt_locator loc;
        RF_TRY(rnt_locator_read(&list, &loc, err));
        pg->offset = loc.offset;
        pg->size = loc.size;
        pg->first = total;
        total += pg->nelems;
    }
    r->nelems = total;
    uint64_t off;
    RF_TRY(rnt_u64(&list, &off, err));
    r->present = 1;
    if ((int64_t)off < 0) {
        r->suppressed = 1;
        return RF_OK;
    }
    r->first_elem = (int64_t)off;
    return rnt_u32(&list, &r->compression, err);
}

static rf_status locations_parse(rnt_desc *d, rnt_cur *c, uint32_t cl0, uint32_t ncl, rf_error *err)
{
    rnt_cur top;
    uint32_t n;
    RF_TRY(rnt_frame(c, 1, &top, &n, err));
    RF_CHECK(n == ncl, err, RF_ERR_FORMAT, "page list at offset %llu: page locations for %u clusters, expected %u",
             (unsigned long long)c->base, n, ncl);
    for (uint32_t i = 0; i < n; i++) {
        rnt_cur cols;
        uint32_t nc;
        RF_TRY(rnt_frame(&top, 1, &cols, &nc, err));
        RF_CHECK(nc <= d->ncols, err, RF_ERR_FORMAT,
                 "page list at offset %llu: cluster lists %u columns, the schema has %u", (unsigned long long)c->base,
                 nc, d->ncols);
        for (uint32_t k = 0; k < nc; k++)
            RF_TRY(pages_parse(d, &cols, &d->clusters[cl0 + i].ranges[k], err));
    }
    return RF_OK;
}

static rf_status pagelist_parse(rnt_desc *d, rnt_cur *c, uint32_t ncl, rf_error *err)
{
    uint64_t hx;
    RF_TRY(rnt_u64(c, &hx, err));
    RF_CHECK(RNT_SUM_OK(hx == d->header_xxh3), err, RF_ERR_CHECKSUM,
             "page list at offset %llu names header checksum %016llx, the header's is %016llx",
             (unsigned long long)c->base, (unsigned long long)hx, (unsigned long long)d->header_xxh3);
    uint32_t cl0 = d->nclusters;
    RF_TRY(summaries_parse(d, c, ncl, err));
    return locations_parse(d, c, cl0, ncl, err);
}

static rf_status group_parse(rf_file *f, rnt_desc *d, rnt_cur *c, rf_error *err)
{
    uint64_t minent, span, len;
    uint32_t ncl;
    rnt_locator loc;
    RF_TRY(rnt_u64(c, &minent, err));
    RF_TRY(rnt_u64(c, &span, err));
    RF_TRY(rnt_u32(c, &ncl, err));
    RF_TRY(rnt_u64(c, &len, err));
    RF_TRY(rnt_locator_read(c, &loc, err));
    uint8_t *buf;
    rnt_cur body;
    uint64_t xx;
    RF_TRY(rnt_envelope_read(f, loc.offset, loc.size, len, RNT_ENV_PAGELIST, &buf, &body, &xx, err));
    rf_status s = pagelist_parse(d, &body, ncl, err);
    free(buf);
    return s;
}

static int cluster_cmp(const void *a, const void *b)
{
    const rnt_cluster *x = a, *y = b;
    return (x->first_entry > y->first_entry) - (x->first_entry < y->first_entry);
}

/* Orders clusters by entry and checks that they tile [0, entries) without gaps. */
static rf_status clusters_finish(rnt_desc *d, rf_error *err)
{
    if (d->nclusters > 1)
        qsort(d->clusters, d->nclusters, sizeof *d->clusters, cluster_cmp);
    int64_t next = 0;
    for (uint32_t i = 0; i < d->nclusters; i++) {
        RF_CHECK(d->clusters[i].first_entry == next, err, RF_ERR_FORMAT,
                 "RNTuple: cluster %u starts at entry %lld, expected %lld", i,
                 (long long)d->clusters[i].first_entry, (long long)next);
        RF_CHECK(d->clusters[i].nentries <= INT64_MAX - next, err, RF_ERR_FORMAT, "RNTuple: entry count overflows");
        next += d->clusters[i].nentries;
    }
    d->entries = next;
    return RF_OK;
}

rf_status rnt_footer_parse(rf_file *f, rnt_desc *d, rnt_cur *c, rf_error *err)
{
    uint64_t hx;
    RF_TRY(rnt_features(c, err));
    RF_TRY(rnt_u64(c, &hx, err));
    RF_CHECK(RNT_SUM_OK(hx == d->header_xxh3), err, RF_ERR_CHECKSUM,
             "footer names header checksum %016llx, the header's is %016llx", (unsigned long long)hx,
             (unsigned long long)d->header_xxh3);
    rnt_cur ext, groups;
    uint32_t ng;
    RF_TRY(rnt_frame(c, 0, &ext, NULL, err));
    RF_TRY(schema_parse(d, &ext, err));
    RF_TRY(rnt_frame(c, 1, &groups, &ng, err));
    for (uint32_t i = 0; i < ng; i++) {
        rnt_cur rec;
        RF_TRY(rnt_frame(&groups, 0, &rec, NULL, err));
        RF_TRY(group_parse(f, d, &rec, err));
    }
    return clusters_finish(d, err);
}
