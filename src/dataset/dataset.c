/* dataset.c - building a dataset (include/rootfeed_dataset.h): opening the chain's tables
 * and checking that their schemas agree, adding friends, constant columns, filter and define
 * steps and an entry range, and describing the result (columns, global entry numbers,
 * cluster boundaries joined over every file and friend). Reading is in ds_reader.c. */
#include "dataset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/error.h"
#include "rootfeed_expr.h"

/* ------------------------------------------------------------------ chains */

/* The path of the only table of f, or an error listing what the file holds. */
static rf_status only_table(rf_file *f, char **object, rf_error *err)
{
    rf_object_info *items;
    size_t n, ntables = 0;
    RF_TRY(rf_file_list(f, &items, &n, err));
    char names[256] = "";
    for (size_t i = 0; i < n; i++) {
        if (!items[i].is_table)
            continue;
        if (ntables++ == 0)
            *object = strdup(items[i].path);
        size_t used = strlen(names);
        snprintf(names + used, sizeof names - used, "%s%s", used ? ", " : "", items[i].path);
    }
    rf_object_list_free(items, n);
    if (ntables == 1)
        return *object ? RF_OK : rf_fail(err, RF_ERR_NOMEM, "out of memory");
    free(*object);
    *object = NULL;
    if (ntables == 0)
        return rf_fail(err, RF_ERR_NOT_FOUND, "%s: holds no TTree or RNTuple", rf_file_name(f));
    return rf_fail(err, RF_ERR_ARG, "%s: holds %zu tables (%s): name one", rf_file_name(f),
                   ntables, names);
}

static rf_status open_file(ds_file *df, const char *path, const char *object, rf_error *err)
{
    df->path = strdup(path);
    RF_CHECK(df->path, err, RF_ERR_NOMEM, "out of memory");
    RF_TRY(rf_file_open(path, &df->f, err));
    if (object && object[0])
        df->object = strdup(object);
    else
        RF_TRY(only_table(df->f, &df->object, err));
    RF_CHECK(df->object, err, RF_ERR_NOMEM, "out of memory");
    return rf_table_open(df->f, df->object, &df->t, err);
}

static int same_shape(const rf_column_info *a, const rf_column_info *b)
{
    if (a->dtype != b->dtype || a->kind != b->kind || a->nlevels != b->nlevels ||
        a->ndims != b->ndims || !a->unsupported != !b->unsupported)
        return 0;
    for (int i = 0; i < a->ndims; i++)
        if (a->shape[i] != b->shape[i])
            return 0;
    return 1;
}

/* Maps the columns of the chain's first table into file k's table: the index of the column
 * of that name there, or -1 when it is missing or differs (checked when the column is used,
 * as a TChain does: files may differ in columns nobody reads). */
static rf_status map_columns(ds_chain *c, size_t k, rf_error *err)
{
    rf_table *t0 = c->files[0].t, *t = c->files[k].t;
    size_t n = rf_table_ncolumns(t0);
    c->files[k].colmap = malloc((n + 1) * sizeof(long));
    RF_CHECK(c->files[k].colmap, err, RF_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        long j = rf_table_find_column(t, rf_table_column(t0, i)->name);
        c->files[k].colmap[i] = j >= 0 && same_shape(rf_table_column(t0, i), rf_table_column(t, (size_t)j)) ? j : -1;
    }
    return RF_OK;
}

/* Why chain column i cannot be read from file k (called when colmap says -1). */
static rf_status column_mismatch(const ds_chain *c, size_t k, size_t i, rf_error *err)
{
    const ds_file *f = &c->files[k];
    const rf_column_info *a = rf_table_column(c->files[0].t, i);
    long j = rf_table_find_column(f->t, a->name);
    if (j < 0)
        return rf_fail(err, RF_ERR_FORMAT, "%s: %s has no column '%s' (the first file, %s, has)",
                       f->path, f->object, a->name, c->files[0].path);
    const rf_column_info *b = rf_table_column(f->t, (size_t)j);
    return rf_fail(err, RF_ERR_FORMAT, "%s: column '%s' is %s %s%s here but %s %s%s in %s", f->path,
                   a->name, rf_kind_name(b->kind), rf_dtype_name(b->dtype),
                   b->unsupported ? " (unsupported)" : "", rf_kind_name(a->kind),
                   rf_dtype_name(a->dtype), a->unsupported ? " (unsupported)" : "", c->files[0].path);
}

rf_status rf_dataset_check_column(const rf_dataset *ds, size_t col, rf_error *err)
{
    RF_CHECK(ds && col < ds->ncols, err, RF_ERR_ARG, "column index %zu out of range", col);
    const ds_column *dc = &ds->cols[col];
    if (dc->kind != DS_TABLE)
        return RF_OK;
    const ds_chain *c = &ds->chains[dc->chain];
    for (size_t k = 0; k < c->nfiles; k++)
        if (c->files[k].colmap[dc->src] < 0)
            return column_mismatch(c, k, dc->src, err);
    return RF_OK;
}

static void chain_free(ds_chain *c)
{
    for (size_t i = 0; i < c->nfiles; i++) {
        rf_table_close(c->files[i].t);
        rf_file_close(c->files[i].f);
        free(c->files[i].path);
        free(c->files[i].object);
        free(c->files[i].colmap);
    }
    free(c->files);
    free(c->raw_starts);
    free(c->alias);
    memset(c, 0, sizeof *c);
}

static rf_status chain_open(ds_chain *c, const char *const *paths, const char *const *objects,
                            size_t n, rf_error *err)
{
    RF_CHECK(paths && n > 0, err, RF_ERR_ARG, "a dataset needs at least one file");
    c->files = calloc(n, sizeof *c->files);
    c->raw_starts = calloc(n + 1, sizeof *c->raw_starts);
    RF_CHECK(c->files && c->raw_starts, err, RF_ERR_NOMEM, "out of memory");
    for (size_t k = 0; k < n; k++) {
        RF_CHECK(paths[k], err, RF_ERR_ARG, "file %zu: NULL path", k);
        c->nfiles = k + 1;
        RF_TRY(open_file(&c->files[k], paths[k], objects ? objects[k] : NULL, err));
        RF_TRY(map_columns(c, k, err));
        c->raw_starts[k + 1] = c->raw_starts[k] + rf_table_entries(c->files[k].t);
    }
    return RF_OK;
}

/* ------------------------------------------------------------------ columns */

static rf_status add_column(rf_dataset *ds, const ds_column *proto, const char *name,
                            rf_error *err)
{
    RF_CHECK(rf_dataset_find_column(ds, name) < 0, err, RF_ERR_ARG,
             "a column named '%s' exists already", name);
    ds_column *cols = realloc(ds->cols, (ds->ncols + 1) * sizeof *cols);
    RF_CHECK(cols, err, RF_ERR_NOMEM, "out of memory");
    ds->cols = cols;
    ds_column *c = &cols[ds->ncols];
    *c = *proto;
    c->name = strdup(name);
    RF_CHECK(c->name, err, RF_ERR_NOMEM, "out of memory");
    c->info.name = c->name;
    ds->ncols++;
    rf_column_info *infos = realloc(ds->infos, ds->ncols * sizeof *infos);
    RF_CHECK(infos, err, RF_ERR_NOMEM, "out of memory");
    ds->infos = infos;
    for (size_t i = 0; i < ds->ncols; i++) /* name pointers stay valid: they are owned */
        ds->infos[i] = ds->cols[i].info;
    return RF_OK;
}

/* Adds the columns of chain ci; friends under "alias.name" and, where free, "name". */
static rf_status add_chain_columns(rf_dataset *ds, size_t ci, rf_error *err)
{
    const ds_chain *c = &ds->chains[ci];
    rf_table *t = c->files[0].t;
    for (size_t i = 0; i < rf_table_ncolumns(t); i++) {
        ds_column proto = {.kind = DS_TABLE, .chain = ci, .src = i, .info = *rf_table_column(t, i)};
        if (!c->alias) {
            RF_TRY(add_column(ds, &proto, proto.info.name, err));
            continue;
        }
        size_t len = strlen(c->alias) + strlen(proto.info.name) + 2;
        char *full = malloc(len);
        RF_CHECK(full, err, RF_ERR_NOMEM, "out of memory");
        snprintf(full, len, "%s.%s", c->alias, proto.info.name);
        rf_status s = add_column(ds, &proto, full, err);
        free(full);
        RF_TRY(s);
        if (rf_dataset_find_column(ds, proto.info.name) < 0)
            RF_TRY(add_column(ds, &proto, proto.info.name, err));
    }
    return RF_OK;
}

static rf_status check_open(rf_dataset *ds, const char *what, rf_error *err)
{
    RF_CHECK(ds, err, RF_ERR_ARG, "%s: NULL dataset", what);
    RF_CHECK(!ds->frozen, err, RF_ERR_ARG, "%s: the dataset is in use (a reader exists); "
             "configure it before making readers", what);
    return RF_OK;
}

/* ------------------------------------------------------------------ layout */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

void ds_locate(const rf_dataset *ds, size_t c, int64_t e, size_t *file, int64_t *entry)
{
    const ds_chain *ch = &ds->chains[c];
    int64_t raw = e + ds->range_first;
    size_t lo = 0, hi = ch->nfiles; /* last file whose raw start <= raw */
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (ch->raw_starts[mid] <= raw)
            lo = mid;
        else
            hi = mid;
    }
    *file = lo;
    *entry = raw - ch->raw_starts[lo];
}

rf_status ds_layout(rf_dataset *ds, rf_error *err)
{
    int64_t r0 = ds->range_first, r1 = ds->range_last, n = r1 - r0;
    size_t cap = 2;
    for (size_t c = 0; c < ds->nchains; c++)
        for (size_t k = 0; k < ds->chains[c].nfiles; k++) {
            size_t m;
            rf_table_clusters(ds->chains[c].files[k].t, &m);
            cap += m + 1;
        }
    int64_t *b = malloc(cap * sizeof *b);
    RF_CHECK(b, err, RF_ERR_NOMEM, "out of memory");
    size_t nb = 0;
    b[nb++] = 0;
    b[nb++] = n;
    for (size_t c = 0; c < ds->nchains; c++)
        for (size_t k = 0; k < ds->chains[c].nfiles; k++) {
            size_t m;
            const int64_t *cl = rf_table_clusters(ds->chains[c].files[k].t, &m);
            for (size_t j = 0; j <= m; j++) {
                int64_t g = ds->chains[c].raw_starts[k] + cl[j] - r0;
                if (g > 0 && g < n)
                    b[nb++] = g;
            }
        }
    qsort(b, nb, sizeof *b, cmp_i64);
    size_t u = 0;
    for (size_t i = 0; i < nb; i++)
        if (u == 0 || b[i] != b[u - 1])
            b[u++] = b[i];
    free(ds->clusters);
    ds->clusters = b;
    ds->nclusters = u - 1;
    const ds_chain *m = &ds->chains[0];
    int64_t *fs = realloc(ds->file_starts, (m->nfiles + 1) * sizeof *fs);
    RF_CHECK(fs, err, RF_ERR_NOMEM, "out of memory");
    ds->file_starts = fs;
    for (size_t k = 0; k <= m->nfiles; k++) {
        int64_t g = m->raw_starts[k] - r0;
        fs[k] = g < 0 ? 0 : g > n ? n : g;
    }
    return RF_OK;
}

/* ------------------------------------------------------------------ public */

rf_status rf_dataset_open(const char *const *paths, const char *const *objects, size_t n,
                          rf_dataset **out, rf_error *err)
{
    RF_CHECK(out, err, RF_ERR_ARG, "rf_dataset_open: NULL output");
    *out = NULL;
    rf_dataset *ds = calloc(1, sizeof *ds);
    RF_CHECK(ds, err, RF_ERR_NOMEM, "out of memory");
    ds->chains = calloc(1, sizeof *ds->chains);
    rf_status s = ds->chains ? RF_OK : rf_fail(err, RF_ERR_NOMEM, "out of memory");
    if (!s) {
        ds->nchains = 1;
        s = chain_open(&ds->chains[0], paths, objects, n, err);
    }
    if (!s) {
        ds->range_last = ds->chains[0].raw_starts[ds->chains[0].nfiles];
        s = add_chain_columns(ds, 0, err);
    }
    if (!s)
        s = ds_layout(ds, err);
    if (s) {
        rf_dataset_free(ds);
        return s;
    }
    *out = ds;
    return RF_OK;
}

void rf_dataset_free(rf_dataset *ds)
{
    if (!ds)
        return;
    for (size_t c = 0; c < ds->nchains; c++)
        chain_free(&ds->chains[c]);
    free(ds->chains);
    for (size_t i = 0; i < ds->ncols; i++) {
        free(ds->cols[i].name);
        free(ds->cols[i].consts);
        if (ds->cols[i].kind != DS_TABLE)
            free((char *)ds->cols[i].info.type_name);
    }
    free(ds->cols);
    free(ds->infos);
    for (size_t i = 0; i < ds->nsteps; i++) {
        free(ds->steps[i].name);
        free(ds->steps[i].text);
    }
    free(ds->steps);
    free(ds->clusters);
    free(ds->file_starts);
    free(ds);
}

rf_status rf_dataset_add_friend(rf_dataset *ds, const char *const *paths,
                                const char *const *objects, size_t n, const char *alias,
                                rf_error *err)
{
    RF_TRY(check_open(ds, "rf_dataset_add_friend", err));
    RF_CHECK(alias && alias[0], err, RF_ERR_ARG, "rf_dataset_add_friend: a friend needs an alias");
    ds_chain *chains = realloc(ds->chains, (ds->nchains + 1) * sizeof *chains);
    RF_CHECK(chains, err, RF_ERR_NOMEM, "out of memory");
    ds->chains = chains;
    ds_chain *c = &chains[ds->nchains];
    memset(c, 0, sizeof *c);
    rf_status s = chain_open(c, paths, objects, n, err);
    int64_t want = chains[0].raw_starts[chains[0].nfiles];
    if (!s && c->raw_starts[c->nfiles] != want)
        s = rf_fail(err, RF_ERR_ARG, "friend '%s' has %lld entries, the dataset %lld: friends "
                    "must be entry-aligned", alias, (long long)c->raw_starts[c->nfiles],
                    (long long)want);
    if (!s && !(c->alias = strdup(alias)))
        s = rf_fail(err, RF_ERR_NOMEM, "out of memory");
    if (s) {
        chain_free(c);
        return s;
    }
    ds->nchains++;
    RF_TRY(add_chain_columns(ds, ds->nchains - 1, err));
    return ds_layout(ds, err);
}

rf_status rf_dataset_add_constant(rf_dataset *ds, const char *name, rf_dtype dtype,
                                  const double *values, rf_error *err)
{
    RF_TRY(check_open(ds, "rf_dataset_add_constant", err));
    RF_CHECK(name && name[0] && values, err, RF_ERR_ARG, "rf_dataset_add_constant: a constant "
             "needs a name and one value per file");
    RF_CHECK((unsigned)dtype < RF_DTYPE_COUNT, err, RF_ERR_ARG, "constant '%s': bad dtype %d",
             name, (int)dtype);
    size_t nf = ds->chains[0].nfiles;
    ds_column c = {.kind = DS_CONST, .info = {.dtype = dtype, .kind = RF_KIND_FLAT}};
    c.consts = malloc(nf * sizeof *c.consts);
    c.info.type_name = strdup("constant");
    if (!c.consts || !c.info.type_name) {
        free(c.consts);
        free((char *)c.info.type_name);
        return rf_fail(err, RF_ERR_NOMEM, "out of memory");
    }
    memcpy(c.consts, values, nf * sizeof *c.consts);
    rf_status s = add_column(ds, &c, name, err);
    if (s) {
        free(c.consts);
        free((char *)c.info.type_name);
    }
    return s;
}

/* The dataset's table and constant columns as an expression schema (defines are steps). */
rf_expr_column *ds_expr_schema(const rf_dataset *ds, size_t *n)
{
    rf_expr_column *s = calloc(ds->ncols + 1, sizeof *s);
    *n = 0;
    for (size_t i = 0; s && i < ds->ncols; i++)
        if (ds->cols[i].kind != DS_DEFINE && !ds->cols[i].info.unsupported)
            rf_expr_column_from_info(&ds->cols[i].info, &s[(*n)++]);
    return s;
}

/* Compiles the dataset's steps into a fresh plan (each reader has its own). */
rf_status ds_compile(const rf_dataset *ds, rf_expr_plan **out, rf_error *err)
{
    size_t n;
    rf_expr_column *schema = ds_expr_schema(ds, &n);
    RF_CHECK(schema, err, RF_ERR_NOMEM, "out of memory");
    rf_status s = rf_expr_plan_create(schema, n, out, err);
    free(schema);
    for (size_t i = 0; !s && i < ds->nsteps; i++)
        s = ds->steps[i].name ? rf_expr_plan_define(*out, ds->steps[i].name, ds->steps[i].text, err)
                              : rf_expr_plan_filter(*out, ds->steps[i].text, err);
    if (s) {
        rf_expr_plan_free(*out);
        *out = NULL;
    }
    return s;
}

/* Adds a step after checking that the whole chain still compiles. */
static rf_status add_step(rf_dataset *ds, const char *name, const char *text, rf_error *err)
{
    ds_step *steps = realloc(ds->steps, (ds->nsteps + 1) * sizeof *steps);
    RF_CHECK(steps, err, RF_ERR_NOMEM, "out of memory");
    ds->steps = steps;
    ds_step *st = &steps[ds->nsteps];
    st->name = name ? strdup(name) : NULL;
    st->text = strdup(text);
    if (!st->text || (name && !st->name)) {
        free(st->name);
        free(st->text);
        return rf_fail(err, RF_ERR_NOMEM, "out of memory");
    }
    ds->nsteps++;
    rf_expr_plan *p;
    rf_status s = ds_compile(ds, &p, err);
    if (s) {
        ds->nsteps--;
        free(st->name);
        free(st->text);
        return s;
    }
    if (!name) {
        ds->nfilters++;
        rf_expr_plan_free(p);
        return RF_OK;
    }
    const rf_expr *e = rf_expr_plan_define_expr(p, rf_expr_plan_ndefines(p) - 1);
    ds_column c = {.kind = DS_DEFINE, .src = rf_expr_plan_ndefines(p) - 1};
    c.info.dtype = rf_expr_dtype(e);
    c.info.nlevels = rf_expr_nlevels(e);
    c.info.kind = c.info.nlevels ? RF_KIND_JAGGED : RF_KIND_FLAT;
    c.info.type_name = strdup(text);
    rf_expr_plan_free(p);
    s = c.info.type_name ? add_column(ds, &c, name, err) : rf_fail(err, RF_ERR_NOMEM, "out of memory");
    if (s) {
        free((char *)c.info.type_name);
        ds->nsteps--;
        free(st->name);
        free(st->text);
    }
    return s;
}

rf_status rf_dataset_filter(rf_dataset *ds, const char *expr, rf_error *err)
{
    RF_TRY(check_open(ds, "rf_dataset_filter", err));
    RF_CHECK(expr, err, RF_ERR_ARG, "rf_dataset_filter: NULL expression");
    return add_step(ds, NULL, expr, err);
}

rf_status rf_dataset_define(rf_dataset *ds, const char *name, const char *expr, rf_error *err)
{
    RF_TRY(check_open(ds, "rf_dataset_define", err));
    RF_CHECK(name && expr, err, RF_ERR_ARG, "rf_dataset_define: NULL name or expression");
    RF_CHECK(rf_dataset_find_column(ds, name) < 0, err, RF_ERR_ARG,
             "define '%s': a column of that name exists already", name);
    return add_step(ds, name, expr, err);
}

rf_status rf_dataset_set_range(rf_dataset *ds, int64_t first, int64_t last, rf_error *err)
{
    RF_TRY(check_open(ds, "rf_dataset_set_range", err));
    int64_t n = ds->chains[0].raw_starts[ds->chains[0].nfiles];
    RF_CHECK(0 <= first && first <= last && last <= n, err, RF_ERR_ARG,
             "entry range [%lld, %lld) is outside the dataset's [0, %lld)", (long long)first,
             (long long)last, (long long)n);
    ds->range_first = first;
    ds->range_last = last;
    return ds_layout(ds, err);
}

int64_t rf_dataset_entries(const rf_dataset *ds) { return ds->range_last - ds->range_first; }
size_t rf_dataset_ncolumns(const rf_dataset *ds) { return ds->ncols; }
size_t rf_dataset_nfiles(const rf_dataset *ds) { return ds->chains[0].nfiles; }
const int64_t *rf_dataset_file_starts(const rf_dataset *ds) { return ds->file_starts; }
int rf_dataset_has_filter(const rf_dataset *ds) { return ds->nfilters > 0; }

const rf_column_info *rf_dataset_column(const rf_dataset *ds, size_t i)
{
    return i < ds->ncols ? &ds->infos[i] : NULL;
}

long rf_dataset_find_column(const rf_dataset *ds, const char *name)
{
    for (size_t i = 0; i < ds->ncols; i++)
        if (!strcmp(ds->cols[i].name, name))
            return (long)i;
    return -1;
}

const int64_t *rf_dataset_clusters(const rf_dataset *ds, size_t *count)
{
    *count = ds->nclusters;
    return ds->clusters;
}

const char *rf_dataset_file_path(const rf_dataset *ds, size_t i)
{
    return i < ds->chains[0].nfiles ? ds->chains[0].files[i].path : NULL;
}

const char *rf_dataset_file_object(const rf_dataset *ds, size_t i)
{
    return i < ds->chains[0].nfiles ? ds->chains[0].files[i].object : NULL;
}

int64_t rf_dataset_block_end(const rf_dataset *ds, size_t col, int64_t e)
{
    if (!ds || col >= ds->ncols || ds->cols[col].kind != DS_TABLE || e < 0 || e >= rf_dataset_entries(ds))
        return -1;
    const ds_column *c = &ds->cols[col];
    size_t file;
    int64_t entry;
    ds_locate(ds, c->chain, e, &file, &entry);
    const ds_file *f = &ds->chains[c->chain].files[file];
    long tcol = f->colmap ? f->colmap[c->src] : (long)c->src;
    int64_t end = f->t && tcol >= 0 ? rf_table_block_end(f->t, (size_t)tcol, entry) : -1;
    if (end < 0)
        return -1;
    end += e - entry;
    return end < rf_dataset_entries(ds) ? end : rf_dataset_entries(ds);
}

rf_status rf_dataset_locate(const rf_dataset *ds, int64_t e, size_t *file, int64_t *entry,
                            rf_error *err)
{
    RF_CHECK(0 <= e && e < rf_dataset_entries(ds), err, RF_ERR_ARG,
             "entry %lld is outside the dataset's [0, %lld)", (long long)e,
             (long long)rf_dataset_entries(ds));
    ds_locate(ds, 0, e, file, entry);
    return RF_OK;
}
