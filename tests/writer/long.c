/* long.c - opt-in long test (ROOTFEED_LONG_TESTS=1): writes a 3 GiB file in each format
 * (uncompressed, so that the size is the data), which takes the TFile header, keys and
 * directory into their 64-bit layouts, then reads every value back and compares. Files go to
 * $TMPDIR (default /tmp) and are removed. Skips (exit 77) when not enabled. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rootfeed.h"
#include "rootfeed_writer.h"

#define BATCH 1000000
#define ENTRIES (3LL * (1 << 30) / 24 + 100000)  /* 3 columns of 8 bytes: just over 3 GiB */

static int passed, failed;

static double value(int c, int64_t e) { return (double)e * (c + 1) + 0.25 * c; }

static int write_file(const char *path, rf_format fmt, rf_error *err)
{
    rf_writer_options o;
    rf_writer_options_init(&o);
    o.format = fmt;
    o.compression = 0;
    rf_writer *w;
    if (rf_writer_open(path, "big", &o, &w, err) != RF_OK)
        return 0;
    const char *names[3] = {"x", "y", "z"};
    for (int c = 0; c < 3; c++) {
        rf_writer_column col = {names[c], RF_FLOAT64, RF_KIND_FLAT, 0, {0}, 0};
        if (rf_writer_add_column(w, &col, err) != RF_OK)
            return rf_writer_abort(w), 0;
    }
    rf_column_data d[3];
    for (int c = 0; c < 3; c++) {
        rf_column_data_init(&d[c]);
        d[c].dtype = RF_FLOAT64;
        d[c].values = malloc(BATCH * sizeof(double));
    }
    int ok = 1;
    for (int64_t e = 0; e < ENTRIES && ok; e += BATCH) {
        int64_t m = ENTRIES - e < BATCH ? ENTRIES - e : BATCH;
        for (int c = 0; c < 3; c++) {
            d[c].nentries = m;
            for (int64_t i = 0; i < m; i++)
                ((double *)d[c].values)[i] = value(c, e + i);
        }
        ok = rf_writer_append(w, d, 3, err) == RF_OK;
    }
    for (int c = 0; c < 3; c++)
        rf_column_data_free(&d[c]);
    if (!ok)
        return rf_writer_abort(w), 0;
    return rf_writer_close(w, err) == RF_OK;
}

static void read_back(const char *path, const char *what)
{
    rf_error err = {0};
    rf_file *f = NULL;
    rf_table *t = NULL;
    if (rf_file_open(path, &f, &err) != RF_OK || rf_table_open(f, "big", &t, &err) != RF_OK) {
        failed++;
        printf("FAIL: %s: %s\n", what, err.msg);
        rf_file_close(f);
        return;
    }
    int ok = rf_table_entries(t) == ENTRIES;
    rf_column_data d;
    rf_column_data_init(&d);
    for (int c = 0; c < 3 && ok; c++)
        for (int64_t e = 0; e < ENTRIES && ok; e += BATCH) {
            int64_t m = ENTRIES - e < BATCH ? ENTRIES - e : BATCH;
            ok = rf_table_read(t, (size_t)c, e, e + m, &d, &err) == RF_OK && d.nvalues == m;
            for (int64_t i = 0; ok && i < m; i++)
                ok = ((double *)d.values)[i] == value(c, e + i);
            if (!ok)
                printf("FAIL: %s: column %d entries from %lld: %s\n", what, c, (long long)e, err.msg);
        }
    rf_column_data_free(&d);
    rf_table_close(t);
    rf_file_close(f);
    if (ok)
        passed++;
    else
        failed++;
}

int main(void)
{
    const char *on = getenv("ROOTFEED_LONG_TESTS");
    if (!on || strcmp(on, "1") != 0) {
        printf("SKIP: set ROOTFEED_LONG_TESTS=1 to write and read two 3 GiB files\n");
        return 77;
    }
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    const char *fmts[2] = {"ttree", "rntuple"};
    for (int k = 0; k < 2; k++) {
        char path[512];
        snprintf(path, sizeof path, "%s/rootfeed_long_%d_%s.root", dir, (int)getpid(), fmts[k]);
        rf_error err = {0};
        if (!write_file(path, (rf_format)k, &err)) {
            failed++;
            printf("FAIL: writing %s: %s\n", path, err.msg);
        } else {
            read_back(path, fmts[k]);
        }
        remove(path);
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
