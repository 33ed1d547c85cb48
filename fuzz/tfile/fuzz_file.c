/* fuzz_file.c - fuzz target for the whole read path of a file held in memory: container
 * (header, keys, directories), TTree/RNTuple metadata, baskets/pages and value decoding.
 * It lists every object, opens every table and reads every column in two ranges. */
#include <stdint.h>
#include <stdlib.h>

#include "rootfeed.h"
#include "io/source.h"
#include "tfile/tfile.h"
#include "dataset/dataset.h"

/* The decoded entries written as rows, jagged ones cut/padded to 3 items: in their own
 * dtype (the copying paths) and as float32 (the converting ones). */
static void write_rows(const rf_column_data *d, const rf_column_info *info)
{
    static int64_t rows[100000];
    static double out[100000 * 4];
    int64_t per = 1;
    for (int i = 0; i < info->ndims; i++)
        per *= info->shape[i];
    if (d->nentries > 100000 || per != 1 || d->nlevels > 1)
        return;
    for (int64_t e = 0; e < d->nentries; e++)
        rows[e] = e % 5 == 4 ? -1 : d->nentries - 1 - e;
    rf_error err;
    rf_rows_dest dst;
    rf_rows_dest_init(&dst);
    dst.base = out;
    dst.max_items = 3;
    dst.padding = -1;
    dst.row_stride = 4 * sizeof(double);
    for (int k = 0; k < 2; k++) {
        dst.dtype = k == 0 ? d->dtype : RF_FLOAT32;
        ds_scatter(d, 1, 0, d->nentries, rows, &dst, &err);
    }
}

static void read_table(rf_file *f, const char *path)
{
    rf_error err;
    rf_table *t;
    if (rf_table_open(f, path, &t, &err) != RF_OK)
        return;
    rf_column_data d;
    rf_column_data_init(&d);
    int64_t n = rf_table_entries(t), half = n / 2;
    for (size_t c = 0; c < rf_table_ncolumns(t) && c < 64; c++) {
        if (rf_table_read(t, c, 0, n < 100000 ? n : 100000, &d, &err) == RF_OK)
            write_rows(&d, rf_table_column(t, c));
        rf_table_read(t, c, half, n < half + 1000 ? n : half + 1000, &d, &err);
        for (int64_t e = 0, k = 0; e >= 0 && e < n && k < 64; k++) /* the basket edges */
            e = rf_table_block_end(t, c, e);
    }
    rf_column_data_free(&d);
    rf_table_close(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rf_error err;
    rf_source *src;
    rf_file *f;
    if (rf_source_open_memory(data, size, "fuzz.root", &src, &err) != RF_OK)
        return 0;
    if (rf_file_open_source(src, &f, &err) != RF_OK)
        return 0;
    rf_object_info *items;
    size_t n;
    if (rf_file_list(f, &items, &n, &err) == RF_OK) {
        for (size_t i = 0; i < n && i < 16; i++)
            if (items[i].is_table)
                read_table(f, items[i].path);
        rf_object_list_free(items, n);
    }
    rf_file_close(f);
    return 0;
}
