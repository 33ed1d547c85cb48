/* write_sample.c - writes the sample table (every dtype and shape) with the given format and
 * compression, plus a JSON file of the values every entry must read back as, for the uproot
 * check (tests/python/test_writer_uproot.py). Usage: write_sample OUT.root OUT.json ttree|rntuple SETTING
 * ENTRIES CLUSTER_ENTRIES [flat]. JSON integers are exact in Python (all 64 bits). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sample.h"

static void print_value(FILE *f, rf_dtype d, const uint8_t *p)
{
    switch (d) {
    case RF_BOOL: case RF_UINT8: fprintf(f, "%u", *p); break;
    case RF_INT8: fprintf(f, "%d", (int8_t)*p); break;
    case RF_INT16: { int16_t v; memcpy(&v, p, 2); fprintf(f, "%d", v); break; }
    case RF_UINT16: { uint16_t v; memcpy(&v, p, 2); fprintf(f, "%u", v); break; }
    case RF_INT32: { int32_t v; memcpy(&v, p, 4); fprintf(f, "%d", v); break; }
    case RF_UINT32: { uint32_t v; memcpy(&v, p, 4); fprintf(f, "%u", v); break; }
    case RF_INT64: { int64_t v; memcpy(&v, p, 8); fprintf(f, "%lld", (long long)v); break; }
    case RF_UINT64: { uint64_t v; memcpy(&v, p, 8); fprintf(f, "%llu", (unsigned long long)v); break; }
    case RF_FLOAT32: { float v; memcpy(&v, p, 4); fprintf(f, "%.9g", v); break; }
    default: { double v; memcpy(&v, p, 8); fprintf(f, "%.17g", v); break; }
    }
}

static void dump_column(FILE *f, const sample_col *c, const rf_column_data *d, int first)
{
    size_t es = rf_dtype_size(c->def.dtype);
    fprintf(f, "%s\"%s\": {\"kind\": \"%s\", \"dtype\": \"%s\", \"nlevels\": %d, ", first ? "" : ",\n",
            c->def.name, rf_kind_name(c->def.kind), rf_dtype_name(c->def.dtype), d->nlevels);
    int64_t n = d->nentries;
    for (int l = 0; l < d->nlevels; l++) { /* "counts": level 0 (entries), "counts1": level 1, ... */
        fprintf(f, l ? "\"counts%d\": [" : "\"counts\": [", l);
        for (int64_t i = 0; i < n; i++)
            fprintf(f, "%s%lld", i ? "," : "", (long long)(d->offsets[l][i + 1] - d->offsets[l][i]));
        fprintf(f, "], ");
        n = d->offsets[l][n];
    }
    fprintf(f, "\"values\": [");
    for (int64_t i = 0; i < d->nvalues; i++) {
        if (i)
            fputc(',', f);
        print_value(f, c->def.dtype, (const uint8_t *)d->values + (size_t)i * es);
    }
    fprintf(f, "]}");
}

int main(int argc, char **argv)
{
    if (argc < 7) {
        fprintf(stderr, "usage: write_sample OUT.root OUT.json ttree|rntuple SETTING ENTRIES CLUSTER [flat]\n");
        return 2;
    }
    int flat_only = argc > 7 && !strcmp(argv[7], "flat");
    rf_writer_options o;
    rf_writer_options_init(&o);
    o.format = !strcmp(argv[3], "rntuple") ? RF_FORMAT_RNTUPLE : RF_FORMAT_TTREE;
    o.compression = atoi(argv[4]);
    o.cluster_entries = atoll(argv[6]);
    o.basket_bytes = 3000;
    int64_t n = atoll(argv[5]);
    rf_error err = {0};
    rf_writer *w;
    int cols[64], nc = 0;
    for (int i = 0; i < sample_ncols; i++)
        if (!flat_only || sample_schema[i].def.kind == RF_KIND_FLAT)
            cols[nc++] = i;
    if (rf_writer_open(argv[1], "sample", &o, &w, &err) != RF_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    for (int i = 0; i < nc; i++)
        if (rf_writer_add_column(w, &sample_schema[cols[i]].def, &err) != RF_OK) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
    rf_column_data d[64];
    for (int i = 0; i < nc; i++) {
        rf_column_data_init(&d[i]);
        sample_fill(&sample_schema[cols[i]], 1, cols[i], 0, n, &d[i]);
    }
    if (rf_writer_append(w, d, (size_t)nc, &err) != RF_OK || rf_writer_close(w, &err) != RF_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    FILE *f = fopen(argv[2], "w");
    if (!f)
        return 1;
    fprintf(f, "{\"name\": \"sample\", \"entries\": %lld, \"columns\": {\n", (long long)n);
    for (int i = 0; i < nc; i++)
        dump_column(f, &sample_schema[cols[i]], &d[i], i == 0);
    fprintf(f, "}}\n");
    fclose(f);
    for (int i = 0; i < nc; i++)
        rf_column_data_free(&d[i]);
    return 0;
}
