/* ds_reader.c - reading a dataset through per-thread readers: global entry ranges split at
 * file boundaries and joined, friend and constant columns, the filter/define steps evaluated
 * once per range (and reused by the reads of defined columns over that range), and the
 * row-major writes of rf_dataset_read_rows.
 *
 * A reader opens its own handle of each file it touches (up to READER_OPEN_MAX at a time,
 * the least recently used closed first), so readers on different threads share nothing
 * mutable. */
#include "dataset.h"

#include <stdlib.h>
#include <string.h>

#include "../common/buffer.h"
#include "../common/error.h"
#include "../common/table.h"

#define READER_OPEN_MAX 64

typedef struct rd_table {
    rf_file *f;
    rf_table *t;
    uint64_t used; /* tick of the last use, for closing the least recently used */
} rd_table;

struct rf_dataset_reader {
    rf_dataset *ds;
    rd_table **tabs;          /* [chain][file], opened on first use */
    size_t nopen;
    uint64_t tick;
    rf_column_data piece;     /* one file's part of a range that spans files */
    rf_column_data scratch;   /* decoded input of rf_dataset_read_rows */
    /* expressions: the plan, its inputs over the last evaluated range, the mask */
    rf_expr_plan *plan;
    size_t nin;
    long *in_col;             /* dataset column of each plan input */
    rf_column_data *in;
    rf_expr_column *in_desc;
    int64_t ev_first, ev_last;
    int ev_valid;
    uint8_t *mask;
    size_t mask_cap;
    int64_t npass;
};

/* ------------------------------------------------------------------ open tables */

static void close_tab(rf_dataset_reader *r, rd_table *t)
{
    if (!t->t)
        return;
    rf_table_close(t->t);
    rf_file_close(t->f);
    t->t = NULL;
    t->f = NULL;
    r->nopen--;
}

static void close_lru(rf_dataset_reader *r)
{
    rd_table *victim = NULL;
    for (size_t c = 0; c < r->ds->nchains; c++)
        for (size_t k = 0; k < r->ds->chains[c].nfiles; k++) {
            rd_table *t = &r->tabs[c][k];
            if (t->t && (!victim || t->used < victim->used))
                victim = t;
        }
    if (victim)
        close_tab(r, victim);
}

/* The reader's handle of file k of chain c, opened on first use. */
static rf_status get_table(rf_dataset_reader *r, size_t c, size_t k, rf_table **out, rf_error *err)
{
    rd_table *t = &r->tabs[c][k];
    t->used = ++r->tick;
    if (!t->t) {
        if (r->nopen >= READER_OPEN_MAX)
            close_lru(r);
        const ds_file *df = &r->ds->chains[c].files[k];
        RF_TRY(rf_file_open(df->path, &t->f, err));
        rf_status s = rf_table_open(t->f, df->object, &t->t, err);
        if (s) {
            rf_file_close(t->f);
            t->f = NULL;
            return s;
        }
        r->nopen++;
    }
    *out = t->t;
    return RF_OK;
}

/* ------------------------------------------------------------------ readers */

static rf_status compile_inputs(rf_dataset_reader *r, rf_error *err)
{
    RF_TRY(ds_compile(r->ds, &r->plan, err));
    r->nin = rf_expr_plan_ninputs(r->plan);
    r->in_col = calloc(r->nin + 1, sizeof *r->in_col);
    r->in = calloc(r->nin + 1, sizeof *r->in);
    r->in_desc = calloc(r->nin + 1, sizeof *r->in_desc);
    RF_CHECK(r->in_col && r->in && r->in_desc, err, RF_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < r->nin; i++) {
        r->in_col[i] = rf_dataset_find_column(r->ds, rf_expr_plan_input(r->plan, i));
        RF_CHECK(r->in_col[i] >= 0, err, RF_ERR_NOT_FOUND, "no column '%s'",
                 rf_expr_plan_input(r->plan, i));
        rf_expr_column_from_info(&r->ds->infos[r->in_col[i]], &r->in_desc[i]);
        r->in_desc[i].data = &r->in[i];
    }
    return RF_OK;
}

rf_status rf_dataset_reader_new(rf_dataset *ds, rf_dataset_reader **out, rf_error *err)
{
    RF_CHECK(ds && out, err, RF_ERR_ARG, "rf_dataset_reader_new: NULL argument");
    *out = NULL;
    rf_dataset_reader *r = calloc(1, sizeof *r);
    RF_CHECK(r, err, RF_ERR_NOMEM, "out of memory");
    r->ds = ds;
    ds->frozen = 1;
    r->tabs = calloc(ds->nchains, sizeof *r->tabs);
    rf_status s = r->tabs ? RF_OK : rf_fail(err, RF_ERR_NOMEM, "out of memory");
    for (size_t c = 0; !s && c < ds->nchains; c++)
        if (!(r->tabs[c] = calloc(ds->chains[c].nfiles, sizeof **r->tabs)))
            s = rf_fail(err, RF_ERR_NOMEM, "out of memory");
    if (!s && ds->nsteps)
        s = compile_inputs(r, err);
    if (s) {
        rf_dataset_reader_free(r);
        return s;
    }
    *out = r;
    return RF_OK;
}

void rf_dataset_reader_free(rf_dataset_reader *r)
{
    if (!r)
        return;
    for (size_t c = 0; r->tabs && c < r->ds->nchains; c++) {
        for (size_t k = 0; r->tabs[c] && k < r->ds->chains[c].nfiles; k++)
            close_tab(r, &r->tabs[c][k]);
        free(r->tabs[c]);
    }
    free(r->tabs);
    rf_column_data_free(&r->piece);
    rf_column_data_free(&r->scratch);
    rf_expr_plan_free(r->plan);
    for (size_t i = 0; r->in && i < r->nin; i++)
        rf_column_data_free(&r->in[i]);
    free(r->in);
    free(r->in_col);
    free(r->in_desc);
    free(r->mask);
    free(r);
}

/* ------------------------------------------------------------------ joining column data */

/* Makes out an empty column of src's dtype and levels. */
static rf_status coldata_reset(rf_column_data *out, rf_dtype dtype, int nlevels, rf_error *err)
{
    out->dtype = dtype;
    out->nlevels = nlevels;
    out->nentries = 0;
    out->nvalues = 0;
    for (int l = 0; l < nlevels; l++) {
        RF_TRY(rf_coldata_reserve_offsets(out, l, 0, err));
        out->offsets[l][0] = 0;
    }
    return RF_OK;
}

/* Appends entries [e0, e1) of src to out (same dtype and levels); `per` values per item of
 * the innermost level (or per entry without levels). */
static rf_status coldata_append(rf_column_data *out, const rf_column_data *src, int64_t per,
                                int64_t e0, int64_t e1, rf_error *err)
{
    int64_t a = e0, b = e1; /* the range at the current level */
    for (int l = 0; l < src->nlevels; l++) {
        int64_t n = out->nentries, base_out = 0;
        for (int m = 0; m < l; m++)
            n = out->offsets[m][n];
        base_out = out->offsets[l][n];
        RF_TRY(rf_coldata_reserve_offsets(out, l, n + (b - a), err));
        const int64_t *so = src->offsets[l];
        for (int64_t i = a; i < b; i++)
            out->offsets[l][n + (i - a) + 1] = base_out + so[i + 1] - so[a];
        int64_t na = so[a], nb = so[b];
        a = na;
        b = nb;
    }
    size_t es = rf_dtype_size(src->dtype);
    int64_t v0 = a * per, nv = (b - a) * per;
    RF_TRY(rf_coldata_reserve_values(out, out->nvalues + nv, err));
    memcpy((uint8_t *)out->values + (size_t)out->nvalues * es,
           (const uint8_t *)src->values + (size_t)v0 * es, (size_t)nv * es);
    out->nvalues += nv;
    out->nentries += e1 - e0;
    return RF_OK;
}

static int64_t values_per_item(const rf_column_info *ci)
{
    int64_t per = 1;
    for (int d = 0; d < ci->ndims; d++)
        per *= ci->shape[d];
    return per;
}

/* ------------------------------------------------------------------ columns by kind */

static rf_status check_range(const rf_dataset_reader *r, size_t col, int64_t first, int64_t last,
                             rf_error *err)
{
    RF_CHECK(col < r->ds->ncols, err, RF_ERR_ARG, "column index %zu out of range (%zu columns)",
             col, r->ds->ncols);
    int64_t n = rf_dataset_entries(r->ds);
    RF_CHECK(0 <= first && first <= last && last <= n, err, RF_ERR_ARG,
             "entry range [%lld, %lld) is outside the dataset's [0, %lld)", (long long)first,
             (long long)last, (long long)n);
    const rf_column_info *ci = &r->ds->infos[col];
    RF_CHECK(!ci->unsupported, err, RF_ERR_UNSUPPORTED, "column '%s' cannot be read: %s",
             ci->name, ci->unsupported);
    return rf_dataset_check_column(r->ds, col, err);
}

/* Calls fn for each file piece of global [first, last) of chain c: the table, its column
 * index, the local range and the offset of the piece in the range. */
typedef rf_status (*piece_fn)(rf_dataset_reader *r, rf_table *t, size_t tcol, int64_t la,
                              int64_t lb, int64_t at, void *arg, rf_error *err);

static rf_status for_pieces(rf_dataset_reader *r, const ds_column *dc, int64_t first, int64_t last,
                            piece_fn fn, void *arg, rf_error *err)
{
    const ds_chain *ch = &r->ds->chains[dc->chain];
    for (int64_t g = first; g < last;) {
        size_t k;
        int64_t local;
        ds_locate(r->ds, dc->chain, g, &k, &local);
        int64_t left = ch->raw_starts[k + 1] - ch->raw_starts[k] - local;
        int64_t n = last - g < left ? last - g : left;
        rf_table *t;
        RF_TRY(get_table(r, dc->chain, k, &t, err));
        rf_status s = fn(r, t, (size_t)ch->files[k].colmap[dc->src], local, local + n, g - first,
                         arg, err);
        if (s)
            return rf_wrap(err, s, "%s: ", ch->files[k].path);
        g += n;
    }
    return RF_OK;
}

static rf_status piece_join(rf_dataset_reader *r, rf_table *t, size_t tcol, int64_t la,
                            int64_t lb, int64_t at, void *arg, rf_error *err)
{
    (void)at;
    rf_column_data *out = arg;
    RF_TRY(rf_table_read(t, tcol, la, lb, &r->piece, err));
    return coldata_append(out, &r->piece, values_per_item(rf_table_column(t, tcol)), 0,
                          r->piece.nentries, err);
}

static rf_status read_table_column(rf_dataset_reader *r, const ds_column *dc, int64_t first,
                                   int64_t last, rf_column_data *out, rf_error *err)
{
    size_t k;
    int64_t local;
    const ds_chain *ch = &r->ds->chains[dc->chain];
    ds_locate(r->ds, dc->chain, first, &k, &local);
    if (first == last || ch->raw_starts[k] + local + (last - first) <= ch->raw_starts[k + 1]) {
        rf_table *t; /* one file: straight into out */
        RF_TRY(get_table(r, dc->chain, k, &t, err));
        rf_status s = rf_table_read(t, (size_t)ch->files[k].colmap[dc->src], local,
                                    local + (last - first), out, err);
        return s ? rf_wrap(err, s, "%s: ", ch->files[k].path) : RF_OK;
    }
    RF_TRY(coldata_reset(out, dc->info.dtype, dc->info.nlevels, err));
    return for_pieces(r, dc, first, last, piece_join, out, err);
}

static rf_status read_constant(rf_dataset_reader *r, const ds_column *dc, int64_t first,
                               int64_t last, rf_column_data *out, rf_error *err)
{
    RF_TRY(coldata_reset(out, dc->info.dtype, 0, err));
    RF_TRY(rf_coldata_reserve_values(out, last - first, err));
    size_t es = rf_dtype_size(dc->info.dtype);
    const int64_t *fs = r->ds->file_starts;
    for (size_t k = 0; k < r->ds->chains[0].nfiles; k++) {
        int64_t a = fs[k] > first ? fs[k] : first, b = fs[k + 1] < last ? fs[k + 1] : last;
        uint8_t v[8];
        ds_convert(RF_FLOAT64, &dc->consts[k], dc->info.dtype, v, 1);
        for (int64_t e = a; e < b; e++)
            memcpy((uint8_t *)out->values + (size_t)(e - first) * es, v, es);
    }
    out->nentries = out->nvalues = last - first;
    return RF_OK;
}

/* Evaluates the steps over [first, last) unless that is the range evaluated last. */
static rf_status eval_range(rf_dataset_reader *r, int64_t first, int64_t last, rf_error *err)
{
    if (r->ev_valid && r->ev_first == first && r->ev_last == last)
        return RF_OK;
    r->ev_valid = 0;
    for (size_t i = 0; i < r->nin; i++) {
        const ds_column *dc = &r->ds->cols[r->in_col[i]];
        rf_status s = dc->kind == DS_CONST ? read_constant(r, dc, first, last, &r->in[i], err)
                                           : read_table_column(r, dc, first, last, &r->in[i], err);
        RF_TRY(s);
    }
    void *m = r->mask;
    RF_TRY(rf_grow(&m, &r->mask_cap, (uint64_t)(last - first) + 1, RF_MAX_ALLOC, "filter mask", err));
    r->mask = m;
    RF_TRY(rf_expr_plan_eval(r->plan, r->in_desc, r->nin, first + r->ds->range_first,
                             last - first, r->mask, &r->npass, err));
    r->ev_first = first;
    r->ev_last = last;
    r->ev_valid = 1;
    return RF_OK;
}

/* A defined column's values over [first, last): evaluated over exactly that range, or cut
 * from the last evaluation when it covers the range. *data and *e0 give where they are. */
static rf_status define_data(rf_dataset_reader *r, const ds_column *dc, int64_t first,
                             int64_t last, const rf_column_data **data, int64_t *e0, rf_error *err)
{
    if (!(r->ev_valid && r->ev_first <= first && last <= r->ev_last))
        RF_TRY(eval_range(r, first, last, err));
    *data = rf_expr_plan_result(r->plan, dc->src);
    *e0 = first - r->ev_first;
    return RF_OK;
}

/* ------------------------------------------------------------------ public reads */

rf_status rf_dataset_read(rf_dataset_reader *r, size_t col, int64_t first, int64_t last,
                          rf_column_data *out, rf_error *err)
{
    RF_CHECK(r && out, err, RF_ERR_ARG, "rf_dataset_read: NULL reader or output");
    RF_TRY(check_range(r, col, first, last, err));
    const ds_column *dc = &r->ds->cols[col];
    if (dc->kind == DS_TABLE)
        return read_table_column(r, dc, first, last, out, err);
    if (dc->kind == DS_CONST)
        return read_constant(r, dc, first, last, out, err);
    const rf_column_data *d;
    int64_t e0;
    RF_TRY(define_data(r, dc, first, last, &d, &e0, err));
    RF_TRY(coldata_reset(out, d->dtype, d->nlevels, err));
    return coldata_append(out, d, 1, e0, e0 + (last - first), err);
}

rf_status rf_dataset_select(rf_dataset_reader *r, int64_t first, int64_t last, uint8_t *mask,
                            int64_t *npass, rf_error *err)
{
    RF_CHECK(r && mask, err, RF_ERR_ARG, "rf_dataset_select: NULL reader or mask");
    int64_t n = rf_dataset_entries(r->ds);
    RF_CHECK(0 <= first && first <= last && last <= n, err, RF_ERR_ARG,
             "entry range [%lld, %lld) is outside the dataset's [0, %lld)", (long long)first,
             (long long)last, (long long)n);
    if (!r->ds->nsteps || !r->ds->nfilters) {
        memset(mask, 1, (size_t)(last - first));
        if (npass)
            *npass = last - first;
        return RF_OK;
    }
    RF_TRY(eval_range(r, first, last, err));
    memcpy(mask, r->mask, (size_t)(last - first));
    if (npass)
        *npass = r->npass;
    return RF_OK;
}

void rf_rows_dest_init(rf_rows_dest *d)
{
    memset(d, 0, sizeof *d);
    d->size = sizeof *d;
    d->dtype = RF_FLOAT32;
}

typedef struct rows_arg {
    const int64_t *rows;
    const rf_rows_dest *dst;
} rows_arg;

static rf_status piece_rows(rf_dataset_reader *r, rf_table *t, size_t tcol, int64_t la,
                            int64_t lb, int64_t at, void *arg, rf_error *err)
{
    const rows_arg *ra = arg;
    RF_TRY(rf_table_read(t, tcol, la, lb, &r->scratch, err));
    return ds_scatter(&r->scratch, values_per_item(rf_table_column(t, tcol)), 0, lb - la,
                      ra->rows + at, ra->dst, err);
}

rf_status rf_dataset_read_rows(rf_dataset_reader *r, size_t col, int64_t first, int64_t last,
                               const int64_t *rows, const rf_rows_dest *dst, rf_error *err)
{
    RF_CHECK(r && rows && dst && dst->base, err, RF_ERR_ARG, "rf_dataset_read_rows: NULL argument");
    RF_CHECK(dst->size >= sizeof(rf_rows_dest) && (unsigned)dst->dtype < RF_DTYPE_COUNT, err,
             RF_ERR_ARG, "rf_dataset_read_rows: destination not set up by rf_rows_dest_init");
    RF_TRY(check_range(r, col, first, last, err));
    const ds_column *dc = &r->ds->cols[col];
    const rf_column_info *ci = &r->ds->infos[col];
    RF_CHECK(ci->nlevels <= 1 && (ci->nlevels == 0 || ci->ndims == 0), err, RF_ERR_UNSUPPORTED,
             "column '%s' (%d jagged levels, %d inner dims) cannot be written as rows", ci->name,
             ci->nlevels, ci->ndims);
    if (dc->kind == DS_TABLE) {
        rows_arg ra = {rows, dst};
        return for_pieces(r, dc, first, last, piece_rows, &ra, err);
    }
    if (dc->kind == DS_CONST) {
        RF_TRY(read_constant(r, dc, first, last, &r->scratch, err));
        return ds_scatter(&r->scratch, 1, 0, last - first, rows, dst, err);
    }
    const rf_column_data *d;
    int64_t e0;
    RF_TRY(define_data(r, dc, first, last, &d, &e0, err));
    return ds_scatter(d, 1, e0, e0 + (last - first), rows, dst, err);
}

void rf_dataset_reader_stats(const rf_dataset_reader *r, struct rf_expr_stats *st)
{
    memset(st, 0, sizeof *st);
    if (r && r->plan)
        rf_expr_plan_get_stats(r->plan, st);
}
