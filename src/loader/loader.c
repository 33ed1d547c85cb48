/* loader.c - opening a loader (include/rootfeed_loader.h): the options and their defaults, the
 * output layout (tensors, columns resolved in every dataset, virtual columns, flattened
 * names), the datasets laid end to end (global clusters), the first pass (entries passing the
 * filters per cluster, class labels), the plan, and the small public accessors: seed, counts,
 * resume state, stats. The workers and epochs are in pipeline.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/error.h"
#include "../common/hash.h"
#include "loader.h"

void rf_loader_options_init(rf_loader_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->size = sizeof *opt;
    opt->mode = RF_LOADER_NATIVE;
    opt->batch_size = 1024;
    opt->chunk_size = 500000;
    opt->block_size = 10000;
    opt->batches_in_memory = 10;
    opt->shuffle = 1;
    opt->drop_remainder = 1;
    opt->world_size = 1;
    opt->prefetch_chunks = 1;
    opt->sampling_ratio = 1.0f;
}

/* ------------------------------------------------------------------ layout */

static const struct {
    const char *name;
    int source;
} VIRTUAL[] = {{"rdfentry_", LB_ENTRY}, {"rf_dataset_", LB_DATASET}, {"rf_file_", LB_FILE},
               {"rf_entry_", LB_FILE_ENTRY}};

static char *dupf(const char *fmt, const char *a, long long i)
{
    char buf[1024];
    snprintf(buf, sizeof buf, fmt, a, i);
    return strdup(buf);
}

/* Resolves one column in every dataset and sets its number of values per row. */
static rf_status resolve_col(rf_loader *l, const rf_loader_column *in, int collection, lb_col *c,
                             rf_error *err)
{
    RF_CHECK(in->name && in->name[0], err, RF_ERR_ARG, "a tensor column has no name");
    c->name = strdup(in->name);
    c->items = 1;
    for (size_t v = 0; v < sizeof VIRTUAL / sizeof VIRTUAL[0]; v++)
        if (!strcmp(in->name, VIRTUAL[v].name))
            c->source = VIRTUAL[v].source;
    RF_CHECK(c->name && (c->dscol = calloc(l->nds, sizeof *c->dscol)), err, RF_ERR_NOMEM, "out of memory");
    RF_CHECK(!collection || c->source == LB_DATA, err, RF_ERR_ARG,
             "collection tensors take jagged columns ('%s' is virtual)", in->name);
    if (c->source != LB_DATA)
        return RF_OK;
    const rf_column_info *info = NULL;
    for (size_t d = 0; d < l->nds; d++) {
        c->dscol[d] = rf_dataset_find_column(l->ds[d], in->name);
        RF_CHECK(c->dscol[d] >= 0, err, RF_ERR_NOT_FOUND, "no column '%s' in dataset %zu (%s)",
                 in->name, d, rf_dataset_nfiles(l->ds[d]) ? rf_dataset_file_path(l->ds[d], 0) : "no files");
        RF_TRY(rf_dataset_check_column(l->ds[d], (size_t)c->dscol[d], err));
        if (!info)
            info = rf_dataset_column(l->ds[d], (size_t)c->dscol[d]);
    }
    RF_CHECK(!info->unsupported, err, RF_ERR_UNSUPPORTED, "column '%s': %s", in->name, info->unsupported);
    RF_CHECK(info->kind != RF_KIND_STRING, err, RF_ERR_UNSUPPORTED, "column '%s' holds strings; "
             "the loader's tensors take numbers", in->name);
    RF_CHECK(info->nlevels <= 1, err, RF_ERR_UNSUPPORTED, "column '%s' has %d levels of vectors; "
             "the loader takes flat, fixed-size and one-level jagged columns", in->name, info->nlevels);
    if (info->kind == RF_KIND_JAGGED) {
        RF_CHECK(info->ndims == 0, err, RF_ERR_UNSUPPORTED, "column '%s' is jagged with items of "
                 "fixed shape; the loader takes jagged columns of numbers", in->name);
        RF_CHECK(in->max_size > 0 || collection, err, RF_ERR_ARG, "column '%s' is jagged (%s): give "
                 "its max_size (ROOT's max_vec_sizes)", in->name, info->type_name);
        c->jagged = 1;
        c->items = in->max_size;
    } else if (info->kind == RF_KIND_FIXED) {
        int64_t n = 1;
        for (int k = 0; k < info->ndims; k++)
            n *= info->shape[k];
        RF_CHECK(in->max_size == 0 || in->max_size == n, err, RF_ERR_ARG, "column '%s' holds %lld "
                 "values per entry; max_size %lld cannot cut or pad it", in->name, (long long)n,
                 (long long)in->max_size);
        c->items = n;
    }
    RF_CHECK(!collection || c->jagged, err, RF_ERR_ARG, "collection tensors take jagged columns "
             "('%s' is %s)", in->name, rf_kind_name(info->kind));
    return RF_OK;
}

/* Flattened names: a column of one value keeps its name, k values are name_0 .. name_{k-1}. */
static rf_status flat_names(lb_tensor *x, rf_error *err)
{
    size_t n = x->n_max > 0 ? (x->is_mask ? (size_t)x->n_max : x->ncols) : (size_t)x->width;
    x->flat = calloc(n + 1, sizeof *x->flat);
    RF_CHECK(x->flat, err, RF_ERR_NOMEM, "out of memory");
    size_t at = 0;
    if (x->is_mask)
        for (int64_t i = 0; i < x->n_max; i++)
            x->flat[at++] = dupf("%s_%lld", x->name, i);
    else
        for (size_t c = 0; c < x->ncols; c++)
            for (int64_t i = 0; i < (x->n_max > 0 ? 1 : x->cols[c].items); i++)
                x->flat[at++] = x->cols[c].items == 1 || x->n_max > 0 ? strdup(x->cols[c].name)
                                                                     : dupf("%s_%lld", x->cols[c].name, i);
    for (size_t i = 0; i < at; i++)
        RF_CHECK(x->flat[i], err, RF_ERR_NOMEM, "out of memory");
    x->width = x->n_max > 0 ? x->width : (int64_t)at;
    return RF_OK;
}

static rf_status make_tensor(rf_loader *l, const rf_loader_tensor *in, lb_tensor *x, rf_error *err)
{
    RF_CHECK(in->name && in->ncolumns > 0 && in->columns, err, RF_ERR_ARG,
             "tensor '%s' has no columns", in->name ? in->name : "?");
    RF_CHECK((unsigned)in->dtype < RF_DTYPE_COUNT, err, RF_ERR_ARG, "tensor '%s': unknown dtype %d",
             in->name, (int)in->dtype);
    RF_CHECK(in->n_max >= 0, err, RF_ERR_ARG, "tensor '%s': n_max must be >= 0", in->name);
    x->name = strdup(in->name);
    x->dtype = in->dtype;
    x->esize = rf_dtype_size(in->dtype);
    x->n_max = in->n_max;
    x->mask = -1;
    x->cols = calloc(in->ncolumns, sizeof *x->cols);
    RF_CHECK(x->name && x->cols, err, RF_ERR_NOMEM, "out of memory");
    for (size_t c = 0; c < in->ncolumns; c++) {
        x->ncols = c + 1;
        RF_TRY(resolve_col(l, &in->columns[c], in->n_max > 0, &x->cols[c], err));
        if (in->n_max > 0) {
            x->cols[c].items = in->n_max;
            x->cols[c].offset = (int64_t)c;
        } else {
            x->cols[c].offset = x->width;
            x->width += x->cols[c].items;
        }
    }
    if (in->n_max > 0)
        x->width = in->n_max * (int64_t)in->ncolumns;
    return flat_names(x, err);
}

static rf_status make_layout(rf_loader *l, rf_error *err)
{
    const rf_loader_options *o = &l->opt;
    RF_CHECK(o->ntensors > 0 && o->tensors, err, RF_ERR_ARG, "the loader needs output tensors");
    size_t n = o->ntensors;
    for (size_t i = 0; i < o->ntensors; i++)
        n += o->tensors[i].n_max > 0;
    l->sh = calloc(1, sizeof *l->sh);
    RF_CHECK(l->sh && (l->sh->t = calloc(n, sizeof *l->sh->t)), err, RF_ERR_NOMEM, "out of memory");
    atomic_init(&l->sh->refs, 1);
    pthread_mutex_init(&l->sh->pool_mu, NULL);
    for (size_t i = 0; i < o->ntensors; i++) {
        lb_tensor *x = &l->sh->t[l->sh->nt++];
        RF_TRY(make_tensor(l, &o->tensors[i], x, err));
        if (x->n_max > 0) { /* its mask follows */
            lb_tensor *m = &l->sh->t[l->sh->nt];
            x->mask = (long)l->sh->nt++;
            m->name = dupf("%s_mask", x->name, 0);
            RF_CHECK(m->name, err, RF_ERR_NOMEM, "out of memory");
            m->dtype = RF_UINT8;
            m->esize = 1;
            m->n_max = m->width = x->n_max;
            m->is_mask = 1;
            m->mask = -1;
            RF_TRY(flat_names(m, err));
        }
    }
    for (size_t t = 0; t < l->sh->nt; t++) {
        l->sh->row_bytes += (size_t)l->sh->t[t].width * l->sh->t[t].esize;
        l->ncolrefs += l->sh->t[t].ncols;
    }
    l->colrefs = calloc(l->ncolrefs + 1, sizeof *l->colrefs);
    l->tbase = calloc(l->sh->nt + 1, sizeof *l->tbase);
    RF_CHECK(l->colrefs && l->tbase, err, RF_ERR_NOMEM, "out of memory");
    for (size_t t = 0, i = 0; t < l->sh->nt; t++) {
        l->tbase[t] = i;
        for (size_t c = 0; c < l->sh->t[t].ncols; c++)
            l->colrefs[i++] = (lb_colref){t, c, (size_t)l->sh->t[t].cols[c].items * l->sh->t[t].esize};
    }
    return RF_OK;
}

/* ------------------------------------------------------------------ datasets end to end */

/* The first entry after pos (dataset d's numbering) where every column the loader reads ends
 * a basket (TTree) or page (RNTuple), at most end; end where some column has no such blocks
 * (a define, an RNTuple collection). */
static int64_t common_block_end(const rf_loader *l, size_t d, int64_t pos, int64_t end)
{
    int64_t p = pos + 1;
    for (int moved = 1; moved && p < end;) {
        moved = 0;
        for (size_t k = 0; k < l->ncolrefs; k++) {
            const lb_col *col = &l->sh->t[l->colrefs[k].t].cols[l->colrefs[k].c];
            if (col->source != LB_DATA)
                continue;
            int64_t e = rf_dataset_block_end(l->ds[d], (size_t)col->dscol[d], p - 1);
            if (e < 0)
                return end;
            if (e > p) {
                p = e;
                moved = 1;
            }
        }
    }
    return p < end ? p : end;
}

/* Cluster [a, b) of dataset d as pieces ending where all the loader's columns end a basket
 * or page: returns their number and writes their ends to out (NULL: only counts). The native
 * mode without filters or a label pass (which read other columns) cuts a cluster larger than
 * a chunk where its columns' baskets or pages end together: blocks, and so chunks, are then
 * smaller than the cluster (bounded memory, rows drawn from many places, a short wait for the
 * first batch) while every basket and page is still decoded once an epoch. Where every piece
 * holds at most a quarter chunk, a chunk has pieces for several workers; larger pieces (an
 * RNTuple's 1 MiB pages, 262,144 floats, in 100 MiB clusters) are read whole, each by one
 * worker (a piece shared by two would be decoded by both), with as many chunks read at once
 * as there are workers (big_pieces). Otherwise the cluster is one piece. */
static size_t cluster_pieces(rf_loader *l, size_t d, int64_t a, int64_t b, int64_t *out)
{
    const rf_loader_options *o = &l->opt;
    int cut = o->mode == RF_LOADER_NATIVE && !l->filtered && !(o->balance != RF_BALANCE_NONE && o->label_column) &&
              b - a > o->chunk_size;
    size_t n = 0;
    int big = 0;
    for (int64_t p = a, e; cut && p < b; p = e, n++) {
        e = common_block_end(l, d, p, b);
        big |= e - p > o->chunk_size / 4;
        if (out)
            out[n] = e;
    }
    if (n < 2) {
        if (out)
            out[0] = b;
        return 1;
    }
    l->big_pieces |= big;
    return n;
}

/* The datasets' entries and clusters (or their pieces: cluster_pieces) end to end. */
static rf_status join_datasets(rf_loader *l, rf_error *err)
{
    l->ds_first = calloc(l->nds + 1, sizeof *l->ds_first);
    l->ds_cluster = calloc(l->nds + 1, sizeof *l->ds_cluster);
    RF_CHECK(l->ds_first && l->ds_cluster, err, RF_ERR_NOMEM, "out of memory");
    for (size_t d = 0; d < l->nds; d++) {
        l->ds_first[d + 1] = l->ds_first[d] + rf_dataset_entries(l->ds[d]);
        l->filtered |= rf_dataset_has_filter(l->ds[d]);
    }
    for (size_t d = 0; d < l->nds; d++) {
        size_t n;
        const int64_t *b = rf_dataset_clusters(l->ds[d], &n);
        l->ds_cluster[d + 1] = l->ds_cluster[d];
        for (size_t c = 0; c < n; c++)
            l->ds_cluster[d + 1] += cluster_pieces(l, d, b[c], b[c + 1], NULL);
    }
    l->nclusters = l->ds_cluster[l->nds];
    l->bounds = calloc(l->nclusters + 1, sizeof *l->bounds);
    l->pass = calloc(l->nclusters + 1, sizeof *l->pass);
    l->unit = calloc(l->nclusters + 1, sizeof *l->unit);
    RF_CHECK(l->bounds && l->pass && l->unit, err, RF_ERR_NOMEM, "out of memory");
    for (size_t d = 0, u = 0; d < l->nds; d++) {
        size_t n, k = l->ds_cluster[d];
        const int64_t *b = rf_dataset_clusters(l->ds[d], &n);
        for (size_t c = 0; c < n; c++, u++) {
            size_t m = cluster_pieces(l, d, b[c], b[c + 1], l->bounds + k + 1);
            while (m--)
                l->unit[k++] = u;
        }
        for (k = l->ds_cluster[d]; k < l->ds_cluster[d + 1]; k++) {
            l->bounds[k + 1] += l->ds_first[d];
            l->pass[k] = l->bounds[k + 1] - l->bounds[k];
        }
    }
    if (l->filtered) {
        size_t words = (size_t)(l->ds_first[l->nds] + 63) / 64;
        l->passbits = calloc(words ? words : 1, sizeof *l->passbits);
        RF_CHECK(l->passbits, err, RF_ERR_NOMEM, "out of memory for the filter mask of %lld entries",
                 (long long)l->ds_first[l->nds]);
    }
    return RF_OK;
}

/* Classes from a label column: the column in every dataset, read in the first pass. */
static rf_status find_labels(rf_loader *l, rf_error *err)
{
    const rf_loader_options *o = &l->opt;
    if (o->balance == RF_BALANCE_NONE || !o->label_column)
        return RF_OK;
    RF_CHECK(o->mode == RF_LOADER_NATIVE, err, RF_ERR_ARG, "a label column needs the native mode "
             "(ROOT's sampler takes two datasets)");
    l->label_col = calloc(l->nds, sizeof *l->label_col);
    l->raw_labels = calloc((size_t)(l->ds_first[l->nds] ? l->ds_first[l->nds] : 1), 1);
    RF_CHECK(l->label_col && l->raw_labels, err, RF_ERR_NOMEM, "out of memory for labels");
    for (size_t d = 0; d < l->nds; d++) {
        l->label_col[d] = rf_dataset_find_column(l->ds[d], o->label_column);
        RF_CHECK(l->label_col[d] >= 0, err, RF_ERR_NOT_FOUND, "no label column '%s' in dataset %zu",
                 o->label_column, d);
        RF_TRY(rf_dataset_check_column(l->ds[d], (size_t)l->label_col[d], err));
        const rf_column_info *info = rf_dataset_column(l->ds[d], (size_t)l->label_col[d]);
        RF_CHECK(info->kind == RF_KIND_FLAT && info->dtype != RF_FLOAT32 && info->dtype != RF_FLOAT64,
                 err, RF_ERR_ARG, "label column '%s' must hold one integer per entry (it is %s %s)",
                 o->label_column, rf_kind_name(info->kind), rf_dtype_name(info->dtype));
    }
    return RF_OK;
}

/* ------------------------------------------------------------------ the plan */

static lp_config plan_config(const rf_loader *l, uint64_t drawn)
{
    const rf_loader_options *o = &l->opt;
    lp_config c = {0};
    c.mode = o->mode;
    c.batch_size = o->batch_size;
    c.chunk_size = o->chunk_size;
    c.block_size = o->block_size;
    c.batches_in_memory = o->batches_in_memory;
    c.shuffle = o->shuffle;
    c.drop_remainder = o->drop_remainder;
    c.seed = o->seed;
    c.drawn_seed = drawn;
    c.validation_split = o->validation_split;
    c.rank = o->rank;
    c.world_size = o->world_size;
    c.pad = o->pad;
    c.inference = o->inference;
    c.balance = o->balance;
    c.nclasses = o->balance != RF_BALANCE_NONE ? (o->nclasses ? o->nclasses : (int)l->nds) : 0;
    c.class_weights = o->class_weights;
    c.sampling_ratio = o->sampling_ratio;
    c.replacement = o->replacement;
    c.per_batch = o->per_batch;
    return c;
}

/* Labels of the selected entries, from the first pass's per-entry labels. */
static uint8_t *selected_labels(const rf_loader *l, rf_error *err)
{
    int64_t n = 0, total = l->ds_first[l->nds];
    for (size_t c = 0; c < l->nclusters; c++)
        n += l->pass[c];
    uint8_t *lab = malloc((size_t)(n ? n : 1));
    if (!lab) {
        rf_fail(err, RF_ERR_NOMEM, "out of memory for labels");
        return NULL;
    }
    for (int64_t e = 0, s = 0; e < total; e++)
        if (!l->passbits || (l->passbits[e / 64] >> (e % 64) & 1))
            lab[s++] = l->raw_labels[e];
    return lab;
}

static rf_status make_plan(rf_loader *l, uint64_t drawn, rf_error *err)
{
    lp_config c = plan_config(l, drawn);
    lp_shape s = {l->nclusters, l->bounds, l->pass, l->filtered, l->nds, l->ds_cluster, NULL, l->unit};
    uint8_t *lab = NULL;
    if (l->raw_labels && !(lab = selected_labels(l, err)))
        return RF_ERR_NOMEM;
    s.labels = lab;
    lp_plan *p;
    rf_status st = lp_plan_create(&s, &c, &p, err);
    free(lab);
    RF_TRY(st);
    lp_plan_free(l->plan);
    l->plan = p;
    return RF_OK;
}

/* A hash of what decides the order of batches: options and the data's shape. */
static uint64_t fingerprint(const rf_loader *l)
{
    const rf_loader_options *o = &l->opt;
    int64_t v[32] = {o->mode, o->batch_size, o->chunk_size, o->block_size, o->batches_in_memory,
                     o->shuffle, o->drop_remainder, (int64_t)o->seed, o->world_size, o->pad,
                     o->inference, o->balance, o->nclasses, o->replacement, o->per_batch,
                     (int64_t)l->nds, (int64_t)l->nclusters, l->ds_first[l->nds], (int64_t)l->sh->nt};
    float f[2] = {o->validation_split, o->sampling_ratio};
    memcpy(&v[20], f, sizeof f);
    uint64_t h = rf_xxh3(v, sizeof v) ^ rf_xxh3(l->bounds, (l->nclusters + 1) * sizeof *l->bounds);
    h ^= rf_xxh3(l->pass, l->nclusters * sizeof *l->pass) * 31;
    for (int k = 0; o->class_weights && k < o->nclasses; k++)
        h = h * 1099511628211ull ^ rf_xxh3(&o->class_weights[k], sizeof(double));
    return h;
}

/* ------------------------------------------------------------------ open, free */

static rf_status check_options(const rf_loader_options *o, size_t n, rf_error *err)
{
    RF_CHECK(o && o->size >= sizeof(rf_loader_options), err, RF_ERR_ARG,
             "rf_loader_options: call rf_loader_options_init first (size %zu, expected %zu)",
             o ? o->size : 0, sizeof(rf_loader_options));
    RF_CHECK(n > 0, err, RF_ERR_ARG, "the loader needs at least one dataset");
    RF_CHECK(o->num_threads >= 0 && o->num_threads <= 1024, err, RF_ERR_ARG,
             "num_threads %d is not in [0, 1024]", o->num_threads);
    RF_CHECK(o->prefetch_chunks >= 0 && o->prefetch_chunks <= 64, err, RF_ERR_ARG,
             "prefetch_chunks %lld is not in [0, 64]", (long long)o->prefetch_chunks);
    return RF_OK;
}

void rf_loader_free(rf_loader *l)
{
    if (!l)
        return;
    lb_pool_stop(l);
    lp_plan_free(l->plan);
    if (l->sh)
        lb_pool_close(l->sh); /* batches still held free their memory as they go */
    lb_shared_release(l->sh);
    free(l->ds);
    free(l->ds_first);
    free(l->ds_cluster);
    free(l->bounds);
    free(l->unit);
    free(l->pass);
    free((void *)l->passbits);
    free(l->raw_labels);
    free(l->label_col);
    free(l->shares);
    free(l->colrefs);
    free(l->tbase);
    free(l);
}

rf_status rf_loader_open(rf_dataset *const *datasets, size_t n, const rf_loader_options *opt,
                         rf_loader **out, rf_error *err)
{
    RF_CHECK(out && (datasets || !n), err, RF_ERR_ARG, "rf_loader_open: NULL argument");
    *out = NULL;
    RF_TRY(check_options(opt, n, err));
    rf_loader *l = calloc(1, sizeof *l);
    RF_CHECK(l, err, RF_ERR_NOMEM, "out of memory");
    l->opt = *opt;
    l->nds = n;
    l->ds = calloc(n, sizeof *l->ds);
    rf_status s = l->ds ? RF_OK : rf_fail(err, RF_ERR_NOMEM, "out of memory");
    for (size_t d = 0; s == RF_OK && d < n; d++)
        s = (l->ds[d] = datasets[d]) ? RF_OK : rf_fail(err, RF_ERR_ARG, "dataset %zu is NULL", d);
    if (s == RF_OK)
        s = make_layout(l, err);
    if (s == RF_OK)
        s = join_datasets(l, err);
    if (s == RF_OK)
        s = find_labels(l, err);
    if (s == RF_OK)
        s = lb_pool_start(l, err);
    if (s == RF_OK && (l->filtered || l->raw_labels))
        s = lb_prepass(l, err);
    if (s == RF_OK)
        s = make_plan(l, 0, err);
    if (s != RF_OK) {
        rf_loader_free(l);
        return s;
    }
    l->fingerprint = fingerprint(l);
    free(l->raw_labels); /* the plan has them */
    l->raw_labels = NULL;
    *out = l;
    return RF_OK;
}

/* ------------------------------------------------------------------ accessors */

uint64_t rf_loader_seed(const rf_loader *l) { return lp_plan_seed(l->plan); }
int64_t rf_loader_entries(const rf_loader *l, rf_part part) { return lp_plan_part_entries(l->plan, part); }
size_t rf_loader_ntensors(const rf_loader *l) { return l->sh->nt; }

size_t rf_loader_tensor_width(const rf_loader *l, size_t i)
{
    if (i >= l->sh->nt)
        return 0;
    const lb_tensor *x = &l->sh->t[i];
    return x->n_max > 0 && !x->is_mask ? x->ncols : (size_t)x->width;
}

const char *rf_loader_tensor_column(const rf_loader *l, size_t i, size_t j)
{
    return j < rf_loader_tensor_width(l, i) ? l->sh->t[i].flat[j] : NULL;
}

/* Batches of an epoch: the plan's count (one epoch object; cheap). */
static const lp_epoch_info *epoch_info(const rf_loader *l, rf_part part, int64_t epoch, lp_epoch **tmp)
{
    *tmp = NULL;
    if (l->e && l->part == (int)part && l->epoch == epoch)
        return lp_epoch_get_info(l->e);
    rf_error err;
    if (lp_epoch_create(l->plan, part, epoch, tmp, &err) != RF_OK)
        return NULL;
    return lp_epoch_get_info(*tmp);
}

int64_t rf_loader_num_batches(const rf_loader *l, rf_part part, int64_t epoch)
{
    lp_epoch *tmp;
    const lp_epoch_info *in = epoch_info(l, part, epoch, &tmp);
    int64_t n = in ? in->nbatches : -1;
    lp_epoch_free(tmp);
    return n;
}

int64_t rf_loader_last_batch_rows(const rf_loader *l, rf_part part, int64_t epoch)
{
    lp_epoch *tmp;
    const lp_epoch_info *in = epoch_info(l, part, epoch, &tmp);
    int64_t n = in ? (l->opt.drop_remainder ? 0 : in->last_batch_rows) : -1;
    lp_epoch_free(tmp);
    return n;
}

void rf_loader_get_state(const rf_loader *l, rf_loader_state *st)
{
    memset(st, 0, sizeof *st);
    st->version = 1;
    st->part = (uint32_t)l->part;
    st->seed = lp_plan_seed(l->plan);
    st->epoch = l->epoch;
    st->next_batch = l->next;
    st->rank = l->opt.rank;
    st->world_size = l->opt.world_size;
    st->fingerprint = l->fingerprint;
}

rf_status rf_loader_resume(rf_loader *l, const rf_loader_state *st, rf_error *err)
{
    RF_CHECK(st && st->version == 1, err, RF_ERR_ARG, "loader state: unknown version %u",
             st ? st->version : 0);
    RF_CHECK(st->fingerprint == l->fingerprint, err, RF_ERR_ARG, "loader state: made with other "
             "options or other data (fingerprint %016llx, this loader %016llx)",
             (unsigned long long)st->fingerprint, (unsigned long long)l->fingerprint);
    RF_CHECK(st->rank == l->opt.rank && st->world_size == l->opt.world_size, err, RF_ERR_ARG,
             "loader state: rank %d of %d, this loader is rank %d of %d", st->rank, st->world_size,
             l->opt.rank, l->opt.world_size);
    RF_CHECK(l->opt.seed == 0 || st->seed == l->opt.seed, err, RF_ERR_ARG, "loader state: seed %llu, "
             "this loader %llu", (unsigned long long)st->seed, (unsigned long long)l->opt.seed);
    if (st->seed != lp_plan_seed(l->plan)) { /* the seed drawn by the run being resumed */
        rf_loader_stop(l);
        RF_TRY(make_plan(l, st->seed, err));
    }
    return rf_loader_start(l, (rf_part)st->part, st->epoch, st->next_batch, err);
}

void rf_loader_get_stats(const rf_loader *l, rf_loader_stats *st)
{
    pthread_mutex_lock((pthread_mutex_t *)&l->mu);
    *st = l->st;
    pthread_mutex_unlock((pthread_mutex_t *)&l->mu);
    st->peak_buffer_bytes = atomic_load(&l->sh->bytes_peak);
    if (st->wall_seconds > 0 && l->nthreads > 0)
        st->ratio_to_bound = st->decode_seconds / (st->wall_seconds * l->nthreads);
}
