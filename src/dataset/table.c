/* table.c - the public rf_table_* functions: rf_table_open picks the format whose classes
 * hold the object's key class, the rest dispatch through the table's ops after checking
 * their arguments. */
#include "../common/table.h"

#include <stdlib.h>
#include <string.h>

#include "../common/error.h"
#include "../io/source.h"
#include "../tfile/tfile.h"

rf_status rf_table_open(rf_file *f, const char *path, rf_table **out, rf_error *err)
{
    *out = NULL;
    RF_CHECK(f && path, err, RF_ERR_ARG, "rf_table_open: NULL file or path");
    rf_key key;
    RF_TRY(rf_tfile_find_key(f, path, &key, err));
    static const rf_table_format *const formats[] = {&rf_ttree_format, &rf_rntuple_format};
    for (size_t i = 0; i < sizeof formats / sizeof *formats; i++)
        for (const char *const *c = formats[i]->classes; *c; c++)
            if (!strcmp(*c, key.class_name)) {
                rf_key_clear(&key);
                return formats[i]->open(f, path, out, err);
            }
    rf_status s = rf_fail(err, RF_ERR_NOT_FOUND, "%s: object '%s' is a %s, not a TTree or RNTuple",
                          rf_file_name(f), path, key.class_name);
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

int64_t rf_table_block_end(const rf_table *t, size_t col, int64_t e)
{
    if (!t || col >= t->ncolumns || e < 0 || e >= t->entries || t->columns[col].unsupported || !t->ops->block_end)
        return -1;
    int64_t end = t->ops->block_end(t, col, e);
    return end > e ? (end < t->entries ? end : t->entries) : -1;
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
