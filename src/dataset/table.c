/* table.c - the public rf_table_* functions: dispatch by the object's class to the format
 * that implements it, argument checks, and rf_column_data buffer management. */
#include "table.h"

#include <stdlib.h>
#include <string.h>

#include "../common/buffer.h"
#include "../common/error.h"
#include "../io/source.h"
#include "../tfile/tfile.h"

void rf_column_data_init(rf_column_data *d)
{
    memset(d, 0, sizeof *d);
}

void rf_column_data_free(rf_column_data *d)
{
    if (!d)
        return;
    free(d->values);
    for (int i = 0; i < RF_MAX_LEVELS; i++)
        free(d->offsets[i]);
    memset(d, 0, sizeof *d);
}

rf_status rf_coldata_reserve_values(rf_column_data *out, int64_t nvalues, rf_error *err)
{
    RF_CHECK(nvalues >= 0, err, RF_ERR_FORMAT, "negative value count");
    return rf_grow(&out->values, &out->values_cap, (uint64_t)nvalues * rf_dtype_size(out->dtype), RF_MAX_ALLOC,
                   "column buffer", err);
}

rf_status rf_coldata_reserve_offsets(rf_column_data *out, int level, int64_t n, rf_error *err)
{
    RF_CHECK(n >= 0, err, RF_ERR_FORMAT, "negative item count");
    size_t bytes = out->offsets_cap[level] * sizeof(int64_t);
    void *p = out->offsets[level];
    RF_TRY(rf_grow(&p, &bytes, (uint64_t)(n + 1) * sizeof(int64_t), RF_MAX_ALLOC, "offsets buffer", err));
    out->offsets[level] = p;
    out->offsets_cap[level] = bytes / sizeof(int64_t);
    return RF_OK;
}

rf_status rf_table_open(rf_file *f, const char *path, rf_table **out, rf_error *err)
{
    *out = NULL;
    RF_CHECK(f && path, err, RF_ERR_ARG, "rf_table_open: NULL file or path");
    rf_key key;
    RF_TRY(rf_tfile_find_key(f, path, &key, err));
    const char *cls = key.class_name;
    rf_status s;
    if (!strcmp(cls, "TTree") || !strcmp(cls, "TNtuple") || !strcmp(cls, "TNtupleD"))
        s = rf_ttree_open(f, path, out, err);
    else if (!strcmp(cls, "ROOT::RNTuple"))
        s = rf_rntuple_open(f, path, out, err);
    else
        s = rf_fail(err, RF_ERR_NOT_FOUND, "%s: object '%s' is a %s, not a TTree or RNTuple",
                    rf_file_name(f), path, cls);
    rf_key_clear(&key);
    return s;
}

void rf_table_close(rf_table *t)
{
    if (t)
        t->ops->close(t);
}

const char *rf_table_class(const rf_table *t) { return t->ops->class_name; }
const char *rf_table_name(const rf_table *t) { return t->name; }
int64_t rf_table_entries(const rf_table *t) { return t->entries; }
size_t rf_table_ncolumns(const rf_table *t) { return t->ncolumns; }

const rf_column_info *rf_table_column(const rf_table *t, size_t i)
{
    return i < t->ncolumns ? &t->columns[i] : NULL;
}

long rf_table_find_column(const rf_table *t, const char *name)
{
    for (size_t i = 0; i < t->ncolumns; i++)
        if (!strcmp(t->columns[i].name, name))
            return (long)i;
    return -1;
}

const int64_t *rf_table_clusters(const rf_table *t, size_t *count)
{
    *count = t->nclusters;
    return t->clusters;
}

rf_status rf_table_read(rf_table *t, size_t col, int64_t first, int64_t last, rf_column_data *out,
                        rf_error *err)
{
    RF_CHECK(t && out, err, RF_ERR_ARG, "rf_table_read: NULL table or output");
    RF_CHECK(col < t->ncolumns, err, RF_ERR_ARG, "%s: column index %zu out of range (%zu columns)",
             t->name, col, t->ncolumns);
    const rf_column_info *ci = &t->columns[col];
    RF_CHECK(0 <= first && first <= last && last <= t->entries, err, RF_ERR_ARG,
             "%s: entry range [%lld, %lld) is outside [0, %lld)", t->name, (long long)first,
             (long long)last, (long long)t->entries);
    RF_CHECK(!ci->unsupported, err, RF_ERR_UNSUPPORTED, "%s: column '%s' cannot be read: %s", t->name,
             ci->name, ci->unsupported);
    out->dtype = ci->dtype;
    out->nlevels = ci->nlevels;
    out->nentries = last - first;
    out->nvalues = 0;
    for (int l = 0; l < ci->nlevels; l++) {
        RF_TRY(rf_coldata_reserve_offsets(out, l, 0, err));
        out->offsets[l][0] = 0;
    }
    /* the format decodes from views of the file: check that its bytes were real */
    return rf_source_check(t->file->src, t->ops->read(t, col, first, last, out, err), err);
}
