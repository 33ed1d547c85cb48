/* writer.c - the format-neutral half of the writer: options, column declarations, checking
 * and gathering appended batches into the current cluster, and the cluster policy (a fixed
 * number of entries, or the entry count at which the first cluster reached cluster_bytes, as
 * ROOT's auto-flush does). The back end chosen by the format writes each full cluster. */
#include "writer_impl.h"

#include <stdlib.h>
#include <string.h>

#include "../common/error.h"

#define SLICE 4096

void rf_writer_options_init(rf_writer_options *o)
{
    memset(o, 0, sizeof *o);
    o->struct_size = sizeof *o;
    o->format = RF_FORMAT_TTREE;
    o->compression = -1;
    o->title = "";
}

static const struct { const char *name; int alg, level; } algs[] = {
    {"none", 0, 0}, {"zlib", 1, 1}, {"lzma", 2, 7}, {"old", 3, 1}, {"lz4", 4, 4}, {"zstd", 5, 5}};

rf_status rf_writer_parse_compression(const char *t, int *setting, rf_error *err)
{
    char *end;
    long v = strtol(t, &end, 10);
    if (end != t && *end == 0) {
        RF_CHECK(v >= 0 && v < 600, err, RF_ERR_ARG, "compression setting %ld out of range", v);
        *setting = (int)v;
        return RF_OK;
    }
    for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++) {
        size_t n = strlen(algs[i].name);
        if (strncmp(t, algs[i].name, n) != 0 || (t[n] != 0 && t[n] != ':'))
            continue;
        long level = algs[i].level;
        if (t[n] == ':') {
            level = strtol(t + n + 1, &end, 10);
            RF_CHECK(end != t + n + 1 && *end == 0 && level >= 0 && level <= 99, err, RF_ERR_ARG,
                     "bad compression level in '%s'", t);
        }
        *setting = algs[i].alg == 0 ? 0 : algs[i].alg * 100 + (int)level;
        return RF_OK;
    }
    return rf_fail(err, RF_ERR_ARG, "unknown compression '%s' (none, zlib, lz4, zstd, lzma[:level] or a number)", t);
}

static void fill_defaults(rf_writer_options *o)
{
    int nt = o->format == RF_FORMAT_TTREE;
    if (o->format == RF_FORMAT_CSV)
        o->compression = 0;
    if (o->compression < 0)
        o->compression = nt ? 101 : 505;
    if (o->cluster_bytes <= 0)
        o->cluster_bytes = o->format == RF_FORMAT_CSV ? 4 << 20 : nt ? 30000000 : 100 << 20;
    if (o->basket_bytes <= 0)
        o->basket_bytes = nt ? 32000 : 1 << 20;
    if (!o->title)
        o->title = "";
}

rf_status rf_writer_open(const char *path, const char *name, const rf_writer_options *opt,
                         rf_writer **out, rf_error *err)
{
    *out = NULL;
    rf_writer_options o;
    rf_writer_options_init(&o);
    if (opt)
        memcpy(&o, opt, opt->struct_size < sizeof o ? opt->struct_size : sizeof o);
    o.struct_size = sizeof o;
    RF_CHECK(name && *name && path, err, RF_ERR_ARG, "writer needs a path and a table name");
    RF_CHECK(o.format == RF_FORMAT_TTREE || o.format == RF_FORMAT_RNTUPLE || o.format == RF_FORMAT_CSV, err, RF_ERR_ARG,
             "%s: unknown format %d", path, (int)o.format);
    RF_CHECK(o.compression < 600 && o.compression % 100 <= 99, err, RF_ERR_ARG,
             "%s: bad compression setting %d", path, o.compression);
    fill_defaults(&o);
    rf_writer *w = calloc(1, sizeof *w);
    RF_CHECK(w, err, RF_ERR_NOMEM, "out of memory");
    w->opt = o;
    w->name = strdup(name);
    w->path = strdup(path);
    w->be = o.format == RF_FORMAT_TTREE ? &rf_ttree_backend : o.format == RF_FORMAT_RNTUPLE ? &rf_rntuple_backend
                                                                                        : &rf_csv_backend;
    if (!w->name || !w->path) {
        rf_writer_abort(w);
        return rf_fail(err, RF_ERR_NOMEM, "out of memory");
    }
    rf_status s = o.format == RF_FORMAT_CSV ? rf_csv_writer_open(w, err)
                                            : tfw_open(path, "", o.compression, &w->file, err);
    if (s != RF_OK) {
        rf_writer_abort(w);
        return s;
    }
    *out = w;
    return RF_OK;
}

static rf_status check_column(const rf_writer *w, const rf_writer_column *c, size_t *item, rf_error *err)
{
    RF_CHECK(c->name && *c->name, err, RF_ERR_ARG, "%s: column without a name", w->path);
    RF_CHECK((unsigned)c->dtype < RF_DTYPE_COUNT, err, RF_ERR_ARG, "%s: column '%s': bad dtype", w->path, c->name);
    RF_CHECK(c->kind == RF_KIND_FLAT || c->kind == RF_KIND_FIXED || c->kind == RF_KIND_JAGGED, err,
             RF_ERR_ARG, "%s: column '%s': bad kind", w->path, c->name);
    RF_CHECK(c->ndims >= 0 && c->ndims <= RF_MAX_DIMS && (c->kind != RF_KIND_FLAT || c->ndims == 0) &&
             (c->kind != RF_KIND_FIXED || c->ndims > 0), err, RF_ERR_ARG,
             "%s: column '%s': %d dimensions do not fit its kind", w->path, c->name, c->ndims);
    RF_CHECK(c->kind == RF_KIND_JAGGED ? c->nlevels >= 0 && c->nlevels <= RF_MAX_LEVELS &&
                                             (c->nlevels < 2 || c->ndims == 0) : c->nlevels == 0,
             err, RF_ERR_ARG, "%s: column '%s': %d levels (jagged columns take 1 to %d, nested ones no "
             "inner dimensions; others none)", w->path, c->name, c->nlevels, RF_MAX_LEVELS);
    /* TTree leaf titles use ':' between leaves; RNTuple field names may not hold '.' (ATLAS
     * writes PHYSLITE's "AnalysisMuonsAuxDyn.pt" as "AnalysisMuonsAuxDyn:pt" there) */
    const char *bad = w->opt.format == RF_FORMAT_TTREE ? "/[:" : "/[.";
    RF_CHECK(!strpbrk(c->name, bad), err, RF_ERR_ARG, "%s: column name '%s' contains one of %s",
             w->path, c->name, bad);
    *item = 1;
    for (int d = 0; d < c->ndims; d++) {
        RF_CHECK(c->shape[d] > 0 && c->shape[d] <= 1 << 20 && *item * (size_t)c->shape[d] <= 1 << 24, err,
                 RF_ERR_ARG, "%s: column '%s': bad dimension %lld", w->path, c->name, (long long)c->shape[d]);
        *item *= (size_t)c->shape[d];
    }
    for (size_t i = 0; i < w->ncols; i++)
        RF_CHECK(strcmp(w->cols[i].name, c->name) != 0, err, RF_ERR_ARG, "%s: column '%s' declared twice",
                 w->path, c->name);
    return RF_OK;
}

rf_status rf_writer_add_column(rf_writer *w, const rf_writer_column *c, rf_error *err)
{
    RF_CHECK(!w->begun, err, RF_ERR_ARG, "%s: column '%s' declared after the first append", w->path,
             c->name ? c->name : "");
    size_t item = 1;
    RF_TRY(check_column(w, c, &item, err));
    if (w->ncols == w->capcols) {
        size_t cap = w->capcols ? 2 * w->capcols : 16;
        wcol *n = realloc(w->cols, cap * sizeof *n);
        RF_CHECK(n, err, RF_ERR_NOMEM, "out of memory");
        w->cols = n, w->capcols = cap;
    }
    wcol *k = &w->cols[w->ncols];
    memset(k, 0, sizeof *k);
    k->name = strdup(c->name);
    RF_CHECK(k->name, err, RF_ERR_NOMEM, "out of memory");
    k->dtype = c->dtype, k->kind = c->kind, k->ndims = c->ndims, k->item = item;
    k->nlevels = c->kind == RF_KIND_JAGGED ? (c->nlevels > 1 ? c->nlevels : 1) : 0;
    memcpy(k->shape, c->shape, sizeof k->shape);
    k->esize = rf_dtype_size(c->dtype);
    w->ncols++;
    return RF_OK;
}

/* Checks that positions o[a..b] do not decrease and stay within int32 counts; the range of
 * the next level is [o[a], o[b]]. */
static rf_status check_level(const rf_writer *w, const wcol *c, int l, const int64_t *o, int64_t a, int64_t b,
                             rf_error *err)
{
    RF_CHECK(o, err, RF_ERR_ARG, "%s: column '%s': no offsets for level %d", w->path, c->name, l);
    for (int64_t i = a; i < b; i++)
        RF_CHECK(o[i] >= 0 && o[i + 1] >= o[i] && o[i + 1] - o[i] <= INT32_MAX, err, RF_ERR_ARG,
                 "%s: column '%s': offsets of level %d decrease at %lld", w->path, c->name, l, (long long)i);
    return RF_OK;
}

static rf_status check_batch(const rf_writer *w, const rf_column_data *cols, size_t n, rf_error *err)
{
    RF_CHECK(n == w->ncols && n > 0, err, RF_ERR_ARG, "%s: append gives %zu columns, %zu declared", w->path, n,
             w->ncols);
    int64_t m = cols[0].nentries;
    for (size_t i = 0; i < n; i++) {
        const rf_column_data *d = &cols[i];
        const wcol *c = &w->cols[i];
        RF_CHECK(d->nentries == m && m >= 0, err, RF_ERR_ARG, "%s: column '%s': %lld entries, first column has %lld",
                 w->path, c->name, (long long)d->nentries, (long long)m);
        RF_CHECK(d->dtype == c->dtype && d->nlevels == c->nlevels, err, RF_ERR_ARG,
                 "%s: column '%s': data of dtype %s with %d levels for a %s %s column of %d levels", w->path,
                 c->name, rf_dtype_name(d->dtype), d->nlevels, rf_kind_name(c->kind), rf_dtype_name(c->dtype),
                 c->nlevels);
        int64_t a = 0, b = m;
        for (int l = 0; l < c->nlevels; l++) {
            RF_TRY(check_level(w, c, l, d->offsets[l], a, b, err));
            a = d->offsets[l][a], b = d->offsets[l][b];
        }
        RF_CHECK(b == a || d->values, err, RF_ERR_ARG, "%s: column '%s': no values", w->path, c->name);
    }
    return RF_OK;
}

/* Copies entries [a, b) of d into column c's cluster buffers. */
static void stage(wcol *c, const rf_column_data *d, int64_t a, int64_t b)
{
    size_t vb = c->esize * c->item;
    int64_t first = a, last = b;
    for (int l = 0; l < c->nlevels; l++) {
        const int64_t *o = d->offsets[l];
        for (int64_t e = first; e < last; e++) {
            int64_t k = o[e + 1] - o[e];
            wb_bytes(&c->counts[l], &k, 8);
            if (l == 0 && k > c->max_count)
                c->max_count = k;
        }
        first = o[first], last = o[last];
    }
    size_t at = c->vals.n;
    if (last == first)
        return;
    wb_bytes(&c->vals, (const uint8_t *)d->values + (size_t)first * vb, (size_t)(last - first) * vb);
    if (c->dtype == RF_BOOL && !c->vals.oom)
        for (size_t i = at; i < c->vals.n; i++)
            c->vals.p[i] = c->vals.p[i] != 0;
}

/* Bytes staged in column c (values and counts). */
static size_t staged_size(const wcol *c)
{
    size_t n = c->vals.n;
    for (int l = 0; l < c->nlevels; l++)
        n += c->counts[l].n;
    return n;
}

static rf_status flush_cluster(rf_writer *w, rf_error *err)
{
    if (w->staged == 0)
        return RF_OK;
    for (size_t i = 0; i < w->ncols; i++) {
        int oom = w->cols[i].vals.oom;
        for (int l = 0; l < w->cols[i].nlevels; l++)
            oom |= w->cols[i].counts[l].oom;
        RF_CHECK(!oom, err, RF_ERR_NOMEM, "%s: out of memory gathering column '%s'", w->path, w->cols[i].name);
    }
    RF_TRY(w->be->flush(w, err));
    if (w->cluster_target == 0)
        w->cluster_target = w->staged;
    w->entries += w->staged;
    w->staged = 0;
    w->staged_bytes = 0;
    for (size_t i = 0; i < w->ncols; i++) {
        w->cols[i].vals.n = 0;
        for (int l = 0; l < RF_MAX_LEVELS; l++)
            w->cols[i].counts[l].n = 0;
    }
    return RF_OK;
}

/* How many of the next entries go into the current cluster. */
static int64_t room(const rf_writer *w, int64_t left)
{
    int64_t target = w->opt.cluster_entries > 0 ? w->opt.cluster_entries : w->cluster_target;
    if (target > 0)
        return left < target - w->staged ? left : target - w->staged;
    return left < SLICE ? left : SLICE;
}

static int cluster_full(const rf_writer *w)
{
    int64_t target = w->opt.cluster_entries > 0 ? w->opt.cluster_entries : w->cluster_target;
    if (target > 0)
        return w->staged >= target;
    return w->staged_bytes >= (size_t)w->opt.cluster_bytes;
}

rf_status rf_writer_append(rf_writer *w, const rf_column_data *cols, size_t ncols, rf_error *err)
{
    RF_TRY(check_batch(w, cols, ncols, err));
    if (!w->begun) {
        RF_TRY(w->be->begin(w, err));
        w->begun = 1;
    }
    int64_t m = cols[0].nentries;
    for (int64_t a = 0; a < m;) {
        int64_t b = a + room(w, m - a);
        size_t before = 0, after = 0;
        for (size_t i = 0; i < w->ncols; i++) {
            before += staged_size(&w->cols[i]);
            stage(&w->cols[i], &cols[i], a, b);
            after += staged_size(&w->cols[i]);
        }
        w->staged += b - a;
        w->staged_bytes += after - before;
        if (cluster_full(w))
            RF_TRY(flush_cluster(w, err));
        a = b;
    }
    return RF_OK;
}

int64_t rf_writer_entries(const rf_writer *w) { return w->entries + w->staged; }

rf_status rf_writer_close(rf_writer *w, rf_error *err)
{
    if (!w)
        return RF_OK;
    rf_status s = RF_OK;
    if (!w->begun)
        s = w->be->begin(w, err);
    if (s == RF_OK) {
        w->begun = 1;
        s = flush_cluster(w, err);
    }
    if (s == RF_OK)
        s = w->be->finish(w, err); /* closes and frees w->file */
    rf_writer_abort(w);
    return s;
}

void rf_writer_abort(rf_writer *w)
{
    if (!w)
        return;
    if (w->be && w->be->release)
        w->be->release(w);
    tfw_abort(w->file);
    for (size_t i = 0; i < w->ncols; i++) {
        free(w->cols[i].name);
        wb_free(&w->cols[i].vals);
        for (int l = 0; l < RF_MAX_LEVELS; l++)
            wb_free(&w->cols[i].counts[l]);
    }
    free(w->cols);
    free(w->name);
    free(w->path);
    free(w);
}
