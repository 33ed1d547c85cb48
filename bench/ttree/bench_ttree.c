/* bench_ttree.c - TTree read throughput against the decompression bound (DESIGN.md): the
 * same baskets, already in memory, decompressed by the same libraries into a reused buffer
 * on one thread (stored baskets: read from the file into a reused buffer plus one byte-swap
 * pass; LZ4 blocks have their XXH64 checked, part of decoding ROOT's L4 format). Each run
 * times rootfeed and the bound back to back (at least one second each); the ratio is taken
 * within a run and the median of 5 runs printed, with MB/s of decoded values (medians).
 * Usage: bench_ttree FILE TREE [FILE TREE ...] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/bench_time.h"
#include "../common/tt_ref.h"

/* rootfeed: every readable column, all entries; returns decoded value bytes. */
static double rootfeed_pass(rf_table *t, rf_column_data *d)
{
    double bytes = 0;
    rf_error err;
    for (size_t c = 0; c < rf_table_ncolumns(t); c++) {
        if (rf_table_column(t, c)->unsupported)
            continue;
        if (rf_table_read(t, c, 0, rf_table_entries(t), d, &err) != RF_OK) {
            fprintf(stderr, "bench: %s\n", err.msg);
            exit(1);
        }
        bytes += (double)d->nvalues * (double)rf_dtype_size(d->dtype);
    }
    return bytes;
}

/* Seconds per pass of rootfeed (which 0) or the bound (1), passes repeated for >= 1 s. */
static double timed(int which, rf_table *t, rf_column_data *d, const blobs *bs, uint8_t *dst,
                    struct libdeflate_decompressor *inf, ZSTD_DCtx *z)
{
    int passes = 0;
    double t0 = bench_now(), el;
    do {
        if (which)
            tt_bound_pass(t->file->src, bs, 0, 1, dst, NULL, inf, z);
        else
            rootfeed_pass(t, d);
        passes++;
    } while ((el = bench_now() - t0) < 1.0);
    return el / passes;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc % 2 == 0) {
        fprintf(stderr, "usage: bench_ttree FILE TREE [FILE TREE ...]\n");
        return 2;
    }
    printf("%-30s %9s %13s %11s %6s\n", "file", "MB values", "rootfeed MB/s", "bound MB/s", "ratio");
    for (int i = 1; i + 1 < argc; i += 2) {
        rf_error err;
        rf_file *f;
        rf_table *t;
        if (rf_file_open(argv[i], &f, &err) || rf_table_open(f, argv[i + 1], &t, &err)) {
            fprintf(stderr, "bench: %s\n", err.msg);
            return 1;
        }
        rf_column_data d;
        rf_column_data_init(&d);
        blobs bs = {0};
        tt_collect(t, &bs);
        uint8_t *dst = malloc(bs.max_objlen + 16);
        struct libdeflate_decompressor *inf = libdeflate_alloc_decompressor();
        ZSTD_DCtx *z = ZSTD_createDCtx();
        double bytes = rootfeed_pass(t, &d);
        /* 5 runs, each timing both back to back; the ratio within a run, medians */
        double sec[2][5], ratio[5];
        for (int r = 0; r < 5; r++) {
            for (int v = 0; v < 2; v++)
                sec[v][r] = timed(v, t, &d, &bs, dst, inf, z);
            ratio[r] = sec[1][r] / sec[0][r];
        }
        const char *name = strrchr(argv[i], '/');
        printf("%-30s %9.2f %13.0f %11.0f %6.2f\n", name ? name + 1 : argv[i], bytes / 1e6,
               bytes / bench_median(sec[0], 5) / 1e6, bytes / bench_median(sec[1], 5) / 1e6, bench_median(ratio, 5));
        fflush(stdout);
        tt_blobs_free(&bs);
        free(dst);
        libdeflate_free_decompressor(inf);
        ZSTD_freeDCtx(z);
        rf_column_data_free(&d);
        rf_table_close(t);
        rf_file_close(f);
    }
    return 0;
}
