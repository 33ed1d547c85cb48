/* rnt_hash.c - prints, for every column of every table in a ROOT file (or of the tables
 * named after it), one JSON line with its kind, dtype, value count, the XXH64 of its values
 * (little-endian, natural dtype) and of each jagged level's counts (int64), or the reason it
 * is unsupported. test_rntuple_corpus.py compares these lines with the expected JSON files. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "rootfeed.h"

static int hash_column(rf_table *t, size_t c, rf_column_data *d)
{
    const rf_column_info *ci = rf_table_column(t, c);
    printf("{\"table\": \"%s\", \"name\": \"%s\"", rf_table_name(t), ci->name);
    if (ci->unsupported) {
        printf(", \"unsupported\": \"%s\"}\n", ci->unsupported);
        return 0;
    }
    rf_error err;
    if (rf_table_read(t, c, 0, rf_table_entries(t), d, &err) != RF_OK) {
        printf(", \"error\": \"%s\"}\n", err.msg);
        return 1;
    }
    printf(", \"kind\": \"%s\", \"dtype\": \"%s\", \"count\": %" PRId64 ", \"xxh64\": \"%016llx\", \"counts\": [",
           rf_kind_name(ci->kind), rf_dtype_name(ci->dtype), d->nvalues,
           (unsigned long long)XXH64(d->values, (size_t)d->nvalues * rf_dtype_size(d->dtype), 0));
    int64_t n = d->nentries;
    for (int l = 0; l < d->nlevels; l++) {
        int64_t *cnt = malloc((size_t)(n ? n : 1) * 8);
        for (int64_t i = 0; i < n; i++)
            cnt[i] = d->offsets[l][i + 1] - d->offsets[l][i];
        printf("%s\"%016llx\"", l ? ", " : "", (unsigned long long)XXH64(cnt, (size_t)n * 8, 0));
        int64_t next = d->offsets[l][n];
        free(cnt);
        n = next;
    }
    printf("]}\n");
    return 0;
}

static int hash_table(rf_file *f, const char *path)
{
    rf_table *t;
    rf_error err;
    if (rf_table_open(f, path, &t, &err) != RF_OK) {
        printf("{\"table\": \"%s\", \"error\": \"%s\"}\n", path, err.msg);
        return 1;
    }
    rf_column_data d;
    rf_column_data_init(&d);
    int bad = 0;
    for (size_t c = 0; c < rf_table_ncolumns(t); c++)
        bad |= hash_column(t, c, &d);
    rf_column_data_free(&d);
    rf_table_close(t);
    return bad;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: rnt_hash FILE TABLE...\n");
        return 2;
    }
    rf_file *f;
    rf_error err;
    if (rf_file_open(argv[1], &f, &err) != RF_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    int bad = 0;
    for (int i = 2; i < argc; i++)
        bad |= hash_table(f, argv[i]);
    rf_file_close(f);
    return bad;
}
