/* fuzz_rntuple.c - fuzz target for the RNTuple path: opens the input as a whole ROOT file
 * from memory, opens every ROOT::RNTuple in it and reads every readable column over a few
 * entry ranges (the first and the last entries, and from entry 1 on, which reads parts of
 * pages; capped so that a claimed huge entry count costs no time). Any input must end in a
 * status, never a crash, leak or hang. */
#include <stdint.h>
#include <string.h>

#include "rootfeed.h"
#include "io/source.h"
#include "tfile/tfile.h"

#define MAX_VALUES (1 << 18)

static void read_column(rf_table *t, size_t c, rf_column_data *d)
{
    const rf_column_info *ci = rf_table_column(t, c);
    if (ci->unsupported)
        return;
    int64_t per = 1;
    for (int i = 0; i < ci->ndims; i++)
        per *= ci->shape[i] > 0 ? ci->shape[i] : 1;
    int64_t n = rf_table_entries(t), span = MAX_VALUES / (per > 0 ? per : 1);
    int64_t a = 0, b = n < span ? n : span;
    rf_error err;
    rf_table_read(t, c, a, b, d, &err);
    if (b > 1) /* parts of pages: the page cache, and views of stored pages */
        rf_table_read(t, c, 1, b, d, &err);
    for (int64_t e = 0, k = 0; e >= 0 && e < n && k < 64; k++) /* the page edges, as the loader cuts */
        e = rf_table_block_end(t, c, e);
    if (n > span)
        rf_table_read(t, c, n - span / 2, n, d, &err);
}

static void fuzz_table(rf_file *f, const char *path)
{
    rf_table *t;
    rf_error err;
    if (rf_table_open(f, path, &t, &err) != RF_OK)
        return;
    size_t ncl;
    rf_table_clusters(t, &ncl);
    rf_column_data d;
    rf_column_data_init(&d);
    for (size_t c = 0; c < rf_table_ncolumns(t); c++)
        read_column(t, c, &d);
    rf_column_data_free(&d);
    rf_table_close(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rf_source *src;
    rf_file *f;
    rf_error err;
    if (rf_source_open_memory(data, size, "fuzz.root", &src, &err) != RF_OK)
        return 0;
    if (rf_file_open_source(src, &f, &err) != RF_OK)
        return 0;
    rf_object_info *items;
    size_t n;
    if (rf_file_list(f, &items, &n, &err) == RF_OK) {
        for (size_t i = 0; i < n; i++)
            if (!strcmp(items[i].class_name, "ROOT::RNTuple"))
                fuzz_table(f, items[i].path);
        rf_object_list_free(items, n);
    }
    rf_file_close(f);
    return 0;
}
