/* sample.h - deterministic test tables for the writer tests: a schema covering every dtype
 * and shape, values that are a pure function of (column, entry, position), and helpers that
 * fill rf_column_data batches and write expected values as JSON for the uproot check. */
#ifndef RF_TEST_WRITER_SAMPLE_H
#define RF_TEST_WRITER_SAMPLE_H

#include <stdint.h>
#include <stdio.h>

#include "rootfeed.h"
#include "rootfeed_writer.h"

typedef struct sample_col {
    rf_writer_column def;
    int max_items;     /* jagged: 0..max_items items per entry (and per item of a nested level) */
} sample_col;

/* splitmix64 */
static inline uint64_t sample_hash(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* Items of entry e of jagged column c. */
int sample_count(const sample_col *c, uint64_t seed, int col, int64_t e);
/* Stores value (col, e, k) of dtype d at dst. */
void sample_value(rf_dtype d, uint64_t seed, int col, int64_t e, int64_t k, void *dst);
/* Fills d (caller-initialised) with entries [e0, e0+n) of column col. */
void sample_fill(const sample_col *c, uint64_t seed, int col, int64_t e0, int64_t n,
                 rf_column_data *d);
/* The full schema: every dtype flat, fixed arrays, jagged and nested jagged columns. */
extern const sample_col sample_schema[];
extern const int sample_ncols;

#endif
