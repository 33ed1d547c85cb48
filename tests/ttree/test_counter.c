/* test_counter.c - T[n] baskets read through their counter branch (ttree_read.c): an LZ4
 * TTree with a jagged column in several baskets, written with rootfeed's writer, read whole
 * (item offsets from the counter's running counts; LZ4 stops before the entry-offset array),
 * in ranges that cut baskets (the general path) and once more after the cached counts were
 * made inconsistent with the baskets, when each basket's own entry offsets must decide.
 * Every read is compared value by value with the formulas that wrote the file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rootfeed.h"
#include "rootfeed_writer.h"
#include "ttree/ttree.h"

#include "../common/check.h"

#define ENTRIES 20000

static int64_t count_of(int64_t i) { return (i * 7) % 5; }
static float value_of(int64_t i, int64_t j) { return (float)i + (float)j * 0.25f; }

static int write_file(const char *path)
{
    rf_writer_options opt;
    rf_writer_options_init(&opt);
    opt.compression = 404;
    opt.basket_bytes = 16000; /* several baskets, unaligned with the counter's (whose 5 fit the
                                 counts cache: counting is skipped when they do not) */
    rf_writer *w;
    rf_error err;
    rf_writer_column col = {"v", RF_FLOAT32, RF_KIND_JAGGED, 0, {0}, 0};
    if (rf_writer_open(path, "t", &opt, &w, &err) != RF_OK || rf_writer_add_column(w, &col, &err) != RF_OK) {
        fprintf(stderr, "writer: %s\n", err.msg);
        return 1;
    }
    rf_column_data d;
    rf_column_data_init(&d);
    d.dtype = RF_FLOAT32, d.nlevels = 1, d.nentries = ENTRIES;
    d.offsets[0] = malloc((ENTRIES + 1) * sizeof(int64_t));
    d.values = malloc(ENTRIES * 5 * sizeof(float));
    d.offsets[0][0] = 0;
    for (int64_t i = 0; i < ENTRIES; i++) {
        for (int64_t j = 0; j < count_of(i); j++)
            ((float *)d.values)[d.nvalues++] = value_of(i, j);
        d.offsets[0][i + 1] = d.nvalues;
    }
    rf_status s = rf_writer_append(w, &d, 1, &err);
    free(d.values);
    free(d.offsets[0]);
    if (s != RF_OK || rf_writer_close(w, &err) != RF_OK) {
        fprintf(stderr, "writer: %s\n", err.msg);
        return 1;
    }
    return 0;
}

/* Reads v over [a, b) and compares with the formulas. */
static void check_range(rf_table *t, size_t col, int64_t a, int64_t b, const char *what)
{
    rf_column_data d;
    rf_column_data_init(&d);
    rf_error err;
    int ok = rf_table_read(t, col, a, b, &d, &err) == RF_OK && d.nentries == b - a;
    int64_t k = 0;
    for (int64_t i = a; ok && i < b; i++) {
        ok = d.offsets[0][i - a + 1] - d.offsets[0][i - a] == count_of(i);
        for (int64_t j = 0; ok && j < count_of(i); j++)
            ok = ((const float *)d.values)[k++] == value_of(i, j);
    }
    CHECK(ok && k == d.nvalues, "%s: entries [%lld, %lld) read back", what, (long long)a, (long long)b);
    rf_column_data_free(&d);
}

int main(void)
{
    char path[] = "/tmp/rootfeed_counter_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || write_file(path) != 0)
        return 1;
    close(fd);
    rf_file *f;
    rf_table *t;
    rf_error err;
    if (rf_file_open(path, &f, &err) != RF_OK || rf_table_open(f, "t", &t, &err) != RF_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    size_t col = 0;
    while (col < rf_table_ncolumns(t) && strcmp(rf_table_column(t, col)->name, "v"))
        col++;
    tt_table *tt = t->impl;
    CHECK(col < rf_table_ncolumns(t) && tt->cols[col].counter >= 0 && tt->cols[col].nbaskets > 2,
          "v is a T[n] column with a counter, in %zu baskets", col < rf_table_ncolumns(t) ? tt->cols[col].nbaskets : 0);
    check_range(t, col, 0, ENTRIES, "whole, by the counter");
    int used = 0;
    for (int i = 0; i < TT_COUNT_SLOTS; i++)
        used += tt->counts[i].used;
    CHECK(used > 0, "counter ranges cached (%d)", used);
    check_range(t, col, 17, 9999, "cut ranges");
    check_range(t, col, 0, ENTRIES, "whole again, from the cache");
    /* counts that no longer add up to the baskets they are cached for: each basket's entry
     * offsets decide (reading just those baskets, so that the cache keeps them) */
    int64_t ranges[TT_COUNT_SLOTS][2];
    int nr = 0;
    for (int i = 0; i < TT_COUNT_SLOTS; i++) {
        tt_counts *c = &tt->counts[i];
        if (!c->used)
            continue;
        c->off[c->last - c->first] += 1;
        ranges[nr][0] = c->first, ranges[nr++][1] = c->last;
    }
    for (int i = 0; i < nr; i++)
        check_range(t, col, ranges[i][0], ranges[i][1], "a basket whose cached counts are inconsistent");
    for (int i = 0; i < TT_COUNT_SLOTS; i++) { /* still cached, so the reads above met them */
        const tt_counts *c = &tt->counts[i];
        int64_t n = c->last - c->first;
        CHECK(!c->used || c->off[n] == c->off[n - 1] + count_of(c->last - 1) + 1,
              "slot %d still holds the inconsistent counts", i);
    }
    rf_table_close(t);
    rf_file_close(f);
    unlink(path);
    return check_summary();
}
