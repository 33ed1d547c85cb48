/* test_offsets_stream.c - the int64 item offsets of T[n] baskets written with non-temporal
 * stores (rf_be32_offsets_stream, common/stream.c; used by ttree_read.c for outputs past
 * RF_STREAM_BYTES). First the function itself against the formula, over lengths that do and do
 * not reach its 16-entry vector steps, every alignment of the output and positions that
 * decrease, are not multiples of the item size or lie 2^31 bytes on, in the head, the vector
 * body and the tail;
 * then whole reads of jagged columns large enough to take that path (uncompressed baskets,
 * and zstd baskets decompressed in place into the output), compared value by value with the
 * formulas that wrote the file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/endian.h"
#include "common/stream.h"
#include "rootfeed.h"
#include "rootfeed_writer.h"

#include "../common/check.h"

/* The formula: off[i] = acc + ((pos_i - base) >> shift), and the OR of the checks. */
static int32_t expect(int64_t *off, const uint8_t *p, int64_t n, uint32_t base, int shift, int64_t acc)
{
    uint32_t bad = 0;
    for (int64_t i = 1; i < n; i++) {
        uint32_t pos = load_be32(p + 4 * i) - base, before = load_be32(p + 4 * (i - 1)) - base;
        off[i] = acc + ((int32_t)pos >> shift);
        bad |= pos | (pos - before);
    }
    return (int32_t)bad;
}

/* One case: n positions from base in steps of 0..3 items; `spoil` >= 0 makes entry spoil
 * decrease (kind 0) or not a multiple of the item size (kind 1). */
static void one_case(int64_t n, int shift, int align, int64_t spoil, int kind)
{
    uint8_t *p = malloc((size_t)n * 4);
    int64_t *buf = calloc((size_t)n + 8, 8), *want = calloc((size_t)n, 8), *off = buf + align;
    uint32_t base = 1000, pos = base;
    for (int64_t i = 0; i < n; i++) {
        store_be32(p + 4 * i, pos);
        pos += (uint32_t)((i * 7 % 4) << shift);
    }
    if (spoil >= 1 && spoil < n)
        store_be32(p + 4 * spoil, kind == 0   ? load_be32(p + 4 * (spoil - 1)) - ((uint32_t)1 << shift)
                                  : kind == 1 ? load_be32(p + 4 * spoil) + (shift ? 1u : 0u)
                                              : base + 0x80000000u);
    int32_t got = rf_be32_offsets_stream(off, p, n, base, shift, 123), ref = expect(want, p, n, base, shift, 123);
    int same = got == ref;
    for (int64_t i = 1; same && i < n; i++)
        same = off[i] == want[i];
    static const char *kinds[] = {"decreasing", "misaligned", "2^31 past the start"};
    CHECK(same, "n %lld, shift %d, alignment %d, entry %lld spoilt (%s): offsets and checks as the formula", (long long)n,
          shift, align, (long long)spoil, kinds[kind]);
    if (spoil >= 1 && spoil < n && (kind != 1 || shift))
        CHECK(kind != 1 ? got < 0 : (got & ((1 << shift) - 1)) != 0, "n %lld: spoilt entry %lld (%s) found",
              (long long)n, (long long)spoil, kinds[kind]);
    free(p), free(buf), free(want);
}

static int64_t count_of(int64_t i) { return (i * 7) % 5; }
static float value_of(int64_t i, int64_t j) { return (float)i - (float)j * 0.5f; }

/* Writes a jagged float32 column v of `entries` entries, reads it whole and compares. */
static void roundtrip(int compression, int64_t entries)
{
    char path[] = "/tmp/rootfeed_offstream_XXXXXX";
    int fd = mkstemp(path);
    rf_writer_options opt;
    rf_writer_options_init(&opt);
    opt.compression = compression;
    rf_writer *w;
    rf_error err;
    rf_writer_column col = {"v", RF_FLOAT32, RF_KIND_JAGGED, 0, {0}, 0};
    rf_column_data d;
    rf_column_data_init(&d);
    d.dtype = RF_FLOAT32, d.nlevels = 1, d.nentries = entries;
    d.offsets[0] = malloc((size_t)(entries + 1) * sizeof(int64_t));
    d.values = malloc((size_t)entries * 5 * sizeof(float));
    d.offsets[0][0] = 0;
    for (int64_t i = 0; i < entries; i++) {
        for (int64_t j = 0; j < count_of(i); j++)
            ((float *)d.values)[d.nvalues++] = value_of(i, j);
        d.offsets[0][i + 1] = d.nvalues;
    }
    int ok = fd >= 0 && rf_writer_open(path, "t", &opt, &w, &err) == RF_OK && rf_writer_add_column(w, &col, &err) == RF_OK &&
             rf_writer_append(w, &d, 1, &err) == RF_OK && rf_writer_close(w, &err) == RF_OK;
    rf_column_data_free(&d);
    rf_file *f = NULL;
    rf_table *t = NULL;
    size_t c = 0;
    ok = ok && rf_file_open(path, &f, &err) == RF_OK && rf_table_open(f, "t", &t, &err) == RF_OK;
    while (ok && c < rf_table_ncolumns(t) && strcmp(rf_table_column(t, c)->name, "v"))
        c++;
    rf_column_data_init(&d);
    ok = ok && c < rf_table_ncolumns(t) && rf_table_read(t, c, 0, entries, &d, &err) == RF_OK &&
         d.nentries == entries && (size_t)d.nvalues * 4 >= RF_STREAM_BYTES;
    int64_t k = 0;
    for (int64_t i = 0; ok && i < entries; i++) {
        ok = d.offsets[0][i + 1] - d.offsets[0][i] == count_of(i);
        for (int64_t j = 0; ok && j < count_of(i); j++)
            ok = ((const float *)d.values)[k++] == value_of(i, j);
    }
    CHECK(ok && k == d.nvalues, "compression %d: %lld entries (%lld values) read back whole%s%s", compression,
          (long long)entries, (long long)d.nvalues, ok ? "" : ": ", ok ? "" : err.msg);
    rf_column_data_free(&d);
    if (t)
        rf_table_close(t);
    if (f)
        rf_file_close(f);
    if (fd >= 0)
        close(fd), unlink(path);
}

int main(void)
{
    const int64_t lengths[] = {1, 2, 16, 17, 24, 40, 333, 4096};
    for (size_t l = 0; l < sizeof lengths / sizeof *lengths; l++)
        for (int shift = 0; shift <= 3; shift++)
            for (int align = 0; align < 8; align++) {
                int64_t n = lengths[l];
                one_case(n, shift, align, -1, 0);
                for (int kind = 0; kind < 3; kind++) /* head, vector body, tail */
                    for (int64_t at = 1; at < n; at += at < 20 ? 3 : n / 3)
                        one_case(n, shift, align, at, kind);
            }
    roundtrip(0, 300000);
    roundtrip(505, 300000);
    return check_summary();
}
